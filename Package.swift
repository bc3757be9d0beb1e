// swift-tools-version:6.2
import PackageDescription

// Every target of ours: Swift 6 mode (complete strict concurrency) and warnings as errors.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "one-halton-exchange",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hx", targets: ["hx"]),
        .library(name: "HXKafka", targets: ["HXKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.20.0"),
        // Already required by postgres-nio; named so the index can offer TLS to PostgreSQL.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        // The console: HTTP server, bcrypt for its users' passwords, Mustache page templates.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // The console's impact page: a proposed config/ uploaded as a form's file, in a zip.
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        // NHS MESH API v2 over HTTPS with mutual TLS (it brings NIOSSL), and gzip for MESH's compressed messages.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: [
        // librdkafka (>= 2.2) as found by pkg-config; scripts/setup.sh provides it.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The only Swift code that touches librdkafka's C API.
        .target(
            name: "HXKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Topic catalogue (config/topics.yaml) and applying it to a cluster.
        .target(
            name: "HXTopics",
            dependencies: ["HXKafka", "HXConfigFile", "HXCanonical", "Yams"],
            swiftSettings: strict
        ),
        // Starting and stopping the local development broker (Tansu).
        .target(name: "HXDevBroker", swiftSettings: strict),
        // One task at a time through a resource that must not interleave across awaits.
        .target(name: "HXSerial", swiftSettings: strict),
        // Reading YAML configuration with file, line and problem for every error.
        .target(name: "HXConfigFile", dependencies: ["Yams"], swiftSettings: strict),
        // The canonical message contract (docs/design.md "Canonical message, version 1"): pure values,
        // and the digests every module uses (swift-crypto).
        .target(name: "HXCanonical", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        // HL7 v2 parsing, encoding, MLLP framing and acknowledgements: pure, no I/O.
        .target(name: "HL7v2", swiftSettings: strict),
        // Feed formats (HL7 v2, FHIR, CSV/JSON, ADW) → canonical messages; adapter.yaml; adapter test cases.
        .target(name: "HXTranslate", dependencies: ["HXCanonical", "HL7v2", "HXConfigFile", "Yams"], swiftSettings: strict),
        // Identity matching (docs/design.md "Identity matching and review"): a subject scored against identity
        // facts field by field, with each field's agreement and weight; blocking; the link rule. Pure.
        .target(name: "HXIdentityMatch", dependencies: ["HXCanonical"], swiftSettings: strict),
        // `hx identity trace` without its files: request CSV and facts JSONL in, result CSV out. Pure.
        .target(name: "HXIdentityTrace", dependencies: ["HXCanonical", "HXIdentityMatch"], swiftSettings: strict),
        // Made-up people as identity facts and corrupted trace requests with their right answers, seeded: the
        // identity tests' labelled set and `make bench-identity`'s data. Pure.
        .target(name: "HXSyntheticPeople", dependencies: ["HXCanonical", "HXIdentityMatch"], swiftSettings: strict),
        // The place's configuration: organisations, groups, data sharing agreements, identity link rule, digest.
        .target(name: "HXPlace", dependencies: ["HXCanonical", "HXConfigFile", "HXIdentityMatch", "Yams"], swiftSettings: strict),
        // Delivery to recipients' own systems, pure part: a canonical message rendered as the
        // recipient's format (HL7 v2 MDM, FHIR R4 document, canonical JSON) with a readable rendition.
        .target(name: "HXDelivery", dependencies: ["HXCanonical", "HXPlace", "HL7v2", "HXITK3"], swiftSettings: strict),
        // NHS ITK3 (FHIR STU3) for transfer of care over MESH, pure: the handling extension, events and
        // response codes; ITK3 responses read and built; inbound ITK3 and R4 DocumentReference messages → canonical.
        .target(name: "HXITK3", dependencies: ["HXCanonical", "HXPlace", "HXTranslate"], swiftSettings: strict),
        // Delivery's transports (I/O): MLLP with its ACKs, FHIR over HTTP, a folder; each attempt judged
        // sent, failed or worth retrying, with a stable reason code; the retry schedule.
        .target(
            name: "HXDeliveryTransport",
            dependencies: [
                "HL7v2", "HXPlace",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // `hx deliver run`: one worker per recipient from hx.deliver.<code> to the recipient's system, its
        // statuses on hx.delivery.v1, its audit chain delivery:<code>, dead letters of what failed.
        .target(
            name: "HXDeliveryWorker",
            dependencies: [
                "HXAudit", "HXCanonical", "HXDelivery", "HXDeliveryTransport", "HXKafka", "HXPlace", "HXStaffAudit", "HXMESH", "HXITK3",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // NHS MESH API v2 client: NHSMESH authorisation, handshake, send (chunked, gzip), inbox, download,
        // acknowledge, tracking by local id, mutual TLS. No Kafka, no message content in its logs.
        .target(
            name: "HXMESH",
            dependencies: [
                "HXCanonical",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // NHS Digital's MESH sandbox under uvicorn on a free loopback port, with its admin API and NHS England's
        // mesh-client as the other party (scripts/): for `hx run`'s GP practices, the MESH tests and benchmarks.
        .target(
            name: "HXMESHSandbox",
            dependencies: [
                "HXDevBroker", "HXMESH",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // The router's decision per message and recipient (docs/design.md steps 1-6): pure functions.
        .target(name: "HXPolicy", dependencies: ["HXCanonical", "HXPlace", "HXIdentityMatch"], swiftSettings: strict),
        // `hx config impact`, pure part: inputs decided under the configuration in force and a proposed one,
        // with the consent and identity state of each input's time; the differences per agreement, recipient, reason.
        .target(name: "HXImpact", dependencies: ["HXCanonical", "HXPlace", "HXPolicy"], swiftSettings: strict),
        // A proposed configuration, from its files to its impact: `hx config check`'s rules, an uploaded
        // archive unpacked safely, the impact report read from Kafka, and each console run audited.
        .target(
            name: "HXProposal",
            dependencies: [
                "HXAudit", "HXAuditIndex", "HXCanonical", "HXConfigFile", "HXImpact", "HXKafka", "HXPlace", "HXPolicy", "HXStaffAudit",
                "HXTopics", "HXTranslate",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: strict
        ),
        // Declarative agreement test cases under config/tests (`hx test`).
        .target(
            name: "HXPolicyTesting",
            dependencies: ["HXCanonical", "HXConfigFile", "HXPlace", "HXPolicy", "Yams"],
            swiftSettings: strict
        ),
        // The identity review queue (docs/design.md "Identity matching and review"), pure: held messages,
        // reviewers' resolutions and their rules, the open queue, the candidates shown beside a held message.
        .target(name: "HXReview", dependencies: ["HXCanonical", "HXPolicy", "HXIdentityMatch"], swiftSettings: strict),
        // The IG audit record, its hash chain, delivery envelopes and the chain verifier: pure.
        .target(
            name: "HXAudit",
            dependencies: ["HXCanonical", "HXPlace", "HXPolicy", "HXIdentityMatch"],
            swiftSettings: strict
        ),
        // `hx router`: each input decided (RouterStep, pure) and written with its audit records in one Kafka
        // transaction per batch; chain recovery, consent and identity reference data, reload on SIGHUP.
        .target(
            name: "HXRouter",
            dependencies: [
                "HXKafka", "HXCanonical", "HXConfigFile", "HXPlace", "HXPolicy", "HXAudit", "HXReview",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The audit index: hx.audit.ig.v1 in a searchable database (SQLite through GRDB, or PostgreSQL),
        // indexed exactly once, pruned by retention, re-verifiable from the stored bytes.
        .target(
            name: "HXAuditIndex",
            dependencies: [
                "HXAudit", "HXCanonical", "HXPlace", "HXConfigFile", "HXSerial",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // A member of staff's own hash chain on hx.audit.ig.v1 (an auditor's access, an operator's replays),
        // continued from its head and written in one Kafka transaction with what it records.
        .target(
            name: "HXStaffAudit",
            dependencies: ["HXAudit", "HXCanonical", "HXKafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // hx.audit.ig.v1 → the audit index, each chunk stored with its offsets in one database transaction;
        // and auditors' access recorded on the audit topic.
        .target(
            name: "HXAuditIndexing",
            dependencies: [
                "HXAuditIndex", "HXAudit", "HXCanonical", "HXPlace", "HXKafka", "HXStaffAudit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The subject access report: a person's decisions from the audit log, as a page they can read.
        .target(name: "HXSubjectAccess", dependencies: ["HXAudit", "HXCanonical", "HXPlace", "HXPolicy"], swiftSettings: strict),
        // What operators watch and do, Kafka side: heartbeats, topic rates and lag, dead letters and their replay.
        .target(
            name: "HXOperations",
            dependencies: [
                "HXKafka", "HXCanonical", "HXTranslate", "HXAdapterRecords", "HXService", "HXStaffAudit", "HXAudit", "HXPlace", "HXPolicy", "HXConfigFile", "HXSerial", "HXDelivery",
                "HXReview", "HXIdentityMatch",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // `hx console`: the web pages for operators and auditors, with users, roles, sessions and CSRF;
        // `LiveConsole` assembles it on Kafka and the audit index for `hx console` and `hx run`.
        .target(
            name: "HXConsole",
            dependencies: [
                "HXOperations", "HXAuditIndex", "HXAuditIndexing", "HXSubjectAccess", "HXAudit", "HXPlace", "HXCanonical", "HXConfigFile",
                "HXKafka", "HXTranslate", "HXImpact", "HXProposal", "HXReview", "HXIdentityMatch", "HXPolicy",
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                // OpenID Connect sign-in: SHA-256 for PKCE, RSA (RS256) for ID token signatures.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Least-privilege Kafka ACLs derived from the configuration (`hx acl plan`), and the checks of
        // TLS/SASL files before a client starts: pure, no Kafka I/O.
        .target(name: "HXAccess", dependencies: ["HXCanonical", "HXConfigFile", "HXPlace", "HXTopics", "HXTranslate"], swiftSettings: strict),
        // Synthetic Halton traffic (canonical messages) for tests and benchmarks.
        .target(name: "HXWorkload", dependencies: ["HXCanonical", "HXPolicy"], swiftSettings: strict),
        // What every long-running hx service shares: the /metrics and /health endpoint (and the accepted-connection
        // handling of NIO listeners), the heartbeat beacon and its publisher, and generic service-group pieces.
        .target(
            name: "HXService",
            dependencies: [
                "HXKafka", "HXCanonical",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // What an adapter writes to Kafka for one input (canonical messages, identity facts, dead letters):
        // pure, shared by the adapter's publisher and the replay of dead letters.
        .target(name: "HXAdapterRecords", dependencies: ["HXCanonical", "HXKafka", "HXTranslate"], swiftSettings: strict),
        // `hx adapter run`: MLLP listener, FHIR HTTP endpoint and drop folder, publishing to Kafka before
        // acknowledging; dead letters, the adapter's heartbeat and Prometheus metrics.
        .target(
            name: "HXAdapterRuntime",
            dependencies: [
                "HXKafka", "HXService", "HXAdapterRecords", "HXTranslate", "HXCanonical", "HL7v2", "HXConfigFile", "HXMESH", "HXITK3",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // The development stack of `hx run` around the real services: the development broker as a service (also
        // `hx dev broker`), every adapter started and fed its samples, the summary of what flowed, decisions and a
        // heartbeat round trip printed as they happen, and the demonstration console with its indexer.
        .target(
            name: "HXDevStack",
            dependencies: [
                "HXAdapterRuntime", "HXAudit", "HXAuditIndex", "HXAuditIndexing", "HXCanonical", "HXConsole", "HXDevBroker",
                "HXKafka", "HXOperations", "HXPlace", "HXTranslate", "HXMESH", "HXMESHSandbox",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The `hx` command: argument parsing, and the wiring of each command's services into a service group.
        .executableTarget(
            name: "hx",
            dependencies: [
                "HXKafka", "HXTopics", "HXDevBroker", "HXDevStack", "HXCanonical", "HXConfigFile",
                "HXTranslate", "HXPlace", "HXPolicy", "HXPolicyTesting", "HXAdapterRuntime", "HXService", "HXAudit", "HXRouter",
                "HXAuditIndex", "HXAuditIndexing", "HXSubjectAccess", "HXOperations", "HXConsole", "HXAccess", "HXDelivery",
                "HXDeliveryWorker", "HXImpact", "HXIdentityMatch", "HXIdentityTrace", "HXProposal", "HXReview",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // `make bench`: the Swift client's side of the comparison with plain librdkafka.
        .executableTarget(
            name: "kafka-bench",
            dependencies: ["HXKafka", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/KafkaBench",
            swiftSettings: strict
        ),
        // `make bench-router`: router throughput against the plain passthrough, and end-to-end latency.
        .executableTarget(
            name: "router-bench",
            dependencies: [
                "HXRouter", "HXWorkload", "HXKafka", "HXDevBroker", "HXTopics", "HXPlace", "HXCanonical", "HXPolicy", "HXAudit", "HXImpact",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/RouterBench",
            swiftSettings: strict
        ),
        // `make bench-deliver`: the delivery worker over MLLP against a plain python-hl7 sender.
        .executableTarget(
            name: "deliver-bench",
            dependencies: [
                "HXDeliveryWorker", "HXDelivery", "HXOperations", "HXDevBroker", "HXKafka", "HXPlace", "HXCanonical", "HXAudit",
                "HXDevStack", "HXRouter", "HXTopics",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DeliverBench",
            swiftSettings: strict
        ),
        // The audit index's indexing rate and subject-search latency, SQLite and PostgreSQL.
        .executableTarget(
            name: "audit-index-bench",
            dependencies: ["HXAuditIndex", "HXAudit", "HXCanonical", "HXPlace", "HXDevBroker", "HXWorkload"],
            path: "Benchmarks/AuditIndexBench",
            swiftSettings: strict
        ),
        // `make bench-mesh`: MESH messages sent per second to NHS Digital's MESH sandbox.
        .executableTarget(
            name: "mesh-bench",
            dependencies: ["HXMESH", "HXMESHSandbox"],
            path: "Benchmarks/MESHBench",
            swiftSettings: strict
        ),
        // `make bench-identity`: our identity matcher against the exact-key matcher of before and Splink.
        .executableTarget(
            name: "identity-bench",
            dependencies: ["HXIdentityMatch", "HXIdentityTrace", "HXSyntheticPeople", "HXCanonical"],
            path: "Benchmarks/IdentityBench",
            swiftSettings: strict
        ),
        // `bash Benchmarks/hl7-run.sh`: HL7 v2 parse and parse + translate throughput against python-hl7.
        .executableTarget(
            name: "hl7-bench",
            dependencies: ["HL7v2", "HXTranslate", "HXCanonical"],
            path: "Benchmarks/HL7Bench",
            swiftSettings: strict
        ),
        // Starting a broker per test and the Kafka helpers every integration test target uses.
        .target(
            name: "HXKafkaTestSupport",
            dependencies: ["HXKafka", "HXDevBroker", .product(name: "Logging", package: "swift-log")],
            path: "Tests/HXKafkaTestSupport",
            swiftSettings: strict
        ),
        // A hospital's MLLP sender and a plain HTTP client: tests that drive the adapters and the console from outside.
        .target(
            name: "HXNetworkTestSupport",
            dependencies: [
                "HL7v2", "HXCanonical", "HXDeliveryTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/HXNetworkTestSupport",
            swiftSettings: strict
        ),
        // The MESH sandbox's test-only parts (a throwaway CA and certificates for mutual TLS), for any test target.
        .target(
            name: "HXMESHTestSupport",
            dependencies: ["HXDevBroker", "HXMESH", "HXMESHSandbox"],
            path: "Tests/HXMESHTestSupport",
            swiftSettings: strict
        ),
        // The MESH client against the real sandbox and NHS England's mesh-client as an independent peer.
        .testTarget(
            name: "HXMESHTests",
            dependencies: [
                "HXMESH", "HXMESHTestSupport", "HXMESHSandbox", "HXDevBroker",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The Kafka client on a broker and on librdkafka's mock cluster, the topic catalogue, and hx's commands run
        // as a user runs them.
        .testTarget(
            name: "HXKafkaTests",
            dependencies: [
                "HXKafka", "HXDevBroker", "HXTopics", "HXCanonical", "HXConfigFile", "hx", "HXKafkaTestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // hx acl plan on the Halton configuration, Kafka security files, and the deployment files' checkers.
        .testTarget(
            name: "HXDeployTests",
            dependencies: ["HXAccess", "HXPlace", "HXTopics", "HXTranslate", "HXConfigFile", "HXCanonical", "HXDevBroker", "HXKafkaTestSupport", "HXOperations", "hx"],
            swiftSettings: strict
        ),
        // The synthetic traffic and the adapters' translations are corpora for the canonical JSON's differential tests.
        .testTarget(name: "HXCanonicalTests", dependencies: ["HXCanonical", "HXWorkload", "HXTranslate"], swiftSettings: strict),
        // HL7 v2 parsing, encoding, MLLP framing and ACKs, on the sample corpus.
        .testTarget(name: "HL7v2Tests", dependencies: ["HL7v2"], swiftSettings: strict),
        // Every feed format's translation, adapter.yaml and the adapters' own test cases.
        .testTarget(name: "HXTranslateTests", dependencies: ["HXTranslate", "HXCanonical", "HL7v2", "HXConfigFile"], swiftSettings: strict),
        // The place configuration: validation with file and line, the Halton configuration, UK time.
        // The review queue and the resolution rules, pure.
        .testTarget(
            name: "HXReviewTests",
            dependencies: ["HXReview", "HXCanonical", "HXPolicy", "HXIdentityMatch", "HXAudit", "HXPlace"],
            swiftSettings: strict
        ),
        // ITK3 responses (read and built) and inbound ITK3 / R4 DocumentReference messages.
        .testTarget(name: "HXITK3Tests", dependencies: ["HXITK3", "HXTranslate", "HXCanonical", "HXPlace"], swiftSettings: strict),
        .testTarget(name: "HXPlaceTests", dependencies: ["HXPlace", "HXCanonical", "HXConfigFile"], swiftSettings: strict),
        // Identity matching: field comparisons, the labelled set of synthetic people, blocking, identity.yaml,
        // old-format facts, and `hx identity trace`'s core.
        .testTarget(
            name: "HXIdentityMatchTests",
            dependencies: ["HXIdentityMatch", "HXIdentityTrace", "HXCanonical", "HXPlace", "HXConfigFile", "HXPolicy", "HXSyntheticPeople"],
            swiftSettings: strict
        ),
        // The decision table and the agreements' declarative test cases.
        .testTarget(
            name: "HXPolicyTests",
            dependencies: ["HXCanonical", "HXPlace", "HXPolicy", "HXPolicyTesting"],
            swiftSettings: strict
        ),
        // The impact report's comparison of two configurations (pure), on synthetic Halton traffic.
        .testTarget(
            name: "HXImpactTests",
            dependencies: ["HXImpact", "HXProposal", "HXCanonical", "HXPlace", "HXPolicy", "HXWorkload",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),
        // The adapters against a broker: MLLP, HTTP and drop folder sources, heartbeats and metrics; their records (pure).
        .testTarget(
            name: "HXAdapterRuntimeTests",
            dependencies: [
                "HXAdapterRuntime", "HXAdapterRecords", "HXService", "HXKafka", "HXDevBroker", "HXKafkaTestSupport", "HXNetworkTestSupport", "HXTranslate", "HXCanonical", "HL7v2",
                "HXMESH", "HXMESHTestSupport", "HXMESHSandbox", "HXITK3", "HXDelivery",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // The router (its step pure, and on a broker), the hx router, audit index and verify commands, kills and
        // faults under load, and the console in a browser.
        .testTarget(
            name: "HXRouterTests",
            dependencies: [
                "HXRouter", "HXWorkload", "HXKafka", "HXKafkaTestSupport", "HXDevBroker", "HXTopics", "HXAudit", "HXPolicy", "HXPlace", "HXCanonical", "HXTranslate", "hx",
                "HXAdapterRecords", "HXNetworkTestSupport", "HXReview", "HXOperations",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The audit index on SQLite and PostgreSQL: ingest, search, retention, pruning, chains from the stored bytes.
        .testTarget(
            name: "HXAuditIndexTests",
            dependencies: [
                "HXAuditIndex", "HXAudit", "HXCanonical", "HXPlace", "HXDevBroker", "HXConfigFile",
                // Raw access to the test databases, to tamper with them as an intruder would.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Audit records, their bytes and hash chains, the verifier, reconciliation, flow summaries, subject access reports.
        .testTarget(
            name: "HXDeliveryTests",
            dependencies: [
                "HXDelivery", "HXDeliveryTransport", "HXCanonical", "HXPlace", "HL7v2", "HXDevBroker", "HXITK3", "HXTranslate",
                "HXAudit", "HXKafka", "HXKafkaTestSupport", "HXDeliveryWorker", "HXOperations", "HXMESH", "HXMESHTestSupport",
                "HXMESHSandbox",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HXAuditTests",
            dependencies: ["HXAudit", "HXSubjectAccess", "HXCanonical", "HXPlace", "HXPolicy", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The console's routes and roles on a fixed backend, staff and sessions, and the operations logic (pure parts).
        .testTarget(
            name: "HXConsoleTests",
            dependencies: [
                "HXConsole", "HXOperations", "HXAdapterRecords", "HXService", "HXAudit", "HXAuditIndex", "HXCanonical", "HXConfigFile",
                "HXPlace", "HXKafka", "HXTranslate", "HXKafkaTestSupport", "hx", "HXImpact", "HXProposal", "HXReview",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                // ID tokens signed to order for the OIDC rules' tests.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
    ]
)
