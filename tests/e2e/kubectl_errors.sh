#!/usr/bin/env bash
# kubectl prints the apiserver's validation errors as it prints
# kube-apiserver's: "The <Kind> "<name>" is invalid: <field>: <cause>", built
# from the 422 Status's details (the Kind, the name and one cause per field).
source "$(dirname "$0")/lib.sh"

create_cluster errors
cat >"$TEST_DIR/bad-deployment.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: x, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
mismatch='The Deployment "x" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'
if out=$(k apply -f "$TEST_DIR/bad-deployment.yaml" 2>&1); then fail "invalid Deployment applied"; fi
grep -qxF "$mismatch" <<<"$out" || fail "unexpected apply error: $out"
# Server-side apply names the object in the request; the Kind still comes from the Status.
if out=$(k apply --server-side -f "$TEST_DIR/bad-deployment.yaml" 2>&1); then fail "invalid Deployment applied server-side"; fi
grep -qxF "$mismatch" <<<"$out" || fail "unexpected server-side apply error: $out"
ok "invalid Deployment: kubectl names the Kind and the cause"

cat >"$TEST_DIR/no-containers.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec: {containers: []}
YAML
if out=$(k create -f "$TEST_DIR/no-containers.yaml" 2>&1); then fail "Pod without containers created"; fi
grep -qxF 'The Pod "p" is invalid: spec.containers: Required value' <<<"$out" || fail "unexpected create error: $out"
# Several causes: kubectl lists one per line.
sed -i 's/name: p,/name: Bad_Name,/' "$TEST_DIR/no-containers.yaml"
if out=$(k create -f "$TEST_DIR/no-containers.yaml" 2>&1); then fail "invalid Pod created"; fi
grep -qF 'The Pod "Bad_Name" is invalid:' <<<"$out" && grep -qF '* metadata.name: Invalid value: "Bad_Name": ' <<<"$out" \
  && grep -qxF '* spec.containers: Required value' <<<"$out" || fail "unexpected causes: $out"
ok "invalid Pod: kubectl prints each cause"
