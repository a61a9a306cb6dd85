#!/usr/bin/env bash
# Upstream KWOK's CI benchmark against a fresh cluster, observed through the
# API by the real kubectl (`kubectl get --watch --no-headers`):
#   1. scale to NODES nodes, until all are Ready       (upstream allows 60 s)
#   2. PODS pods on node-000000, until all are Running (upstream allows 60 s)
#   3. scale pods to 0, until none is left              (upstream allows 90 s)
# Each phase is also timed by a lean watcher of our own (bench_watch_until).
# Prints the seconds of each phase, each component's CPU seconds per phase
# and its peak RSS, and writes them as JSON to bench/results/upstream_ci-<date>.json.
# Not a test: it asserts nothing. Usage: bench/upstream_ci.sh [NODES] [PODS]
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${1:-5000}
PODS=${2:-10000}
NAME=bench
source bench/lib.sh

"$BIN/kwokctl" -q --name $NAME create cluster ${KWOK_BENCH_CREATE_FLAGS:-}

# watch_until RESOURCE TARGET AWK-CONDITION NAME-FIELD [KUBECTL-FLAGS]:
# watches with kubectl until TARGET distinct names (in awk field NAME-FIELD)
# satisfy the condition. kubectl is
# stopped as soon as the count is reached (it would otherwise block until
# its next event).
watch_until() {
  local resource=$1 target=$2 cond=$3 key=$4 extra=${5:-} fifo
  fifo=$(mktemp -u "$WORK/watch.XXXXXX")
  mkfifo "$fifo"
  # shellcheck disable=SC2086
  "$KUBECTL" get "$resource" --watch --no-headers $extra >"$fifo" 2>/dev/null &
  local kp=$!
  timeout 600 "${AWK[@]}" -v target="$target" "{ if ($cond) seen[\$$key]=1; else delete seen[\$$key] } length(seen) >= target { exit 0 }" <"$fifo"
  kill "$kp" 2>/dev/null || true
  wait "$kp" 2>/dev/null || true
  rm -f "$fifo"
}

# lean_until COLLECTION TARGET CONDITION: the same wait seen by our own
# watcher (bench_watch_until), to separate the cluster's speed from
# kubectl's. Writes the time it finished to $WORK/lean.
lean_until() {
  timeout 600 "$BUILD/bench/micro/bench_watch_until" "$KUBECONFIG" "$@" >"$WORK/lean"
}

# mawk (Debian's default awk) reads pipes in blocks; make it read lines.
AWK=(awk)
awk -W version 2>&1 | grep -q mawk && AWK=(awk -W interactive)


# Phase 1: nodes. node-000000 gets a /16 podCIDR so it can hold the pods.
watch_until nodes "$NODES" '$2 == "Ready"' 1 & W=$!
lean_until /api/v1/nodes "$NODES" ready & L=$!
sleep 0.5
t0=$(now) c0=$(cpu_json 2>/dev/null)
"$BIN/kwokctl" -q --name $NAME scale node --replicas "$NODES" --param '.podCIDRs=["10.0.0.0/16"]'
wait $W
t1=$(now)
wait $L
nodes_s=$(elapsed "$t0" "$t1") nodes_lean=$(elapsed "$t0" "$(cat "$WORK/lean")")
echo "phase 1: $NODES nodes Ready in ${nodes_s}s (our watcher: ${nodes_lean}s)"
nodes_cpu=$(cpu_json "$c0")

# Phase 2: pods Running on node-000000.
watch_until pods "$PODS" '$3 == "Running"' 1 & W=$!
lean_until /api/v1/namespaces/default/pods "$PODS" running & L=$!
sleep 0.5
t0=$(now) c0=$(cpu_json 2>/dev/null)
"$BIN/kwokctl" -q --name $NAME scale pod --replicas "$PODS" --param '.nodeName="node-000000"'
wait $W
t1=$(now)
wait $L
pods_s=$(elapsed "$t0" "$t1") pods_lean=$(elapsed "$t0" "$(cat "$WORK/lean")")
echo "phase 2: $PODS pods Running in ${pods_s}s (our watcher: ${pods_lean}s)"
pods_cpu=$(cpu_json "$c0")

# Phase 3: pods deleted (count DELETED events).
watch_until pods "$PODS" '$1 == "DELETED"' 2 "--watch-only --output-watch-events" & W=$!
lean_until /api/v1/namespaces/default/pods "$PODS" deleted & L=$!
sleep 0.5
t0=$(now) c0=$(cpu_json 2>/dev/null)
"$BIN/kwokctl" -q --name $NAME scale pod --replicas 0
wait $W
t1=$(now)
wait $L
delete_s=$(elapsed "$t0" "$t1") delete_lean=$(elapsed "$t0" "$(cat "$WORK/lean")")
echo "phase 3: $PODS pods deleted in ${delete_s}s (our watcher: ${delete_lean}s)"
delete_cpu=$(cpu_json "$c0")

write_result upstream_ci "\"nodes\": $NODES, \"pods\": $PODS,
 \"seconds\": {\"nodes_ready\": $nodes_s, \"pods_running\": $pods_s, \"pods_deleted\": $delete_s},
 \"lean_watcher_seconds\": {\"nodes_ready\": $nodes_lean, \"pods_running\": $pods_lean, \"pods_deleted\": $delete_lean},
 \"cpu_seconds\": {\"nodes_ready\": { $nodes_cpu }, \"pods_running\": { $pods_cpu }, \"pods_deleted\": { $delete_cpu }},
 \"peak_rss_kib\": { $(rss_json VmHWM "peak RSS") }"
