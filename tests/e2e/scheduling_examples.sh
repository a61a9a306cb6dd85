#!/usr/bin/env bash
# The scheduling examples of upstream kwok's docs (taints and tolerations,
# node affinity, requests and limits, topology spread, priority and
# preemption, LimitRange), each with the outcome the docs describe, on a
# real kwokctl cluster driven by the real kubectl. Each scenario starts
# from a cluster without nodes or pods and brings its own nodes.
source "$(dirname "$0")/lib.sh"

create_cluster sched >/dev/null
k get ns default >/dev/null || fail "kubectl cannot reach the new cluster"

# node NAME CPU [LABELS_YAML] [TAINTS_YAML] [PODS]: a kwok node allocating
# CPU, 32Gi memory and PODS (110) pods.
node() {
  local name=$1 cpu=$2 labels=${3:-"{}"} taints=${4:-"[]"} pods=${5:-110}
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations: {kwok.x-k8s.io/node: fake}
  labels: $labels
spec:
  taints: $taints
status:
  allocatable: {cpu: "$cpu", memory: 32Gi, pods: "$pods"}
  capacity: {cpu: "$cpu", memory: 32Gi, pods: "$pods"}
EOF
  k wait --for=condition=Ready "node/$name" --timeout=30s >/dev/null || fail "node $name not Ready"
}

# pod NAME [SPEC_EXTRA_YAML] [CPU_REQUEST]: a one-container pod in default.
pod() {
  local name=$1 extra=${2:-""} cpu=${3:-""}
  local resources=""
  [ -n "$cpu" ] && resources="resources: {requests: {cpu: $cpu}, limits: {cpu: $cpu}}"
  k apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $name, namespace: default}
spec:
  containers:
  - name: c
    image: fake
    $resources
  $extra
EOF
}

phase() { k get pod "$1" -o jsonpath='{.status.phase}' 2>/dev/null; }
running() { [ "$(phase "$1")" = Running ]; }
unschedulable() {
  [ "$(k get pod "$1" -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}')" = Unschedulable ]
}
failed_scheduling() {
  k get events --field-selector "involvedObject.name=$1,reason=FailedScheduling" -o jsonpath='{.items[*].message}'
}
has_event() { grep -qF -- "$2" <<<"$(failed_scheduling "$1")"; }
expect_running() { retry 30 running "$1" || fail "pod $1 is $(phase "$1"), not Running"; }
# expect_pending POD MESSAGE_PART: unschedulable, with a FailedScheduling
# event containing MESSAGE_PART.
expect_pending() {
  retry 30 unschedulable "$1" || fail "pod $1 has no PodScheduled=False/Unschedulable"
  retry 10 has_event "$1" "$2" || fail "pod $1: no FailedScheduling event with '$2': $(failed_scheduling "$1")"
  [ "$(phase "$1")" = Pending ] || fail "pod $1 is $(phase "$1"), not Pending"
  [ -z "$(k get pod "$1" -o jsonpath='{.spec.nodeName}')" ] || fail "pod $1 was bound"
}
reset() {
  k delete deployment --all --wait=true >/dev/null
  k delete pod --all --grace-period=0 --force --wait=true >/dev/null 2>&1
  k delete node --all --wait=true >/dev/null
  retry 30 bash -c '[ -z "$("$KUBECTL" get pods -o name)" ]' || fail "pods left over"
}

kwok_toleration='tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]'

# --- Taints and tolerations.
node tainted 4 "{}" "[{key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}]"
pod no-toleration-pod
pod with-toleration-pod "$kwok_toleration"
expect_running with-toleration-pod
expect_pending no-toleration-pod \
  "0/1 nodes are available: 1 node(s) had untolerated taint {kwok.x-k8s.io/node: fake}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
ok "taints: the tolerating pod runs, the other stays Pending"
reset

# --- Node affinity: Pending until a node carries the label.
node kwok-node-0 4
pod affinity-pod "$kwok_toleration
  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: region, operator: In, values: [us-west-2]}]}]}}}"
expect_pending affinity-pod "1 node(s) didn't match Pod's node affinity/selector"
k label node kwok-node-0 region=us-west-2 >/dev/null
expect_running affinity-pod
[ "$(k get pod affinity-pod -o jsonpath='{.spec.nodeName}')" = kwok-node-0 ] || fail "affinity-pod on the wrong node"
ok "node affinity: Pending until the node is labelled, then Running"
reset

# --- Requests and limits: little spare cpu left for the second pod.
node small-node 3
pod pod-1 "$kwok_toleration" 2700m
expect_running pod-1
pod pod-2 "$kwok_toleration" 1200m
expect_pending pod-2 "0/1 nodes are available: 1 Insufficient cpu."
ok "requests: the second pod stays Pending with Insufficient cpu"
reset

