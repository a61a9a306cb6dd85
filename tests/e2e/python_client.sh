#!/usr/bin/env bash
# Runs ../shared/acceptance/python-client.py (the official Python client,
# Debian's python3-kubernetes) against a fresh cluster. Every case must pass
# except those listed as pending below.
source "$(dirname "$0")/lib.sh"
SHARED=${KWOK_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
SCRIPT="$SHARED/acceptance/python-client.py"
if [ ! -f "$SCRIPT" ]; then
  echo "SKIPPED: $SCRIPT not found (set KWOK_SHARED)"
  exit 77
fi
/usr/bin/python3 -c 'import kubernetes' || fail "python3-kubernetes is not installed for /usr/bin/python3"
PENDING=(
)

create_cluster py
KUBECONFIG="$KWOK_WORKDIR/clusters/py/kubeconfig.yaml" timeout 600 /usr/bin/python3 "$SCRIPT" | tee "$TEST_DIR/py.out" || true

failed=0
while read -r line; do
  case="${line#FAIL }"
  if printf '%s\n' "${PENDING[@]}" | grep -qxF "$case"; then
    echo "pending (not counted): $case"
  else
    echo "required case failed: $case"
    failed=$((failed + 1))
  fi
done < <(grep '^FAIL ' "$TEST_DIR/py.out")
echo "python client totals: $(tail -n 1 "$TEST_DIR/py.out")"
[ $failed -eq 0 ] || fail "$failed python client cases failed"
ok "python client cases pass"
