#!/usr/bin/env bash
# `kwokctl stage evaluate` as a user runs it, over upstream kwok's golden
# pairs (kustomize/stage/**/testdata): the output must equal upstream's as
# YAML values. Stage sets using CEL selectors are left out (no CEL yet).
source "$(dirname "$0")/lib.sh"
SHARED=${KWOK_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
STAGES="$SHARED/upstream-kwok/kustomize/stage"
[ -d "$STAGES" ] || { echo "SKIPPED: $STAGES not found (set KWOK_SHARED)"; exit 77; }

same_yaml() {
  /usr/bin/python3 -c 'import sys, yaml
a = list(yaml.safe_load_all(open(sys.argv[1])))
b = list(yaml.safe_load_all(open(sys.argv[2])))
sys.exit(0 if a == b else 1)' "$1" "$2"
}

pairs=0
while IFS= read -r input; do
  set_dir=$(dirname "$(dirname "$input")")
  grep -qs 'cel:' "$set_dir"/*.yaml && continue
  "$BIN/kwokctl" stage evaluate -c "$set_dir" -f "$input" --placeholders >"$TEST_DIR/out.yaml" ||
    fail "evaluate failed for $input"
  same_yaml "$TEST_DIR/out.yaml" "${input%.input.yaml}.output.yaml" ||
    fail "$input: differs from upstream: $(diff "$TEST_DIR/out.yaml" "${input%.input.yaml}.output.yaml" | head -20)"
  pairs=$((pairs + 1))
done < <(find "$STAGES" -name '*.input.yaml' | sort)
[ "$pairs" -ge 5 ] || fail "only $pairs golden pairs found under $STAGES"
ok "kwokctl stage evaluate reproduces $pairs upstream golden outputs"

# Bad input names the problem.
printf 'apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata: {name: broken}\nspec:\n  resourceRef: {apiGroup: v1, kind: Pod}\n  selector:\n    matchExpressions:\n    - {key: ".status.(", operator: Exists}\n' >"$TEST_DIR/bad.yaml"
if out=$("$BIN/kwokctl" stage evaluate -c "$TEST_DIR/bad.yaml" -f "$(find "$STAGES" -name '*.input.yaml' | head -1)" 2>&1); then
  fail "a Stage with a bad jq expression was accepted"
fi
grep -q broken <<<"$out" || fail "the error does not name the stage: $out"
if out=$("$BIN/kwokctl" stage evaluate -f "$TEST_DIR/bad.yaml" 2>&1); then fail "evaluate without -c succeeded"; fi
grep -q -- '-c' <<<"$out" || fail "unclear message without stages: $out"
ok "bad stages and missing flags are named"
