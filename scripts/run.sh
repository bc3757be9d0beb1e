#!/usr/bin/env bash
# Runs One Halton Exchange on its embedded defaults (see README): installs what
# is missing, builds, and starts `hx run`. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
swift build --product hx
exec .build/debug/hx run "$@"
