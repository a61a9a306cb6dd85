#!/usr/bin/env bash
# Cluster start: `kwokctl create cluster` until `kubectl get ns` succeeds,
# RUNS times (median and best), then the total RSS of an idle cluster
# (all components, after IDLE seconds without load).
# Writes the figures as JSON to bench/results/cluster_start-<date>.json.
# Not a test: it asserts nothing. Usage: bench/cluster_start.sh [RUNS] [IDLE]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
IDLE=${2:-10}
NAME=start
source bench/lib.sh

times=()
for i in $(seq "$RUNS"); do
  t0=$(now)
  "$BIN/kwokctl" -q --name $NAME create cluster
  until "$KUBECTL" get ns >/dev/null 2>&1; do :; done
  t1=$(now)
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  echo "run $i: ${times[-1]}s"
  [ "$i" -eq "$RUNS" ] || "$BIN/kwokctl" -q --name $NAME delete cluster
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
best=$(head -n 1 <<<"$sorted")
median=$(sed -n "$(((RUNS + 1) / 2))p" <<<"$sorted")
echo "create until kubectl get ns: median ${median}s, best ${best}s over $RUNS runs"

sleep "$IDLE"
rss=$(rss_json VmRSS "idle RSS")
total=$(grep -o '[0-9]*' <<<"$rss" | awk '{ s += $1 } END { print s }')
echo "idle RSS total: $((total / 1024)) MiB"
write_result cluster_start "\"runs\": $RUNS, \"seconds\": {\"median\": $median, \"best\": $best, \"all\": [$(IFS=,; echo "${times[*]}")]},
 \"idle_rss_kib\": { $rss, \"total\": $total }"
