#!/usr/bin/env bash
# Every benchmark of issue 7, one after the other, at the issue's scale:
# cluster start, upstream's CI benchmark, store against etcd, scheduler and
# controllers, stage evaluation, then the scale hold. Each prints its
# figures and writes its JSON under bench/results/. Not a test.
#
# The full scale hold (100,000 nodes, 1,000,000 pods, 10 minutes) takes
# about an hour of the machine; SCALE_HOLD="NODES PODS MINUTES" runs it
# smaller (e.g. SCALE_HOLD="10000 100000 2").
# Usage: bench/all.sh   (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="$PWD/${BUILD_DIR:-build}"

step() { echo; echo "=== $*"; }

step "cluster start";                    bench/cluster_start.sh
step "upstream CI benchmark";            bench/upstream_ci.sh
step "embedded store against etcd";      bench/store_vs_etcd.sh 10000 1024
step "scheduler throughput";             "$BUILD/bench/scheduler/bench_scheduler_throughput" 5000 50000
step "deployments";                      bench/deployments.sh 10000 1000 200
step "stage evaluation";                 "$BUILD/bench/micro/bench_stage_evaluate" 20000
step "scale hold";                       bench/scale_hold.sh ${SCALE_HOLD:-}
