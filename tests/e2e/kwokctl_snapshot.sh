#!/usr/bin/env bash
# kwokctl snapshots end to end: the etcd format (a copy of the whole store)
# brings back exactly the saved objects; the k8s format (YAML) restores the
# filtered resources into another cluster with owner UIDs remapped; broken
# files are refused before anything changes.
source "$(dirname "$0")/lib.sh"
export BIN
kc() { "$BIN/kwokctl" "$@"; }
# uid and resourceVersion of the objects the test owns, one per line.
state() {
  k --context "kwok-$1" get namespace,configmap,deployment,replicaset,pods -A \
    -o jsonpath='{range .items[*]}{.kind} {.metadata.namespace}/{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{"\n"}{end}' | sort
}
running_web() { [ "$("$KUBECTL" --context "kwok-$1" get pods -l app=web --field-selector=status.phase=Running --no-headers | wc -l)" -eq "$2" ]; }
export -f running_web

create_cluster src -q
kc --name src scale node --replicas 2 -q
k --context kwok-src create namespace team >/dev/null
k --context kwok-src -n team create configmap settings --from-literal=mode=fast >/dev/null
k --context kwok-src create deployment web --image=nginx --replicas=3 >/dev/null
retry 30 running_web src 3 || fail "web pods not Running"
k --context kwok-src create configmap zz-last --from-literal=a=1 >/dev/null

# etcd format: save, change things, restore: the saved state is back.
before=$(state src)
kc --name src snapshot save --path "$TEST_DIR/store.db" -q
k --context kwok-src delete deployment web >/dev/null
k --context kwok-src -n team delete configmap settings >/dev/null
k --context kwok-src create configmap after-save >/dev/null
t0=$(date +%s%N)
kc --name src snapshot restore --path "$TEST_DIR/store.db" -q
restore_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
after=$(state src)
[ "$before" = "$after" ] || fail "etcd restore differs: $(diff <(echo "$before") <(echo "$after"))"
! k --context kwok-src get configmap after-save >/dev/null 2>&1 || fail "an object created after the save survived the restore"
k --context kwok-src scale deployment web --replicas=4 >/dev/null
retry 30 running_web src 4 || fail "the restored cluster does not run new pods"
ok "etcd format: save, restore brings back the same objects and resourceVersions (restore ${restore_ms}ms)"
if out=$(kc --name src snapshot save --path "$TEST_DIR/x.db" --filter pods 2>&1); then fail "--filter with the etcd format accepted"; fi
grep -q 'k8s' <<<"$out" || fail "unclear --filter message: $out"

# k8s format: everything, then a filtered file.
kc --name src snapshot save --path "$TEST_DIR/all.yaml" --format k8s -q
kc --name src snapshot save --path "$TEST_DIR/apps.yaml" --format k8s --filter deployment.apps,replicaset.apps --filter pod -q
kinds=$(grep '^kind:' "$TEST_DIR/apps.yaml" | sort | uniq -c | awk '{print $1 $3}' | tr '\n' ' ')
[ "$kinds" = "1Deployment 4Pod 1ReplicaSet " ] || fail "filtered save holds: $kinds"
! grep -q 'resourceVersion' "$TEST_DIR/all.yaml" || fail "k8s snapshot keeps resourceVersions"
ok "k8s format save, with filters"

create_cluster dst -q
if out=$(kc --name dst snapshot restore --path "$TEST_DIR/all.yaml" --format k8s --filter configmap 2>&1); then fail "configmaps restored without their namespace"; fi
grep -q 'add namespace to --filter' <<<"$out" || fail "no hint about the missing namespace: $out"
kc --name dst snapshot restore --path "$TEST_DIR/all.yaml" --format k8s --filter namespace --filter configmap -q
k --context kwok-dst get configmap zz-last >/dev/null || fail "configmap after non-matching objects skipped"
k --context kwok-dst -n team get configmap settings >/dev/null || fail "configmap in namespace team not restored"
[ -z "$(k --context kwok-dst get deployments,pods --no-headers 2>/dev/null)" ] || fail "filtered restore created other resources"
kc --name dst snapshot restore --path "$TEST_DIR/all.yaml" --format k8s -q
[ "$(k --context kwok-dst get nodes --no-headers | wc -l)" -eq 2 ] || fail "nodes not restored"
retry 30 running_web dst 4 || fail "restored pods not Running in dst"
dep=$(k --context kwok-dst get deployment web -o jsonpath='{.metadata.uid}')
rs_owner=$(k --context kwok-dst get rs -l app=web -o jsonpath='{.items[0].metadata.ownerReferences[0].uid}')
rs=$(k --context kwok-dst get rs -l app=web -o jsonpath='{.items[0].metadata.uid}')
pod_owners=$(k --context kwok-dst get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].uid}{"\n"}{end}' | sort -u)
[ "$dep" = "$rs_owner" ] || fail "ReplicaSet owner $rs_owner is not the new Deployment $dep"
[ "$pod_owners" = "$rs" ] || fail "pod owners $pod_owners are not the new ReplicaSet $rs"
[ "$dep" != "$(k --context kwok-src get deployment web -o jsonpath='{.metadata.uid}')" ] || fail "dst reused src's UID"
[ "$(k --context kwok-dst get pods -l app=web --no-headers | wc -l)" -eq 4 ] || fail "the ReplicaSet made extra pods after restore"
ok "k8s format restore into another cluster: filters, nothing skipped, owner UIDs remapped"

# Broken files are refused and nothing changes.
before=$(state dst)
head -c 4000 "$TEST_DIR/store.db" > "$TEST_DIR/trunc.db"
head -c 2000 "$TEST_DIR/all.yaml" > "$TEST_DIR/trunc.yaml"
echo 'not a database' > "$TEST_DIR/junk.db"
for f in trunc.db junk.db; do
  if out=$(kc --name dst snapshot restore --path "$TEST_DIR/$f" 2>&1); then fail "$f accepted"; fi
  grep -q 'not a usable etcd-format snapshot' <<<"$out" || fail "unclear message for $f: $out"
done
if out=$(kc --name dst snapshot restore --path "$TEST_DIR/trunc.yaml" --format k8s 2>&1); then fail "truncated YAML accepted"; fi
grep -q 'truncated' <<<"$out" || fail "unclear message for truncated YAML: $out"
if out=$(kc --name dst snapshot restore --path "$TEST_DIR/missing.db" 2>&1); then fail "missing file accepted"; fi
[ "$(state dst)" = "$before" ] || fail "a refused restore changed the cluster"
kc --name dst get components | grep -c Running | grep -q 3 || fail "a refused restore left components stopped"
ok "truncated, corrupt and missing snapshots refused, cluster unchanged"
