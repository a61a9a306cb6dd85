# Shared by the cluster benchmarks (sourced after `cd` to the repository):
# the built binaries, the pinned kubectl, a private work directory and
# kubeconfig, and deletion of the cluster $NAME on exit.
BUILD="$PWD/${BUILD_DIR:-build}"
BIN="$BUILD/cmd"
KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.32
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl)
WORK=$(mktemp -d /tmp/kwok-bench.XXXXXX)
export KWOK_WORKDIR="$WORK/workdir" KUBECONFIG="$WORK/kubeconfig"
cleanup() { "$BIN/kwokctl" -q --name "$NAME" delete cluster >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# rss_json FIELD LABEL: prints `"component": KiB, ...` of each component's
# /proc status FIELD (VmRSS now, VmHWM the peak), and a line per component
# on stderr.
rss_json() {
  local field=$1 label=$2 f comp kib out=""
  for f in "$KWOK_WORKDIR/clusters/$NAME"/pids/*.pid; do
    comp=$(basename "$f" .pid)
    kib=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$(cat "$f")/status" 2>/dev/null || echo 0)
    echo "$label $comp: $((kib / 1024)) MiB" >&2
    out+="\"$comp\": $kib, "
  done
  echo "${out%, }"
}

# cpu_seconds [COMPONENT]: user+system CPU seconds used so far by one
# component, or by all of them together. Unlike wall time it hardly moves
# when something else loads the machine.
cpu_seconds() {
  local f total=0 tck
  tck=$(getconf CLK_TCK)
  for f in "$KWOK_WORKDIR/clusters/$NAME"/pids/${1:-*}.pid; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$(cat "$f")/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$total" -v k="$tck" 'BEGIN { printf "%.2f", t / k }'
}

# cpu_json [SINCE]: `"component": seconds, ...` of each component's CPU
# since SINCE (an earlier cpu_json output; default: since it started), and a
# line per component on stderr.
cpu_json() {
  local f comp s before out=""
  for f in "$KWOK_WORKDIR/clusters/$NAME"/pids/*.pid; do
    comp=$(basename "$f" .pid)
    before=$(sed -n "s/.*\"$comp\": \([0-9.]*\).*/\1/p" <<<"${1:-}")
    s=$(elapsed "${before:-0}" "$(cpu_seconds "$comp")")
    echo "CPU seconds $comp: $s" >&2
    out+="\"$comp\": $s, "
  done
  echo "${out%, }"
}

# write_result BENCHMARK JSON-MEMBERS: bench/results/BENCHMARK-<date>.json
# with the date, commit and machine, then the members given.
write_result() {
  mkdir -p bench/results
  local out
  out="bench/results/$1-$(date -u +%Y%m%dT%H%M%SZ).json"
  cat >"$out" <<JSON
{"benchmark": "$1", "date": "$(date -u +%FT%TZ)", "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "machine": "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)",
 $2}
JSON
  echo "wrote $out"
}
