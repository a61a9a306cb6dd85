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
BIN="$PWD/${BUILD_DIR:-build}/cmd"
KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.32
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl)
WORK=$(mktemp -d /tmp/kwok-bench.XXXXXX)
export KWOK_WORKDIR="$WORK/workdir" KUBECONFIG="$WORK/kubeconfig"
NAME=start
cleanup() { "$BIN/kwokctl" -q --name $NAME delete cluster >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

now() { date +%s.%N; }
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
total=0
rss_json=""
for f in "$KWOK_WORKDIR/clusters/$NAME"/pids/*.pid; do
  comp=$(basename "$f" .pid)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$f")/status")
  echo "idle RSS $comp: $((rss / 1024)) MiB"
  total=$((total + rss))
  rss_json+="\"$comp\": $rss, "
done
echo "idle RSS total: $((total / 1024)) MiB"

mkdir -p bench/results
out="bench/results/cluster_start-$(date -u +%Y%m%dT%H%M%SZ).json"
cat >"$out" <<JSON
{"benchmark": "cluster_start", "date": "$(date -u +%FT%TZ)", "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "machine": "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)",
 "runs": $RUNS, "seconds": {"median": $median, "best": $best, "all": [$(IFS=,; echo "${times[*]}")]},
 "idle_rss_kib": { ${rss_json}"total": $total }}
JSON
echo "wrote $out"
