#!/usr/bin/env python3
"""What the deployment relies on, for files no checker here has a schema for.

Usage: deploy-checks.py RESOLVED_COMPOSE_YAML (the output of `docker-compose config`).
Exits 1 naming every problem. Called by scripts/test-deploy.sh.
"""
import glob
import os
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


def docs(path):
    with open(os.path.join(ROOT, path)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


config = lambda name: yaml.safe_load(open(os.path.join(ROOT, "config", name)))
topics_yaml = config("topics.yaml")
organisations = config("organisations.yaml")["organisations"]
adapters = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "adapters/*/adapter.yaml")))


def retention_ms(t):
    if t.get("cleanup") == "compact":
        return None
    r = t["retention"]
    if r == "forever":
        return -1
    return int(r[:-1]) * (24 if r[-1] == "d" else 1) * 3_600_000


# --- Strimzi Kafka and node pool -----------------------------------------------------
CLUSTER = "hx"
kafka_docs = docs("deploy/kubernetes/kafka/kafka.yaml")
kafkas = [d for d in kafka_docs if d.get("kind") == "Kafka"]
pools = [d for d in kafka_docs if d.get("kind") == "KafkaNodePool"]
for d in kafka_docs:
    if d.get("apiVersion") != "kafka.strimzi.io/v1beta2":
        problem("kafka.yaml", f"{d.get('kind')}: apiVersion must be kafka.strimzi.io/v1beta2")
if len(kafkas) != 1:
    problem("kafka.yaml", "exactly one Kafka resource expected")
else:
    k = kafkas[0]
    if get(k, "metadata", "name") != CLUSTER:
        problem("kafka.yaml", f"Kafka must be named {CLUSTER} (KafkaUsers, KafkaTopics and the CA secret hx-cluster-ca-cert use it)")
    ann = get(k, "metadata", "annotations") or {}
    for a in ("strimzi.io/kraft", "strimzi.io/node-pools"):
        if ann.get(a) != "enabled":
            problem("kafka.yaml", f"Kafka needs annotation {a}: enabled (KRaft with node pools)")
    if get(k, "spec", "zookeeper") is not None:
        problem("kafka.yaml", "KRaft: no spec.zookeeper")
    listeners = get(k, "spec", "kafka", "listeners") or []
    tls = [l for l in listeners if l.get("tls") is True and get(l, "authentication", "type") == "scram-sha-512"]
    if not tls or any(l.get("port") != 9093 for l in tls):
        problem("kafka.yaml", "a TLS listener on 9093 with scram-sha-512 authentication is what the hx pods use")
    if any(l.get("tls") is not True for l in listeners):
        problem("kafka.yaml", "every listener must use TLS")
    if get(k, "spec", "kafka", "authorization", "type") != "simple":
        problem("kafka.yaml", "authorization.type must be simple (KafkaUser ACLs)")
    cfg = get(k, "spec", "kafka", "config") or {}
    for key, want in (("default.replication.factor", 3), ("min.insync.replicas", 2), ("auto.create.topics.enable", False)):
        if cfg.get(key) != want:
            problem("kafka.yaml", f"spec.kafka.config.{key} must be {want}")
    for op in ("topicOperator", "userOperator"):
        if get(k, "spec", "entityOperator", op) is None:
            problem("kafka.yaml", f"spec.entityOperator.{op} is needed for the KafkaTopics/KafkaUsers")
if len(pools) != 1:
    problem("kafka.yaml", "one KafkaNodePool expected")
else:
    p = pools[0]
    if get(p, "metadata", "labels", "strimzi.io/cluster") != CLUSTER:
        problem("kafka.yaml", "KafkaNodePool must carry strimzi.io/cluster: hx")
    if get(p, "spec", "replicas") != 3 or sorted(get(p, "spec", "roles") or []) != ["broker", "controller"]:
        problem("kafka.yaml", "KafkaNodePool: 3 replicas, roles controller and broker")
    if get(p, "spec", "storage", "type") not in ("jbod", "persistent-claim"):
        problem("kafka.yaml", "KafkaNodePool storage must be persistent")

# --- KafkaTopics against config/topics.yaml and organisations.yaml ---------------------
expected = {t["name"]: t for t in topics_yaml["topics"]}
for o in organisations:
    expected[f"hx.deliver.{o['code'].lower()}"] = topics_yaml["deliveryTopics"]
