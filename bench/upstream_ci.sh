#!/usr/bin/env bash
# Upstream KWOK's CI benchmark against a fresh cluster, observed through the
# API by the real kubectl (`kubectl get --watch --no-headers`):
#   1. scale to NODES nodes, until all are Ready       (upstream allows 60 s)
#   2. PODS pods on node-000000, until all are Running (upstream allows 60 s)
#   3. scale pods to 0, until none is left              (upstream allows 90 s)
# Prints the seconds of each phase and each component's peak RSS, and
# writes them as JSON to bench/results/upstream_ci-<date>.json.
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

# mawk (Debian's default awk) reads pipes in blocks; make it read lines.
AWK=(awk)
awk -W version 2>&1 | grep -q mawk && AWK=(awk -W interactive)


# Phase 1: nodes. node-000000 gets a /16 podCIDR so it can hold the pods.
watch_until nodes "$NODES" '$2 == "Ready"' 1 & W=$!
sleep 0.5
t0=$(now)
"$BIN/kwokctl" -q --name $NAME scale node --replicas "$NODES" --param '.podCIDRs=["10.0.0.0/16"]'
wait $W
t1=$(now)
nodes_s=$(elapsed "$t0" "$t1")
echo "phase 1: $NODES nodes Ready in ${nodes_s}s"

# Phase 2: pods Running on node-000000.
watch_until pods "$PODS" '$3 == "Running"' 1 & W=$!
sleep 0.5
t0=$(now)
"$BIN/kwokctl" -q --name $NAME scale pod --replicas "$PODS" --param '.nodeName="node-000000"'
wait $W
t1=$(now)
pods_s=$(elapsed "$t0" "$t1")
echo "phase 2: $PODS pods Running in ${pods_s}s"

# Phase 3: pods deleted (count DELETED events).
watch_until pods "$PODS" '$1 == "DELETED"' 2 "--watch-only --output-watch-events" & W=$!
sleep 0.5
t0=$(now)
"$BIN/kwokctl" -q --name $NAME scale pod --replicas 0
wait $W
t1=$(now)
delete_s=$(elapsed "$t0" "$t1")
echo "phase 3: $PODS pods deleted in ${delete_s}s"

write_result upstream_ci "\"nodes\": $NODES, \"pods\": $PODS,
 \"seconds\": {\"nodes_ready\": $nodes_s, \"pods_running\": $pods_s, \"pods_deleted\": $delete_s},
 \"peak_rss_kib\": { $(rss_json VmHWM "peak RSS") }"
