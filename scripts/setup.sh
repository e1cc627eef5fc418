#!/usr/bin/env bash
# Installs the Debian packages that longweave needs when any is missing: apt-get as root,
# sudo otherwise, else a message naming the one command to run. `make datasets` runs it with
# the build's packages; `make test` and .ci/run add what the tests read outputs with.
#   scripts/setup.sh          libzstd-dev libxml2-dev zlib1g-dev libbz2-dev pkg-config
#   scripts/setup.sh --test   and zstd bzip2 gzip python3 python3-venv python3-zstandard, and
#                             chromium (headless: the tests render the HTML pages longweave writes)
set -euo pipefail

packages=(libzstd-dev libxml2-dev zlib1g-dev libbz2-dev pkg-config)
if [ "${1:-}" = "--test" ]; then
    packages+=(zstd bzip2 gzip python3 python3-venv python3-zstandard chromium)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "setup: not a Debian system; install the equivalents of: ${packages[*]}" >&2
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get install -y --no-install-recommends ${missing[*]}"
echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $install
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive $install
else
    echo "setup: longweave needs ${missing[*]}; run: sudo apt-get update && sudo $install" >&2
    exit 1
fi
