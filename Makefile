# The commands a newcomer needs; each does its own set-up (scripts/setup.sh).
.PHONY: run test test-unit setup bench bench-hl7 bench-router bench-audit-index bench-deliver bench-mesh bench-identity build soak fuzz

run:        ## run the system on its embedded defaults (local broker, topics, router, audit indexer, console, the sample Halton feeds)
	bash scripts/run.sh

test:       ## run every test (installs librdkafka >= 2.2 and the development broker if missing)
	bash scripts/test.sh

test-unit:  ## the fast tier: every test that needs no broker, browser or database (about 30 s after the build)
	bash scripts/test.sh --unit

setup:      ## install only what building and testing need
	bash scripts/setup.sh

build:
	bash scripts/setup.sh && swift build

bench:      ## throughput of the Swift Kafka client against plain librdkafka (docs/performance.md)
	bash Benchmarks/run.sh

bench-hl7:  ## HL7 v2 parse and parse + translate throughput against python-hl7
	bash Benchmarks/hl7-run.sh

bench-router: ## router throughput against the plain passthrough, and end-to-end latency at 1,000 msg/s
	bash scripts/setup.sh >&2 && swift build -c release --product router-bench && .build/release/router-bench $(ARGS)

bench-deliver: ## delivery worker over MLLP against a plain python-hl7 sender to the same receiver (ARGS="--records 3000")
	bash scripts/setup.sh >&2 && swift build -c release --product deliver-bench && .build/release/deliver-bench $(ARGS)

bench-mesh: ## MESH messages sent per second by the Swift client to NHS Digital's MESH sandbox (ARGS="--messages 500")
	bash scripts/setup.sh >&2 && swift build -c release --product mesh-bench && .build/release/mesh-bench $(ARGS)

bench-audit-index: ## audit index: indexing rate and subject-search latency, SQLite and PostgreSQL (ARGS="--records 10000000")
	bash scripts/setup.sh >&2 && swift build -c release --product audit-index-bench && .build/release/audit-index-bench $(ARGS)

bench-identity: ## identity matching against the exact-key matcher and Splink: wrong links, share linked, trace rate (ARGS="--facts 1000000 --requests 100000")
	bash scripts/setup.sh --with-splink >&2 && swift build -c release --product identity-bench && .build/release/identity-bench $(ARGS)

soak:       ## the whole system under steady load, then the invariants (ARGS="--minutes 15 --rate 300"; scripts/soak.sh --help)
	bash scripts/soak.sh $(ARGS)

FUZZ_SECONDS ?= 60
fuzz:       ## every libFuzzer target for FUZZ_SECONDS each (DEVELOPERS.md "Fuzzing"); crashes in .build/fuzz/crashes/
	bash scripts/fuzz.sh all $(FUZZ_SECONDS)