seen = set()
for d in docs("deploy/kubernetes/kafka/topics.yaml"):
    name = get(d, "spec", "topicName")
    where = f"topics.yaml {name}"
    if d.get("kind") != "KafkaTopic" or d.get("apiVersion") != "kafka.strimzi.io/v1beta2":
        problem(where, "must be a kafka.strimzi.io/v1beta2 KafkaTopic")
    if get(d, "metadata", "labels", "strimzi.io/cluster") != CLUSTER:
        problem(where, "needs label strimzi.io/cluster: hx")
    if name not in expected:
        problem(where, "not declared in config/topics.yaml nor an organisation's delivery topic")
        continue
    seen.add(name)
    t = expected[name]
    if get(d, "spec", "partitions") != t["partitions"]:
        problem(where, f"partitions {get(d, 'spec', 'partitions')}, config/topics.yaml says {t['partitions']}")
    if get(d, "spec", "replicas") != 3 or get(d, "spec", "config", "min.insync.replicas") != 2:
        problem(where, "replicas 3 and min.insync.replicas 2")
    if get(d, "spec", "config", "cleanup.policy") != t.get("cleanup", "delete"):
        problem(where, "cleanup.policy differs from config/topics.yaml")
    want = retention_ms(t)
    got = get(d, "spec", "config", "retention.ms")
    if want is not None and (got is None or int(got) != want):
        problem(where, f"retention.ms {got}, config/topics.yaml means {want}")
for name in sorted(set(expected) - seen):
    problem("topics.yaml", f"no KafkaTopic for {name}")

# --- KafkaUsers: Strimzi's shape, and one per principal the pods use ----------------------
OPS = {"Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction", "AlterConfigs", "DescribeConfigs", "IdempotentWrite", "All"}
users = {}
for d in docs("deploy/kubernetes/kafka/users.yaml"):
    name = get(d, "metadata", "name")
    where = f"users.yaml {name}"
    users[name] = d
    if d.get("kind") != "KafkaUser" or d.get("apiVersion") != "kafka.strimzi.io/v1beta2":
        problem(where, "must be a kafka.strimzi.io/v1beta2 KafkaUser")
    if get(d, "metadata", "labels", "strimzi.io/cluster") != CLUSTER:
        problem(where, "needs label strimzi.io/cluster: hx")
    if get(d, "spec", "authentication", "type") not in ("scram-sha-512", "tls"):
        problem(where, "authentication.type must be scram-sha-512 or tls")
    if get(d, "spec", "authorization", "type") != "simple":
        problem(where, "authorization.type must be simple")
    acls = get(d, "spec", "authorization", "acls") or []
    if not acls:
        problem(where, "no ACLs")
    for acl in acls:
        r = acl.get("resource") or {}
        if r.get("type") not in ("topic", "group", "transactionalId", "cluster"):
            problem(where, f"resource.type {r.get('type')!r}")
        if r.get("type") != "cluster" and (not r.get("name") or r.get("patternType") not in ("literal", "prefix")):
            problem(where, f"resource {r}: needs a name and patternType literal or prefix")
        ops = acl.get("operations") or []
        if not ops or not set(ops) <= OPS:
            problem(where, f"operations {ops}")
for a in adapters:
    if f"hx-adapter-{a}" not in users:
        problem("users.yaml", f"no KafkaUser hx-adapter-{a} for adapters/{a}")

# --- hx pods: each uses a KafkaUser that exists, probes on /health, runs unprivileged -------
for path in sorted(glob.glob(os.path.join(ROOT, "deploy/kubernetes/hx/*.yaml"))):
    rel = os.path.relpath(path, ROOT)
    for d in docs(rel):
        if d.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        name = get(d, "metadata", "name")
        spec = get(d, "spec", "template", "spec")
        secrets = [get(v, "secret", "secretName") for v in spec.get("volumes", []) if v.get("name") == "kafka-user"]
        if len(secrets) != 1 or secrets[0] not in users:
            problem(rel, f"{name}: kafka-user volume must be the Secret of an existing KafkaUser, not {secrets}")
        for c in spec["containers"]:
            env = {e["name"]: e.get("value") for e in c.get("env", [])}
            if secrets and env.get("HX_KAFKA_SASL_USERNAME") != secrets[0]:
                problem(rel, f"{name}: HX_KAFKA_SASL_USERNAME must match its KafkaUser {secrets[0]}")
            if get(c, "securityContext", "readOnlyRootFilesystem") is not True or get(c, "securityContext", "allowPrivilegeEscalation") is not False:
                problem(rel, f"{name}: read-only root and no privilege escalation")
            component = get(d, "metadata", "labels", "app.kubernetes.io/component")
            if component != "indexer":
                for probe in ("readinessProbe", "livenessProbe"):
                    if get(c, probe, "httpGet", "path") != "/health":
                        problem(rel, f"{name}: {probe} on /health")
