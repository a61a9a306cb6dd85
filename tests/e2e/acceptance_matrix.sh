#!/usr/bin/env bash
# Runs ../shared/acceptance/kubectl-matrix.sh (groups core and errors)
# against a fresh cluster. The cases this milestone covers must pass; the
# whole count is printed for the record.
source "$(dirname "$0")/lib.sh"
SHARED=${KWOK_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
MATRIX="$SHARED/acceptance/kubectl-matrix.sh"
if [ ! -f "$MATRIX" ]; then
  echo "SKIPPED: $MATRIX not found (set KWOK_SHARED)"
  exit 77
fi

create_cluster matrix
"$BIN/kwokctl" --name matrix kubectl get ns >/dev/null
KUBECONFIG="$KWOK_WORKDIR/clusters/matrix/kubeconfig.yaml" KUBECTL="$KUBECTL" \
  bash "$MATRIX" core errors | tee "$TEST_DIR/matrix.out" || true

REQUIRED=(
  "apply two fake nodes" "nodes become Ready" "get nodes shows Ready and role"
  "node InternalIP shown in -o wide" "node lease exists in kube-node-lease"
  "apply pods without nodeName" "pods become Ready" "get pods shows 1/1 Running"
  "pod IP inside node podCIDR" "pod has hostIP" "delete pod completes"
  "get missing pod says NotFound" "duplicate create says AlreadyExists"
)
missing=0
for c in "${REQUIRED[@]}"; do
  if ! grep -q "^PASS \[[a-z]*\] $c\$" "$TEST_DIR/matrix.out"; then
    echo "required case did not pass: $c"
    missing=$((missing + 1))
  fi
done
echo "matrix totals: $(tail -n 1 "$TEST_DIR/matrix.out")"
[ $missing -eq 0 ] || fail "$missing required matrix cases failed"
ok "all ${#REQUIRED[@]} required matrix cases pass"
