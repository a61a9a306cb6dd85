#!/usr/bin/env bash
# Runs ../shared/acceptance/kubectl-matrix.sh against a fresh cluster. Every
# case must pass except those listed as pending below (each waits for a
# named piece of work); the whole count is printed for the record.
source "$(dirname "$0")/lib.sh"
SHARED=${KWOK_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
MATRIX="$SHARED/acceptance/kubectl-matrix.sh"
if [ ! -f "$MATRIX" ]; then
  echo "SKIPPED: $MATRIX not found (set KWOK_SHARED)"
  exit 77
fi
MATRIX_GROUPS=(core errors apply crd typed workloads)
# Cases that need the workload controllers (issue 5), with the group they belong to.
PENDING=(
)

create_cluster matrix
KUBECONFIG="$KWOK_WORKDIR/clusters/matrix/kubeconfig.yaml" KUBECTL="$KUBECTL" \
  bash "$MATRIX" "${MATRIX_GROUPS[@]}" | tee "$TEST_DIR/matrix.out" || true

failed=0
while read -r line; do
  case="${line#FAIL \[*\] }"
  case="${case% (*}"
  if printf '%s\n' "${PENDING[@]}" | grep -qxF "$case"; then
    echo "pending (not counted): $case"
  else
    echo "required case failed: $case"
    failed=$((failed + 1))
  fi
done < <(grep '^FAIL ' "$TEST_DIR/matrix.out")
for p in "${PENDING[@]}"; do
  grep -q "^PASS \[[a-z]*\] $p\$" "$TEST_DIR/matrix.out" && echo "now passing, remove from PENDING: $p"
done
echo "matrix totals (${MATRIX_GROUPS[*]}): $(tail -n 1 "$TEST_DIR/matrix.out")"
[ $failed -eq 0 ] || fail "$failed matrix cases failed"
ok "matrix groups ${MATRIX_GROUPS[*]} pass"