adapter_deployments = {get(d, "metadata", "name") for d in docs("deploy/kubernetes/hx/adapters.yaml") if d.get("kind") == "Deployment"}
if adapter_deployments != {f"hx-adapter-{a}" for a in adapters}:
    problem("adapters.yaml", f"one Deployment per adapters/ folder: {sorted(adapter_deployments)} vs {adapters}")

# --- kustomization: lists every manifest, each exists ----------------------------------------
kust = yaml.safe_load(open(os.path.join(ROOT, "deploy/kubernetes/kustomization.yaml")))
listed = set(kust.get("resources", []))
present = {os.path.relpath(p, os.path.join(ROOT, "deploy/kubernetes")) for p in glob.glob(os.path.join(ROOT, "deploy/kubernetes/**/*.yaml"), recursive=True)} - {"kustomization.yaml"}
for missing in sorted(listed - present):
    problem("kustomization.yaml", f"lists {missing}, which does not exist")
for unlisted in sorted(present - listed):
    problem("kustomization.yaml", f"does not list {unlisted}")

# --- compose: the services the issue asks for -------------------------------------------------
compose = yaml.safe_load(open(sys.argv[1]))
services = compose.get("services", {})
kafka_services = [s for s in services if s.startswith("kafka-")]
if len(kafka_services) != 3:
    problem("compose.yaml", "three Kafka brokers")
for s in kafka_services:
    env = services[s].get("environment", {})
    if "broker" not in str(env.get("KAFKA_PROCESS_ROLES")) or "controller" not in str(env.get("KAFKA_PROCESS_ROLES")):
        problem("compose.yaml", f"{s}: KRaft broker,controller")
    if str(env.get("KAFKA_DEFAULT_REPLICATION_FACTOR")) != "3" or str(env.get("KAFKA_MIN_INSYNC_REPLICAS")) != "2":
        problem("compose.yaml", f"{s}: replication factor 3, min.insync.replicas 2")
routers = [s for s in services if s.startswith("router-")]
instances = [services[s]["command"][services[s]["command"].index("--instance") + 1] for s in routers]
if len(routers) != 2 or len(set(instances)) != 2:
    problem("compose.yaml", f"two routers with distinct --instance, found {instances}")
compose_adapters = sorted(services[s]["command"][2] for s in services if s.startswith("adapter-"))
if compose_adapters != adapters:
    problem("compose.yaml", f"one adapter service per adapters/ folder: {compose_adapters} vs {adapters}")
if services.get("topics", {}).get("command") != ["topics", "apply"]:
    problem("compose.yaml", "a topics job running `hx topics apply`")
if "--follow" not in services.get("audit-indexer", {}).get("command", []) or not str(services["audit-indexer"].get("environment", {}).get("HX_AUDIT_INDEX_URL", "")).startswith("postgres://"):
    problem("compose.yaml", "the audit indexer follows the topic into PostgreSQL")
for s in ("console", "prometheus", "alertmanager", "grafana", "postgres"):
    if s not in services:
        problem("compose.yaml", f"no {s} service")

# --- hx deliver run: every recipient's secrets are passed, from files the deployment mounts ---------
# What `hx deliver run` refuses to start without (exit 78): a bearer token per fhir-http recipient, and
# for mesh recipients MESH's address, its shared key and a password per sending mailbox. A path given
# must be a secret the service mounts: a compose secret (/run/secrets/NAME) or a Kubernetes Secret volume.
needed_tokens = sorted(o["code"] for o in organisations if get(o, "delivery", "transport") == "fhir-http")
mesh_mailboxes = sorted({get(o, "delivery", "mesh", "mailbox") for o in organisations if get(o, "delivery", "transport") == "mesh"})


