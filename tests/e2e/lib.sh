# Shared setup for end-to-end tests: an isolated kwok work directory and
# kubeconfig, the built binaries, the pinned kubectl, and cleanup of the
# clusters a test created (only those, by name).
set -euo pipefail

BIN=${KWOK_BIN:?KWOK_BIN must point at the directory with kwokctl}
KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.32
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl)
export KUBECTL
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kwok-e2e.XXXXXX")
export KWOK_WORKDIR="$TEST_DIR/workdir"
export KUBECONFIG="$TEST_DIR/kubeconfig"
CREATED_CLUSTERS=()

cleanup() {
  local rc=$?
  # Logs first: deleting a cluster removes its directory.
  if [ $rc -ne 0 ]; then
    echo "--- component logs (last lines) ---"
    for f in "$KWOK_WORKDIR"/clusters/*/logs/*.log; do
      [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; }
    done
  fi
  for c in "${CREATED_CLUSTERS[@]}"; do
    "$BIN/kwokctl" -q --name "$c" delete cluster >/dev/null 2>&1 || true
  done
  rm -rf "$TEST_DIR"
  exit $rc
}
trap cleanup EXIT

create_cluster() {
  local name=$1; shift
  CREATED_CLUSTERS+=("$name")
  "$BIN/kwokctl" --name "$name" create cluster "$@"
}

k() { "$KUBECTL" "$@"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# retry SECONDS CMD...: runs CMD until it succeeds or the time is up.
retry() {
  local secs=$1; shift
  local end=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.3
  done
}
