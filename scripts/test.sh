#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every
# test (unit, component and end-to-end with the real kubectl). .ci/run
# calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 -j"${JOBS:-2}" "$@"
