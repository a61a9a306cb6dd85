#!/usr/bin/env bash
# The quick start: installs dependencies, builds, creates a cluster with
# kwokctl, adds 3 simulated nodes and a few pods, and shows them with
# kubectl. The cluster keeps running afterwards (kwokctl delete cluster
# removes it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

BIN="$PWD/${BUILD_DIR:-build}/cmd"
KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl.1.32
[ -x "$KUBECTL" ] || KUBECTL=kubectl
NAME=${KWOK_DEMO_CLUSTER:-kwok}

if "$BIN/kwokctl" get clusters | grep -qx "$NAME"; then
  echo "# A cluster named $NAME exists; recreating it"
  "$BIN/kwokctl" --name "$NAME" delete cluster
fi
set -x
"$BIN/kwokctl" --name "$NAME" create cluster
"$BIN/kwokctl" --name "$NAME" scale node --replicas 3
# Pods applied before every node is Ready would all go to the first one.
"$KUBECTL" wait --for=condition=Ready node --all --timeout=60s
"$KUBECTL" apply -f examples/demo-pods.yaml
"$KUBECTL" wait --for=condition=Ready pod --all --timeout=60s
"$KUBECTL" get nodes -o wide
"$KUBECTL" get pods -o wide
