#!/usr/bin/env bash
# Durable puts per second: the embedded store against Debian's etcd 3.4,
# same value size and client concurrency, in one run. Starts etcd on
# loopback itself (installing etcd-server with apt if it is missing) and
# talks to it through its v3 JSON gateway, as our HTTP client can.
# Writes the figures as JSON to bench/results/store_vs_etcd-<date>.json.
# Not a test: it asserts nothing. Usage: bench/store_vs_etcd.sh [PUTS] [VALUE_BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
PUTS=${1:-20000}
SIZE=${2:-1024}
BENCH="$PWD/${BUILD_DIR:-build}/bench/micro/bench_store_puts"
[ -x "$BENCH" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
if ! command -v etcd >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
fi
WORK=$(mktemp -d /tmp/kwok-bench.XXXXXX)
ETCD_PID=""
cleanup() {
  [ -z "$ETCD_PID" ] || { kill "$ETCD_PID" 2>/dev/null; wait "$ETCD_PID" 2>/dev/null || true; }
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
CLIENT_PORT=$(free_port)
PEER_PORT=$(free_port)
URL="http://127.0.0.1:$CLIENT_PORT"

rows=""
for threads in 1 8 64; do
  rm -rf "$WORK/etcd" "$WORK"/store.db*
  etcd --data-dir "$WORK/etcd" --listen-client-urls "$URL" --advertise-client-urls "$URL" \
    --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$PEER_PORT" >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  until curl -sf "$URL/health" >/dev/null 2>&1; do sleep 0.1; done
  out=$("$BENCH" "$PUTS" "$SIZE" "$threads" "$WORK" "$URL")
  echo "$out"
  kill "$ETCD_PID"; wait "$ETCD_PID" 2>/dev/null || true; ETCD_PID=""
  embedded=$(awk '/^embedded store/ {print $(NF-1)}' <<<"$out")
  etcd_rate=$(awk '/^etcd/ {print $(NF-1)}' <<<"$out")
  rows+="{\"threads\": $threads, \"embedded_puts_per_s\": $embedded, \"etcd_puts_per_s\": $etcd_rate}, "
done

mkdir -p bench/results
out="bench/results/store_vs_etcd-$(date -u +%Y%m%dT%H%M%SZ).json"
cat >"$out" <<JSON
{"benchmark": "store_vs_etcd", "date": "$(date -u +%FT%TZ)", "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
 "machine": "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)",
 "etcd": "$(etcd --version | head -n 1)", "puts": $PUTS, "value_bytes": $SIZE, "runs": [ ${rows%, } ]}
JSON
echo "wrote $out"
