#!/usr/bin/env bash
# Deployments through the whole system (apiserver, scheduler, ReplicaSet and
# Deployment controllers, kwok), on a fresh cluster with NODES nodes:
#   1. one Deployment of REPLICAS replicas: from `kubectl create` until its
#      status says REPLICAS available;
#   2. COUNT one-replica Deployments: from the start of `kubectl create -f`
#      (one file, COUNT objects) until all COUNT are Available.
# Writes the figures as JSON to bench/results/deployments-<date>.json.
# Not a test: it asserts nothing.
# Usage: bench/deployments.sh [REPLICAS=10000] [COUNT=1000] [NODES=200]
set -euo pipefail
cd "$(dirname "$0")/.."
REPLICAS=${1:-10000}
COUNT=${2:-1000}
NODES=${3:-200}
NAME=deploy
source bench/lib.sh

# Polls (every 0.1 s) until the jsonpath's output, summed over lines, reaches TARGET.
poll_sum() {
  local target=$1 ns=$2 jsonpath=$3
  until [ "$("$KUBECTL" get deployments -n "$ns" -o jsonpath="$jsonpath" | awk '{ s += $1 } END { print s + 0 }')" -ge "$target" ]; do
    sleep 0.1
  done
}

"$BIN/kwokctl" -q --name $NAME create cluster
# Each node holds 110 pods (kwokctl's node template); NODES must hold REPLICAS.
"$BIN/kwokctl" -q --name $NAME scale node --replicas "$NODES"
"$KUBECTL" wait --for=condition=Ready nodes --all --timeout=120s >/dev/null

# Phase 1: one big Deployment.
"$KUBECTL" create namespace big >/dev/null
t0=$(now)
"$KUBECTL" create deployment big -n big --image=nginx --replicas="$REPLICAS" >/dev/null
poll_sum "$REPLICAS" big '{.items[0].status.availableReplicas}'
t1=$(now)
big_s=$(elapsed "$t0" "$t1")
echo "phase 1: a $REPLICAS-replica Deployment Available in ${big_s}s"
"$KUBECTL" delete namespace big --wait=false >/dev/null

# Phase 2: many one-replica Deployments.
"$KUBECTL" create namespace many >/dev/null
for i in $(seq -f %05g "$COUNT"); do
  cat <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d-$i, namespace: many}
spec:
  replicas: 1
  selector: {matchLabels: {app: d-$i}}
  template:
    metadata: {labels: {app: d-$i}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
done >"$WORK/many.yaml"
t0=$(now)
"$KUBECTL" create -f "$WORK/many.yaml" >/dev/null
t1=$(now)
poll_sum "$COUNT" many '{range .items[*]}{.status.availableReplicas}{"\n"}{end}'
t2=$(now)
create_s=$(elapsed "$t0" "$t1")
many_s=$(elapsed "$t0" "$t2")
rate=$(awk -v n="$COUNT" -v s="$many_s" 'BEGIN { printf "%.0f", n / s }')
echo "phase 2: $COUNT one-replica Deployments Available in ${many_s}s ($rate/s; kubectl create itself took ${create_s}s)"

write_result deployments "\"nodes\": $NODES, \"replicas\": $REPLICAS, \"count\": $COUNT,
 \"seconds\": {\"big_available\": $big_s, \"many_available\": $many_s, \"many_kubectl_create\": $create_s},
 \"many_per_second\": $rate,
 \"peak_rss_kib\": { $(rss_json VmHWM "peak RSS") }"
