#!/usr/bin/env bash
# Runs every test of One Halton Exchange on this machine, installing what the
# tests need first (scripts/setup.sh: librdkafka >= 2.2, the Tansu development
# broker, Python's jsonschema for schema checks). Tests that need Kafka start
# their own broker on a free port and stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# `scripts/test.sh --unit` (make test-unit): only the tests that need no broker,
# browser or database: the pure modules, configuration, the console's routes on
# a fixed backend, and client logic on librdkafka's in-process mock cluster.
# A new suite of that kind belongs in this list.
UNIT_TESTS='^(HL7v2Tests|HXAuditTests|HXCanonicalTests|HXConsoleTests|HXIdentityMatchTests|HXImpactTests|HXITK3Tests|HXPlaceTests|HXPolicyTests|HXTranslateTests)\.'
UNIT_TESTS+='|^HXDeliveryTests\.(PeerValidationTests|RendererTests|ITK3RendererTests|MLLPTransportTests|FolderAndHTTPTransportTests|DeliveryStatusTests)'
UNIT_TESTS+='|^HXAdapterRuntimeTests\.PublisherTests'
UNIT_TESTS+='|^HXDeployTests\.(AccessPlanTests|CredentialFileTests)'
UNIT_TESTS+='|^HXKafkaTests\.(TopicCatalogTests|TransactionErrorClassificationTests)'
UNIT_TESTS+='|^HXMESHTests\.MESHClientUnitTests'
UNIT_TESTS+='|^HXRouterTests\.(AuditPlacementTests|ChainResumptionTests|InputContinuityTests|PlaceConsistencyTests|RouterStepTests|RepeatedMessageTests)'

# The alerting rules and the Alertmanager example (deploy/prometheus, deploy/alertmanager;
# runbooks in docs/operations.md): promtool and amtool from scripts/setup.sh. A few
# seconds, before the build, so a broken rule fails fast; any failure fails the run.
alerting_checks() {
  local step out
  for step in "promtool check config deploy/prometheus/prometheus.yml" \
              "promtool check rules deploy/prometheus/alerts.yml" \
              "promtool test rules deploy/prometheus/alerts.test.yml" \
              "amtool check-config deploy/alertmanager/alertmanager.yml"; do
    if ! out=$($step 2>&1); then
      printf '%s\n' "$out" >&2
      printf 'test: FAILED: %s (deploy/prometheus/alerts.test.yml, docs/operations.md "Alerts")\n' "$step" >&2
      exit 1
    fi
    printf 'test: ok: %s\n' "$step" >&2
  done
}
alerting_checks

swift build --build-tests
if [ "${1:-}" = "--unit" ]; then
  shift
  swift test --skip-build --filter "$UNIT_TESTS" "$@"
else
  swift test --skip-build "$@"
fi
