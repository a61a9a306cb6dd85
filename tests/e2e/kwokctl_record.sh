#!/usr/bin/env bash
# kectl (objects as stored, written through the apiserver so watchers see
# them) and record/replay end to end: record a cluster's changes with their
# timing, replay them into another cluster, export from any kubeconfig.
source "$(dirname "$0")/lib.sh"
export BIN
kc() { "$BIN/kwokctl" "$@"; }

create_cluster rec -q
kc --name rec scale node --replicas 1 -q

# kectl put stores the object as given (uid, status) and watchers see it.
k --context kwok-rec get configmaps -w --output-watch-events > "$TEST_DIR/watch.txt" 2>&1 & wpid=$!
sleep 0.5
cat > "$TEST_DIR/raw.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: raw
  namespace: default
  uid: 11111111-2222-3333-4444-555555555555
data:
  x: "y"
---
apiVersion: v1
kind: Pod
metadata:
  name: preset
  namespace: default
  uid: 22222222-2222-3333-4444-555555555555
spec:
  nodeName: node-000000
  containers: [{name: c, image: busybox}]
status:
  phase: Running
  podIP: 10.9.9.9
EOF
kc --name rec kectl put --path "$TEST_DIR/raw.yaml" >/dev/null
[ "$(k --context kwok-rec get configmap raw -o jsonpath='{.metadata.uid}')" = 11111111-2222-3333-4444-555555555555 ] || fail "kectl put changed the uid"
[ "$(k --context kwok-rec get pod preset -o jsonpath='{.status.podIP}')" = 10.9.9.9 ] || fail "kectl put lost the status"
kc --name rec kectl get configmaps raw -n default -o json | grep -q '"x": *"y"' || fail "kectl get"
kc --name rec kectl get configmaps -o key | grep -q 'configmaps/default/raw' || fail "kectl get -o key"
kc --name rec kectl delete configmaps raw -n default
! k --context kwok-rec get configmap raw >/dev/null 2>&1 || fail "kectl delete left the object"
retry 5 grep -q 'DELETED *raw' "$TEST_DIR/watch.txt" || fail "watch missed kectl's writes: $(cat "$TEST_DIR/watch.txt")"
grep -q 'ADDED *raw' "$TEST_DIR/watch.txt" || fail "watch missed the put: $(cat "$TEST_DIR/watch.txt")"
kill "$wpid"; wait "$wpid" 2>/dev/null || true
if out=$(kc --name rec kectl get nosuchresource 2>&1); then fail "unknown resource accepted"; fi
ok "kectl put/get/delete as stored, seen by watchers"

# Record changes for a few seconds.
# Not through kc: the signal must reach kwokctl, not a subshell waiting for it.
"$BIN/kwokctl" --name rec snapshot record --path "$TEST_DIR/rec.yaml" -q & rpid=$!
retry 5 test -s "$TEST_DIR/rec.yaml" || fail "recording did not start"
sleep 0.5
k --context kwok-rec create configmap step1 --from-literal=a=1 >/dev/null
sleep 1
k --context kwok-rec patch configmap step1 -p '{"data":{"a":"2"}}' >/dev/null
k --context kwok-rec create deployment web --image=nginx --replicas=2 >/dev/null
retry 30 bash -c '[ "$("$KUBECTL" --context kwok-rec get pods -l app=web --field-selector=status.phase=Running --no-headers | wc -l)" -eq 2 ]' || fail "web not Running"
sleep 0.5
k --context kwok-rec delete configmap step1 >/dev/null
sleep 0.3
kill -INT "$rpid"; wait "$rpid" || fail "record did not exit cleanly"
tail -n 1 "$TEST_DIR/rec.yaml" | grep -q '^# end of snapshot' || fail "recording not closed"
grep -q 'kind: ResourcePatch' "$TEST_DIR/rec.yaml" || fail "no changes recorded"
last_ns=$(grep -o 'durationNanosecond: [0-9]*' "$TEST_DIR/rec.yaml" | tail -1 | awk '{print $2}')
ok "record: $(grep -c 'kind: ResourcePatch' "$TEST_DIR/rec.yaml") changes over $((last_ns / 1000000))ms"

# Replay into a fresh cluster: objects at the end are those of the source.
create_cluster play -q
t0=$(date +%s%N)
kc --name play snapshot replay --path "$TEST_DIR/rec.yaml" -q
replay_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$replay_ms" -ge $((last_ns / 1000000)) ] || fail "replay took ${replay_ms}ms, faster than the recording's $((last_ns / 1000000))ms"
! k --context kwok-play get configmap step1 >/dev/null 2>&1 || fail "the recorded delete was not replayed"
[ "$(k --context kwok-play get pod preset -o jsonpath='{.metadata.uid}')" = 22222222-2222-3333-4444-555555555555 ] || fail "snapshot objects not stored as they are"
names() { "$KUBECTL" --context "$1" get deployments,replicasets,pods -o name | sort; }
[ "$(names kwok-play)" = "$(names kwok-rec)" ] || fail "replayed objects differ: $(names kwok-play) vs $(names kwok-rec)"
kc --name play get components | grep -c Running | grep -q 3 || fail "controllers not resumed after replay"
k --context kwok-play scale deployment web --replicas=3 >/dev/null
retry 30 bash -c '[ "$("$KUBECTL" --context kwok-play get pods -l app=web --field-selector=status.phase=Running --no-headers | wc -l)" -eq 3 ]' || fail "replayed cluster does not run new pods"
ok "replay keeps the timing (${replay_ms}ms) and ends with the recorded objects; the cluster works on"

# snapshot export from a plain kubeconfig, and kectl snapshot record --snapshot.
k config use-context kwok-rec >/dev/null
kc snapshot export --path "$TEST_DIR/export.yaml" --filter deployment.apps -q
[ "$(grep -c '^kind: Deployment' "$TEST_DIR/export.yaml")" -eq 1 ] || fail "export: $(grep '^kind' "$TEST_DIR/export.yaml")"
kc --name rec kectl snapshot record --snapshot --path "$TEST_DIR/only.yaml" -q
! grep -q 'kind: ResourcePatch' "$TEST_DIR/only.yaml" || fail "--snapshot recorded changes"
if out=$(kc --name rec snapshot export --path "$TEST_DIR/export.yaml" 2>&1); then fail "export over an existing file"; fi
head -c 1500 "$TEST_DIR/rec.yaml" > "$TEST_DIR/trunc.yaml"
if out=$(kc --name play snapshot replay --path "$TEST_DIR/trunc.yaml" 2>&1); then fail "truncated recording replayed"; fi
grep -q truncated <<<"$out" || fail "unclear message: $out"
ok "snapshot export, record --snapshot, truncated recording refused"