def deliver_secrets(where, args, is_secret):
    """Problems with the secrets in a deliver command's arguments; is_secret(path) says whether a path is mounted."""
    def values(option):
        return [args[i + 1] for i, a in enumerate(args[:-1]) if a == option]

    def pairs(option):
        return dict(v.split("=", 1) for v in values(option) if "=" in v)

    def mounted(option, path):
        if not is_secret(path):
            problem(where, f"{option} {path}: not a mounted secret")

    tokens = pairs("--bearer-token-file")
    for code in needed_tokens:
        if code not in tokens:
            problem(where, f"no --bearer-token-file {code}=FILE for its fhir-http delivery")
    for code, path in tokens.items():
        mounted("--bearer-token-file", path)
    if mesh_mailboxes:
        if not values("--mesh-url"):
            problem(where, f"no --mesh-url for the mesh deliveries (mailboxes {', '.join(mesh_mailboxes)})")
        passwords = pairs("--mesh-password-file")
        for mailbox in mesh_mailboxes:
            if mailbox not in passwords:
                problem(where, f"no --mesh-password-file {mailbox}=FILE for the mesh deliveries from it")
        for mailbox, path in passwords.items():
            mounted("--mesh-password-file", path)
        if not values("--mesh-shared-key-file"):
            problem(where, "no --mesh-shared-key-file for the mesh deliveries")
        for option in ("--mesh-shared-key-file", "--mesh-client-cert", "--mesh-client-key", "--mesh-ca"):
            for path in values(option):
                mounted(option, path)


deliver_service = services.get("deliver", {})
if not deliver_service:
    problem("compose.yaml", "no deliver service")
else:
    names = {s if isinstance(s, str) else s.get("source") for s in deliver_service.get("secrets", [])}
    compose_secrets = compose.get("secrets", {}) or {}
    deliver_secrets("compose.yaml deliver", [str(a) for a in deliver_service.get("command", [])],
                    lambda path: path.startswith("/run/secrets/") and path[len("/run/secrets/"):] in names
                    and path[len("/run/secrets/"):] in compose_secrets)
deliver_deployments = [d for d in docs("deploy/kubernetes/hx/deliver.yaml") if d.get("kind") == "Deployment"]
if len(deliver_deployments) != 1:
    problem("deliver.yaml", "one Deployment hx-deliver")
else:
    spec = get(deliver_deployments[0], "spec", "template", "spec")
    secret_volumes = {v["name"] for v in spec.get("volumes", []) if "secret" in v}
    for c in spec["containers"]:
        mounts_k8s = [m["mountPath"].rstrip("/") + "/" for m in c.get("volumeMounts", []) if m["name"] in secret_volumes]
        deliver_secrets("deliver.yaml hx-deliver", [str(a) for a in c.get("args", [])],
                        lambda path: any(path.startswith(m) for m in mounts_k8s))

# --- Prometheus: what it scrapes and alerts to are compose services; its rules are mounted ----
prometheus = yaml.safe_load(open(os.path.join(ROOT, "deploy/prometheus/prometheus.yml")))
scraped_ports = set()
for job in prometheus.get("scrape_configs", []):
    for target in (t for sc in job.get("static_configs", []) for t in sc.get("targets", [])):
        host, _, port = target.rpartition(":")
        scraped_ports.add(int(port))
        if host not in services:
            problem("prometheus.yml", f"job {job['job_name']}: target {target} is no service of compose.yaml")
for target in (t for am in get(prometheus, "alerting", "alertmanagers") or [] for sc in am.get("static_configs", []) for t in sc.get("targets", [])):
    if target.rpartition(":")[0] not in services:
        problem("prometheus.yml", f"alertmanager {target} is no service of compose.yaml")


def mounts(service):
    """Container path -> host path of a compose service's bind mounts (short or long syntax)."""
    out = {}
    for v in services.get(service, {}).get("volumes", []):
        if isinstance(v, dict):
            out[v.get("target")] = v.get("source")
        else:
            parts = v.split(":")
            if len(parts) >= 2:
                out[parts[1]] = parts[0]
    return out


prometheus_mounts = mounts("prometheus")
for rules in prometheus.get("rule_files", []):
    if not os.path.exists(os.path.join(ROOT, "deploy/prometheus", rules)):
        problem("prometheus.yml", f"rule file {rules} does not exist beside it")
    if f"/etc/prometheus/{rules}" not in prometheus_mounts:
        problem("compose.yaml", f"prometheus does not mount {rules} at /etc/prometheus/{rules}")
if "alertmanager" in services and "/etc/alertmanager/alertmanager.yml" not in mounts("alertmanager"):
    problem("compose.yaml", "alertmanager does not mount alertmanager/alertmanager.yml")

# Kubernetes: Prometheus (namespace monitoring) may reach every port prometheus.yml scrapes.
for policy in docs("deploy/kubernetes/hx/network-policies.yaml"):
    if get(policy, "metadata", "name") == "hx-ingress-metrics":
        allowed = {p.get("port") for rule in get(policy, "spec", "ingress") or [] for p in rule.get("ports", [])}
        for port in sorted(scraped_ports - allowed):
            problem("network-policies.yaml", f"hx-ingress-metrics does not admit port {port}, which Prometheus scrapes")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
