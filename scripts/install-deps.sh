#!/usr/bin/env bash
# Installs the build and test dependencies from Debian 12's packages.
# Idempotent: when everything is already installed it does nothing (and
# needs no network).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config zlib1g-dev libssl-dev openssl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libsimdjson-dev libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-kubernetes python3-yaml jq procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# The tests need kubectl 1.28 or newer (Debian's own is older).
if [ ! -x /usr/lib/google-cloud-sdk/bin/kubectl.1.32 ] && ! command -v kubectl >/dev/null; then
  echo "install-deps: warning: no kubectl found; the end-to-end tests need kubectl >= 1.28" >&2
fi
