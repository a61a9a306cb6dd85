#!/usr/bin/env bash
# Stages driving live clusters, seen with kubectl:
#  - upstream's fast node and pod stages, given unmodified to `create
#    cluster --config`: nodes Ready, pods Running, a Job's pod Succeeded;
#  - upstream's general pod stages, the same way: pods with an init container go Pending, Init, Running; a
#    Job's pod completes and the Job with it; a deleted pod goes away;
#  - the built-in stages: when kwok stops, the node lifecycle controller
#    marks the node and its pods not Ready; when kwok is back, the node and
#    its pods are Ready again (an upstream user problem: they stayed not
#    Ready).
source "$(dirname "$0")/lib.sh"
SHARED=${KWOK_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
UPSTREAM="$SHARED/upstream-kwok/kustomize/stage"
GENERAL="$UPSTREAM/pod/general"
[ -d "$GENERAL" ] || { echo "SKIPPED: $GENERAL not found (set KWOK_SHARED)"; exit 77; }
kc() { "$BIN/kwokctl" "$@"; }

for f in "$UPSTREAM"/node/fast/node-*.yaml "$UPSTREAM"/pod/fast/pod-*.yaml; do cat "$f"; echo "---"; done >"$TEST_DIR/fast.yaml"
create_cluster fast -q --config "$TEST_DIR/fast.yaml"
kc --name fast scale node --replicas 2 -q
k wait --for=condition=Ready nodes --all --timeout=30s >/dev/null || fail "nodes not Ready with upstream's fast stages"
k create deployment web --image=nginx --replicas=3 >/dev/null
k create job once --image=busybox >/dev/null
web_running() { [ "$(k get pods -l app=web --field-selector=status.phase=Running --no-headers | wc -l)" -eq 3 ]; }
retry 30 web_running || fail "web pods not Running: $(k get pods --no-headers)"
job_done() { [ "$(k get job once -o jsonpath='{.status.succeeded}')" = 1 ]; }
retry 30 job_done || fail "the Job did not complete with the fast stages: $(k get pods -l job-name=once --no-headers)"
k scale deployment web --replicas=1 >/dev/null
web_one() { [ "$(k get pods -l app=web --no-headers | wc -l)" -eq 1 ]; }
retry 30 web_one || fail "scaled-down pods not deleted: $(k get pods -l app=web --no-headers)"
ok "upstream fast stages: nodes Ready, pods Running, Job pod Succeeded, deleted pods gone"
kc --name fast delete cluster -q

for f in "$GENERAL"/pod-*.yaml; do cat "$f"; echo "---"; done >"$TEST_DIR/general.yaml"
create_cluster gen -q --config "$TEST_DIR/general.yaml"
kc --name gen scale node --replicas 1 -q
k create -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: with-init, namespace: default}
spec:
  initContainers: [{name: setup, image: busybox}]
  containers: [{name: app, image: nginx}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: default}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox}]
EOF
# The general stages walk through the init container first.
seen_init() { k get pod with-init --no-headers | grep -qE 'Init:|PodInitializing'; }
retry 30 seen_init || fail "with-init never showed its init container: $(k get pod with-init --no-headers)"
running() { [ "$(k get pod with-init -o jsonpath='{.status.phase}/{.status.containerStatuses[0].ready}')" = Running/true ]; }
retry 60 running || fail "with-init not Running and ready: $(k get pod with-init --no-headers)"
[ "$(k get pod with-init -o jsonpath='{.status.initContainerStatuses[0].state.terminated.reason}')" = Completed ] ||
  fail "init container not Completed: $(k get pod with-init -o jsonpath='{.status.initContainerStatuses}')"
job_complete() { [ "$(k get job once -o jsonpath='{.status.succeeded}')" = 1 ]; }
retry 60 job_complete || fail "the Job did not complete: $(k get job once --no-headers) $(k get pods -l job-name=once --no-headers)"
[ "$(k get pods -l job-name=once -o jsonpath='{.items[0].status.phase}')" = Succeeded ] || fail "the Job's pod is not Succeeded"
k delete pod with-init --wait=false >/dev/null
gone() { ! k get pod with-init >/dev/null 2>&1; }
retry 30 gone || fail "deleted pod still there: $(k get pod with-init --no-headers)"
ok "upstream general stages: init container, Running, Job pod Succeeded and Job complete, delete"
kc --name gen delete cluster -q

# Built-in stages, node lifecycle with a short grace period.
create_cluster back -q --extra-args kwok-controller-manager=node-monitor-grace-period=3s \
  --extra-args kwok-controller-manager=node-monitor-period=1s
kc --name back scale node --replicas 1 -q
k create deployment web --image=nginx --replicas=2 >/dev/null
ready_pods() {
  [ "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c "^$1$")" -eq 2 ]
}
retry 30 ready_pods True || fail "web pods not Ready"
kill "$(cat "$KWOK_WORKDIR/clusters/back/pids/kwok-controller.pid")"
node_ready_is() { [ "$(k get node node-000000 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "$1" ]; }
retry 60 node_ready_is Unknown || fail "node still Ready without kwok"
retry 30 ready_pods False || fail "pods still Ready on a node without kwok"
kc --name back start cluster -q  # brings the dead component back
retry 30 node_ready_is True || fail "node not Ready again"
retry 30 ready_pods True || fail "pods not Ready again after their node came back: $(k get pods -l app=web --no-headers)"
ok "a node that loses and regains its lease gets its pods Ready again"
