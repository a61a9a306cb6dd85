#!/usr/bin/env bash
# Scale hold: a fresh cluster with NODES nodes (leases at kwokctl's
# defaults) and PODS pods Running (bound by the scheduler), held for MINUTES
# with CHURN percent of the pods replaced each minute. Reports each
# component's RSS (idle, with nodes, with pods, peak), bytes per node and
# per pod, average CPU (cores) during the hold, and the p50/p99/max latency
# of the mutating calls (pod creates and deletes). Writes the JSON to
# bench/results/scale_hold-<date>.json. Not a test: it asserts nothing.
# Usage: bench/scale_hold.sh [NODES] [PODS] [MINUTES] [CHURN] [THREADS]
# (defaults: issue 7's 100000 1000000 10 1 32)
# KWOK_BENCH_CREATE_FLAGS adds flags to `kwokctl create cluster`, e.g.
# '--extra-args kwok-controller=node-lease-parallelism=32' (at 100,000 nodes
# the default 4 lease workers cannot renew every lease within its duration
# while pods are being created: nodes go NotReady).
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${1:-100000}
PODS=${2:-1000000}
MINUTES=${3:-10}
CHURN=${4:-1}
THREADS=${5:-32}
NAME=hold
source bench/lib.sh

"$BIN/kwokctl" -q --name $NAME create cluster ${KWOK_BENCH_CREATE_FLAGS:-}
DIR="$KWOK_WORKDIR/clusters/$NAME"
# Nodes are created in the background; the driver samples the idle RSS first
# and then waits for them on a watch.
(sleep 2; "$BIN/kwokctl" -q --name $NAME scale node --replicas "$NODES") &
SCALER=$!
result=$("$BUILD/bench/micro/bench_scale_hold" "$DIR/kubeconfig.yaml" "$DIR/pids" "$NODES" "$PODS" "$MINUTES" "$CHURN" "$THREADS")
wait $SCALER
echo "$result"

write_result scale_hold "\"result\": $result"
