#!/usr/bin/env bash
# kwokctl end to end: create a cluster, scale nodes and pods, check them
# with the real kubectl, scale down, delete.
source "$(dirname "$0")/lib.sh"

create_cluster e2e
k get ns default >/dev/null || fail "kubectl cannot reach the new cluster"
[ "$(k config current-context)" = "kwok-e2e" ] || fail "context kwok-e2e is not current"
ok "cluster created and context current"

if out=$("$BIN/kwokctl" --name e2e create cluster 2>&1); then fail "creating an existing cluster succeeded"; fi
grep -q 'already exists' <<<"$out" || fail "unexpected message for an existing cluster: $out"
ok "existing cluster name rejected"

"$BIN/kwokctl" --name e2e scale node --replicas 3
k wait --for=condition=Ready node --all --timeout=30s >/dev/null || fail "nodes not Ready"
[ "$(k get nodes --no-headers | grep -c ' Ready ')" -eq 3 ] || fail "expected 3 Ready nodes"
k get nodes -o wide --no-headers | awk '$6 == "<none>" {exit 1}' || fail "a node lacks an INTERNAL-IP"
retry 20 bash -c '[ "$("$KUBECTL" get lease -n kube-node-lease --no-headers | wc -l)" -eq 3 ]' || fail "node leases missing"
ok "3 nodes Ready with internal IPs and leases"

k apply -f "$(dirname "$0")/../../examples/demo-pods.yaml" >/dev/null
k wait --for=condition=Ready pod --all --timeout=30s >/dev/null || fail "pods not Ready"
k get pods --no-headers | awk '$2 != "1/1" || $3 != "Running" {exit 1}' || fail "a pod is not 1/1 Running"
# Every pod IP lies inside its node's podCIDR, and no two pods share one.
k get pods -o json > "$TEST_DIR/pods.json"
k get nodes -o json > "$TEST_DIR/nodes.json"
/usr/bin/python3 - "$TEST_DIR/pods.json" "$TEST_DIR/nodes.json" <<'PY' || fail "pod IPs outside node ranges"
import ipaddress, json, sys
pods = json.load(open(sys.argv[1]))["items"]
nodes = {n["metadata"]["name"]: n for n in json.load(open(sys.argv[2]))["items"]}
seen = set()
for p in pods:
    ip = ipaddress.ip_address(p["status"]["podIP"])
    cidr = ipaddress.ip_network(nodes[p["spec"]["nodeName"]]["spec"]["podCIDR"])
    assert ip in cidr, (p["metadata"]["name"], str(ip), str(cidr))
    assert ip not in seen, ip
    seen.add(ip)
    assert p["status"]["hostIP"], p["metadata"]["name"]
PY
# The scheduler records its events asynchronously: they may trail the pods.
retry 10 bash -c '[ -n "$("$KUBECTL" get events --field-selector reason=Scheduled -o name)" ]' || fail "no Scheduled events"
ok "pods scheduled, Running, with IPs inside their nodes' podCIDRs"

"$BIN/kwokctl" --name e2e scale pod --replicas 4 --param '.nodeName="node-000000"'
retry 30 bash -c '[ "$("$KUBECTL" get pods -l kwok.x-k8s.io/kwokctl-scale=pod --field-selector=status.phase=Running,spec.nodeName=node-000000 --no-headers | wc -l)" -eq 4 ]' \
  || fail "scaled pods not Running on node-000000"
"$BIN/kwokctl" --name e2e scale pod --replicas 0
retry 30 bash -c '[ "$("$KUBECTL" get pods -l kwok.x-k8s.io/kwokctl-scale=pod --no-headers 2>/dev/null | wc -l)" -eq 0 ]' \
  || fail "scaled pods not deleted"
ok "scale pod up and down"

"$BIN/kwokctl" --name e2e scale node --replicas 1
[ "$(k get nodes -o name)" = "node/node-000000" ] || fail "scaling down did not keep the oldest node"
ok "scale node down keeps the oldest"

if out=$("$BIN/kwokctl" --name e2e scale node --replicas 2 --param '.a |= 1' 2>&1); then fail "bad --param accepted"; fi
grep -q 'unsupported --param' <<<"$out" || fail "unclear --param error: $out"
ok "bad --param rejected"

pids=$(cat "$KWOK_WORKDIR"/clusters/e2e/pids/*.pid)
"$BIN/kwokctl" --name e2e delete cluster
# A stopped process may linger briefly as a zombie until init reaps it.
running() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
for p in $pids; do ! running "$p" || fail "process $p still running after delete"; done
[ ! -d "$KWOK_WORKDIR/clusters/e2e" ] || fail "cluster directory left behind"
! k config get-contexts kwok-e2e >/dev/null 2>&1 || fail "context left behind"
if "$BIN/kwokctl" --name e2e delete cluster 2>/dev/null; then fail "deleting a missing cluster succeeded"; fi
CREATED_CLUSTERS=()
ok "cluster deleted: processes stopped, directory and context removed"
