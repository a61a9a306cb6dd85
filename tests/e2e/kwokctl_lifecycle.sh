#!/usr/bin/env bash
# kwokctl lifecycle end to end: two clusters side by side, get clusters and
# components, stop/start keeping every object and port, a dead component
# reported and restarted, logs, kubeconfigs for other users, port-forward,
# a failing create that leaves nothing behind, delete --all.
source "$(dirname "$0")/lib.sh"
export BIN
kc() { "$BIN/kwokctl" "$@"; }

create_cluster one -q
create_cluster two -q
[ "$(kc get clusters)" = "$(printf 'one\ntwo')" ] || fail "get clusters: $(kc get clusters)"
kc get clusters -o wide | grep -Eq '^one +3/3 +Running +https://127.0.0.1:[0-9]+' || fail "one not Running: $(kc get clusters -o wide)"
s1=$(kc get clusters -o wide | awk '$1=="one"{print $4}')
s2=$(kc get clusters -o wide | awk '$1=="two"{print $4}')
[ "$s1" != "$s2" ] || fail "two clusters share the server $s1"
k --context kwok-one create configmap only-in-one --from-literal=a=1 >/dev/null
! k --context kwok-two get configmap only-in-one >/dev/null 2>&1 || fail "clusters share objects"
ok "two clusters side by side, own ports and stores"

comps=$(kc --name one get components)
for c in kwok-apiserver kwok-controller-manager kwok-controller; do
  grep -Eq "^$c +Running +[0-9]+ " <<<"$comps" || fail "component $c not Running: $comps"
done
ok "get components"

# Objects, resourceVersions, UIDs and ports survive stop/start.
kc --name one scale node --replicas 1 -q
k --context kwok-one create deployment web --image=nginx --replicas=2 >/dev/null
retry 30 bash -c '[ "$("$KUBECTL" --context kwok-one get pods -l app=web --field-selector=status.phase=Running --no-headers | wc -l)" -eq 2 ]' \
  || fail "web pods not Running"
