#!/usr/bin/env bash
# Installs the Debian 12 packages kenchi needs to build and test (idempotent:
# nothing is fetched when everything is already installed).
set -euo pipefail
pkgs=(build-essential meson ninja-build pkg-config libpcap-dev libssl-dev zlib1g-dev libjansson-dev
      libpcre2-dev libhyperscan-dev liblzma-dev python3-yaml
      clang libclang-rt-14-dev python3 iproute2 iputils-ping valgrind chromium wamerican)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
