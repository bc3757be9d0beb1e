#!/usr/bin/env bash
# Runs every test of One Halton Exchange on this machine, installing what the
# tests need first (scripts/setup.sh: librdkafka >= 2.2, the Tansu development
# broker, Python's jsonschema for schema checks). Tests that need Kafka start
# their own broker on a free port and stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
swift build --build-tests
swift test --skip-build "$@"