before=$(k --context kwok-one get configmap,deployment,pods -o jsonpath='{range .items[*]}{.metadata.uid} {.metadata.resourceVersion}{"\n"}{end}' | sort)
pids=$(cat "$KWOK_WORKDIR"/clusters/one/pids/*.pid)
kc --name one stop cluster -q
kc get clusters -o wide | grep -Eq '^one +0/3 +Stopped' || fail "one not Stopped: $(kc get clusters -o wide)"
for p in $pids; do [ ! -e "/proc/$p" ] || grep -q '^State:.*Z' "/proc/$p/status" || fail "process $p still running after stop"; done
kc --name two get components | grep -q 'kwok-apiserver *Running' || fail "stopping one touched two"
t0=$(date +%s%N)
kc --name one start cluster -q
start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(kc get clusters -o wide | awk '$1=="one"{print $4}')" = "$s1" ] || fail "server changed across stop/start"
after=$(k --context kwok-one get configmap,deployment,pods -o jsonpath='{range .items[*]}{.metadata.uid} {.metadata.resourceVersion}{"\n"}{end}' | sort)
[ "$before" = "$after" ] || fail "objects changed across stop/start: $before vs $after"
k --context kwok-one scale deployment web --replicas=3 >/dev/null
retry 30 bash -c '[ "$("$KUBECTL" --context kwok-one get pods -l app=web --field-selector=status.phase=Running --no-headers | wc -l)" -eq 3 ]' \
  || fail "a new pod did not become Running after start"
ok "stop/start keeps objects, resourceVersions and ports; new pods Run (start took ${start_ms}ms)"

# A dead component is reported and restarted by start.
kill -9 "$(cat "$KWOK_WORKDIR/clusters/one/pids/kwok-controller.pid")"
retry 5 bash -c '"$BIN/kwokctl" --name one get components | grep -Eq "^kwok-controller +Exited"' || fail "dead component not reported"
kc get clusters -o wide | grep -Eq '^one +2/3 ' || fail "get clusters does not count the dead component"
kc --name one start cluster -q
kc --name one get components | grep -Eq '^kwok-controller +Running' || fail "start did not restart the dead component"
ok "dead component reported and restarted"

kc --name one logs kwok-apiserver | grep -q 'serving on 127.0.0.1' || fail "logs kwok-apiserver"
kc --name one logs kube-apiserver >/dev/null || fail "upstream component name not accepted by logs"
# Background commands run kwokctl itself, so that kill reaches it (not a subshell).
"$BIN/kwokctl" --name one logs -f kwok-apiserver > "$TEST_DIR/follow.log" 2>&1 & fpid=$!
k --context kwok-one get ns >/dev/null; kc --name one stop cluster -q; kc --name one start cluster -q
retry 5 bash -c "[ \$(grep -c 'serving on' '$TEST_DIR/follow.log') -ge 2 ]" || fail "logs -f did not follow a restart"
kill "$fpid"; wait "$fpid" 2>/dev/null || true
kc --name one export logs "$TEST_DIR/exported" -q
[ -s "$TEST_DIR/exported/one/components/kwok-apiserver.log" ] || fail "export logs: $(ls -R "$TEST_DIR/exported")"
ok "logs, logs -f and export logs"

kc --name one get kubeconfig --user alice --group devs > "$TEST_DIR/alice.kubeconfig"
who=$(k --kubeconfig "$TEST_DIR/alice.kubeconfig" auth whoami)
grep -q alice <<<"$who" && grep -q devs <<<"$who" || fail "signed kubeconfig: $who"
kc --name one get artifacts | grep -q 'kwok-apiserver$' || fail "get artifacts"
ok "get kubeconfig for another user, get artifacts"

"$BIN/kwokctl" --name one port-forward kwok-controller 0:http > "$TEST_DIR/pf.out" 2>&1 & pf=$!
retry 5 grep -q 'Forwarding from' "$TEST_DIR/pf.out" || fail "port-forward: $(cat "$TEST_DIR/pf.out")"
[ "$(curl -s "http://$(grep -o '127.0.0.1:[0-9]*' "$TEST_DIR/pf.out" | head -1)/healthz")" = ok ] || fail "forwarded port does not answer"
kill "$pf"; wait "$pf" 2>/dev/null || true
ok "port-forward"

# Failing creates leave nothing running and no directory.
if out=$(kc --name bad create cluster --extra-args kwok-apiserver=no-such-flag=1 2>&1); then fail "bad extra-args accepted"; fi
grep -q 'kwok-apiserver exited' <<<"$out" && grep -q 'no-such-flag' <<<"$out" || fail "no log lines in: $out"
port=${s1##*:}
if out=$(kc --name bad create cluster --kube-apiserver-port "$port" 2>&1); then fail "busy port accepted"; fi
grep -q "port $port is already in use" <<<"$out" || fail "busy port message: $out"
if out=$(kc --name bad create cluster --runtime docker 2>&1); then fail "--runtime docker accepted"; fi
grep -q 'not supported here' <<<"$out" || fail "runtime message: $out"
[ ! -e "$KWOK_WORKDIR/clusters/bad" ] || fail "a failed create left its directory"
! pgrep -f "$KWOK_WORKDIR/clusters/bad/" >/dev/null || fail "a failed create left processes"
if out=$(kc --name nope start cluster 2>&1); then fail "start of a missing cluster succeeded"; fi
grep -q 'does not exist' <<<"$out" || fail "missing cluster message: $out"
printf 'apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokctlConfiguration\noptions:\n  fooBar: 1\n' > "$TEST_DIR/unknown.yaml"
if out=$(kc --name bad -c "$TEST_DIR/unknown.yaml" create cluster 2>&1); then fail "unknown field accepted"; fi
grep -q 'unknown field "options.fooBar"' <<<"$out" || fail "unknown field message: $out"
ok "bad input refused with clear errors, nothing left behind"

kc --name three create cluster --dry-run > "$TEST_DIR/dry.txt"
grep -q 'kwok-apiserver --bind-address=127.0.0.1' "$TEST_DIR/dry.txt" || fail "dry-run: $(cat "$TEST_DIR/dry.txt")"
[ ! -e "$KWOK_WORKDIR/clusters/three" ] || fail "dry-run created the cluster"
ok "create --dry-run prints and does nothing"

pids=$(cat "$KWOK_WORKDIR"/clusters/*/pids/*.pid)
kc delete cluster --all -q
CREATED_CLUSTERS=()
for p in $pids; do [ ! -e "/proc/$p" ] || grep -q '^State:.*Z' "/proc/$p/status" || fail "process $p still running after delete --all"; done
[ -z "$(ls "$KWOK_WORKDIR/clusters")" ] || fail "delete --all left $(ls "$KWOK_WORKDIR/clusters")"
[ -z "$(k config get-contexts -o name)" ] || fail "delete --all left contexts"
ok "delete cluster --all"