# --- Topology spread: even over the label's values, Pending past the skew.
node east-0 8 "{topology.kubernetes.io/region: east}"
node east-1 8 "{topology.kubernetes.io/region: east}"
node west-0 8 "{topology.kubernetes.io/region: west}" "[]" 3
k apply -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: spread-app, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: spread-app}}
  template:
    metadata: {labels: {app: spread-app}}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/region
        whenUnsatisfiable: DoNotSchedule
        labelSelector: {matchLabels: {app: spread-app}}
      containers: [{name: c, image: fake}]
EOF
per_region() {
  local region=$1 count=0 n
  for n in $(k get pods -l app=spread-app --field-selector=status.phase=Running -o jsonpath='{.items[*].spec.nodeName}'); do
    [ "$(k get node "$n" -o jsonpath='{.metadata.labels.topology\.kubernetes\.io/region}')" = "$region" ] && count=$((count + 1))
  done
  echo $count
}
spread_is() { [ "$(per_region east)" = "$1" ] && [ "$(per_region west)" = "$2" ]; }
retry 60 spread_is 2 2 || fail "4 replicas not spread 2/2: east $(per_region east), west $(per_region west)"
ok "topology spread: 4 replicas spread 2 east, 2 west"
# west holds 3 pods at most: of 8 replicas east may run 4 (skew 1), the
# eighth would make the skew 2 and must wait.
k scale deployment spread-app --replicas 8 >/dev/null
retry 60 spread_is 4 3 || fail "8 replicas: east $(per_region east), west $(per_region west), want 4/3"
retry 30 bash -c '[ "$("$KUBECTL" get pods -l app=spread-app --field-selector=status.phase=Pending -o name | wc -l)" -eq 1 ]' \
  || fail "expected 1 Pending replica"
pending=$(k get pods -l app=spread-app --field-selector=status.phase=Pending -o jsonpath='{.items[0].metadata.name}')
expect_pending "$pending" "didn't match pod topology spread constraints"
ok "topology spread: the replica that would break maxSkew stays Pending"
reset

# --- Priority and preemption on a full node.
k apply -f - >/dev/null <<'EOF'
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low-priority}
value: 100
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high-priority}
value: 200
EOF
node full-node 4
pod low-priority-pod "priorityClassName: low-priority" 3000m
expect_running low-priority-pod
[ "$(k get pod low-priority-pod -o jsonpath='{.spec.priority}')" = 100 ] || fail "priority not set from the class"
pod high-priority-pod "priorityClassName: high-priority" 3000m
retry 30 bash -c '! "$KUBECTL" get pod low-priority-pod >/dev/null 2>&1' || fail "low-priority-pod was not preempted"
expect_running high-priority-pod
[ "$(k get pod high-priority-pod -o jsonpath='{.spec.nodeName}')" = full-node ] || fail "high-priority-pod on the wrong node"
k get events --field-selector reason=Preempted -o jsonpath='{.items[*].message}' | grep -q "Preempted by pod" \
  || fail "no Preempted event"
ok "preemption: the high-priority pod evicts the low-priority one and runs"
reset

# --- LimitRange: rejected beyond it at creation, admitted within it.
k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: LimitRange
metadata: {name: cpu-resource-constraint, namespace: default}
spec:
  limits:
  - type: Container
    min: {cpu: 100m}
    max: {cpu: 500m}
EOF
node limit-node 4 "{}"
cat >"$TEST_DIR/beyond.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: pod-beyond-limit, namespace: default}
spec:
  containers: [{name: c, image: fake, resources: {requests: {cpu: 700m}}}]
EOF
# As in kube, the LimitRange's max becomes the default limit, and a request
# above that limit fails validation.
if out=$(k apply -f "$TEST_DIR/beyond.yaml" 2>&1); then fail "pod beyond the LimitRange admitted"; fi
grep -qF 'Pod "pod-beyond-limit" is invalid: spec.containers[0].resources.requests: Invalid value: "700m": must be less than or equal to cpu limit of 500m' <<<"$out" \
  || fail "unexpected LimitRange rejection: $out"
! k get pod pod-beyond-limit >/dev/null 2>&1 || fail "rejected pod exists"
# An explicit limit above the max is LimitRanger's own rejection.
sed -i 's/requests: {cpu: 700m}/limits: {cpu: 700m}/' "$TEST_DIR/beyond.yaml"
if out=$(k apply -f "$TEST_DIR/beyond.yaml" 2>&1); then fail "pod beyond the LimitRange admitted"; fi
grep -qF 'pods "pod-beyond-limit" is forbidden: maximum cpu usage per Container is 500m, but limit is 700m' <<<"$out" \
  || fail "unexpected LimitRange rejection: $out"
k apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: pod-within-limit, namespace: default}
spec:
  containers: [{name: c, image: fake, resources: {requests: {cpu: 400m}}}]
EOF
expect_running pod-within-limit
[ "$(k get pod pod-within-limit -o jsonpath='{.spec.containers[0].resources.limits.cpu}')" = 500m ] \
  || fail "LimitRange default limit not applied"
ok "limit range: beyond rejected with kube's message, within admitted and Running"
