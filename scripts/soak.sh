#!/usr/bin/env bash
# The soak: the whole system under a steady mixed load for a given time, then
# the invariants. Usage:
#
#   scripts/soak.sh [--minutes M] [--rate MSG_PER_S] [--debug]
#
# Starts, on this machine: the development broker, the topics, two routers,
# the audit indexer (SQLite), the console and every adapter under adapters/
# (MLLP, HTTP, drop folder); drives synthetic canonical traffic at RATE
# (router-bench --load-only: discharge summaries, social care notifications,
# referrals, with objections, unknown identities and malformed records mixed
# in) plus, to each adapter, one of its sample files a second with new message
# ids through its own source (hx adapter send; every fifth sent twice); samples
# every service's resident memory every 30 s. At the end, once the routers have
# caught up, it checks:
#   - every input is accounted for exactly once (hx audit reconcile), on the live
#     log halfway through and on the whole log at the end;
#   - every audit chain verifies, on the topic and in the index;
#   - no service's memory grew by more than 10 % from the middle third of the
#     run to its end (the first third is warm-up: the routers' repeat memory,
#     librdkafka's buffers and SQLite's page cache fill to their bounds).
# Prints a summary and exits 1 if any check fails. Work files (logs, the
# memory samples as CSV) stay in the folder it prints.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10 rate=500 configuration=release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --debug) configuration=debug; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "soak: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
done

bash scripts/setup.sh >&2
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
swift build -c "$configuration" --product hx >&2
swift build -c "$configuration" --product router-bench >&2
bin=".build/$configuration"

work=$(mktemp -d /tmp/hx-soak.XXXXXX)
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 2
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
servers="127.0.0.1:$port"
head -c 48 /dev/urandom > "$work/audit.key"

echo "soak: $minutes min at $rate msg/s, $configuration build; work files in $work"
"$bin/hx" dev broker --port "$port" > "$work/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.5; done
"$bin/hx" topics apply --bootstrap-servers "$servers" --config config > "$work/topics.log"

declare -A service
start() {  # name, then the command
  local name="$1"; shift
  "$@" > "$work/$name.log" 2>&1 &
  pids+=($!)
  service[$name]=$!
}
start router-1 "$bin/hx" router --bootstrap-servers "$servers" --instance soak-1 --session-timeout 6 --audit-key-file "$work/audit.key" --metrics-port 0 --listen 127.0.0.1
start router-2 "$bin/hx" router --bootstrap-servers "$servers" --instance soak-2 --session-timeout 6 --audit-key-file "$work/audit.key" --metrics-port 0 --listen 127.0.0.1
start indexer "$bin/hx" audit index --follow --bootstrap-servers "$servers" --index "$work/index.sqlite" --metrics-port 0 --listen 127.0.0.1
printf 'soak-operator-pw\n' | "$bin/hx" console user add soak --role operator --users "$work/users.yaml" --bcrypt-cost 4 > /dev/null
console_port=$(free_port)
start console "$bin/hx" console --bootstrap-servers "$servers" --index "$work/index.sqlite" --users "$work/users.yaml" --listen "127.0.0.1:$console_port" --audit-key-file "$work/audit.key"
# Every adapter, each on its own source (free ports; drop folders under the work folder).
declare -A feed_to
for dir in adapters/*/; do
  name=$(basename "$dir")
  if grep -q '^  mllp:' "$dir/adapter.yaml"; then
    p=$(free_port); start "adapter-$name" "$bin/hx" adapter run "$name" --bootstrap-servers "$servers" --mllp-port "$p" --metrics-port 0 --listen 127.0.0.1
    feed_to[$name]="--port $p"
  elif grep -q '^  http:' "$dir/adapter.yaml"; then
    p=$(free_port); start "adapter-$name" "$bin/hx" adapter run "$name" --bootstrap-servers "$servers" --http-port "$p" --metrics-port 0 --listen 127.0.0.1
    feed_to[$name]="--port $p"
  else
    start "adapter-$name" "$bin/hx" adapter run "$name" --bootstrap-servers "$servers" --drop-folder "$work/drop/$name" --metrics-port 0 --listen 127.0.0.1
    feed_to[$name]="--drop-folder $work/drop/$name"
  fi
done

# Memory of every service every 30 s: seconds,name,kB.
(
  start_time=$SECONDS
  while true; do
    for name in "${!service[@]}"; do
      rss=$(awk '/VmRSS/ {print $2}' "/proc/${service[$name]}/status" 2>/dev/null || echo "")
      [[ -n "$rss" ]] && echo "$((SECONDS - start_time)),$name,$rss" >> "$work/memory.csv"
    done
    sleep 30
  done
) &
pids+=($!)

# The adapters' feeds: each adapter is sent its next sample file every second, over its own
# source (hx adapter send), and the answers are counted. Each copy carries new source message
# ids (scripts/renumber-sample.py), as a live system's messages would; every fifth round the
# copy is sent twice, as a sender that missed its acknowledgement does, which the router must
# recognise as a repeat. Copies are named by round: a drop folder keeps the names it has handled.
declare -A sample_ids
for name in "${!feed_to[@]}"; do
  for sample in adapters/"$name"/samples/*; do
    sample_ids[$sample]=$("$bin/hx" translate --adapter "adapters/$name" "$sample" 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o.get("ok") and "message" in o: print(o["message"]["source"]["messageId"])' || true)
  done
done
(
  round=0
  while true; do
    round=$((round + 1))
    for name in "${!feed_to[@]}"; do
      samples=(adapters/"$name"/samples/*)
      sample="${samples[$((round % ${#samples[@]}))]}"
      mkdir -p "$work/feed/$name"
      sends=1; [[ $((round % 5)) -eq 0 ]] && sends=2
      for send in $(seq 1 $sends); do
        copy="$work/feed/$name/r$round-$send-$(basename "$sample")"
        # shellcheck disable=SC2086
        python3 scripts/renumber-sample.py "$round" "$sample" "$copy" ${sample_ids[$sample]}
        # shellcheck disable=SC2086
        "$bin/hx" adapter send "$name" "$copy" ${feed_to[$name]} --timeout 20 >> "$work/feed.log" 2>&1 || true
        rm -f "$copy"
      done
    done
    sleep 1
  done
) &
feeds=$!
pids+=($feeds)

# Halfway through, reconcile the live log: inputs the routers have not committed yet wait
# (exit 75); anything judged and not accounted for is a failure (exit 1).
(
  sleep $((minutes * 30))
  status=0
  "$bin/hx" audit reconcile --bootstrap-servers "$servers" --config config > "$work/reconcile-live.log" 2>&1 || status=$?
  echo "exit $status" >> "$work/reconcile-live.log"
) &
live=$!
pids+=($live)

sleep 10
"$bin/router-bench" --load-only "$rate" "$((minutes * 60))" --bootstrap-servers "$servers" > "$work/load.log" 2>&1
kill "$feeds" 2>/dev/null || true
echo "soak: load done; feeds stopped; waiting for the routers and the indexer to catch up"

failed=0
wait "$live" || true
live_exit=$(tail -1 "$work/reconcile-live.log")
if [[ "$live_exit" == "exit 0" || "$live_exit" == "exit 75" ]]; then
  echo "soak: reconcile of the live log halfway through: $(grep -E '^(inputs|not yet routed)' "$work/reconcile-live.log" | tr '\n' ';') $live_exit"
else
  echo "soak: FAILED: reconcile of the live log halfway through ($live_exit):"; cat "$work/reconcile-live.log"; failed=1
fi
reconciled=1
for _ in $(seq 1 60); do
  if "$bin/hx" audit reconcile --bootstrap-servers "$servers" --config config > "$work/reconcile.log" 2>&1; then reconciled=0; break; fi
  sleep 5
done
cat "$work/reconcile.log"
[[ $reconciled -eq 0 ]] || { echo "soak: FAILED: inputs not accounted for"; failed=1; }

if "$bin/hx" audit verify --bootstrap-servers "$servers" --audit-key-file "$work/audit.key" > "$work/verify.log" 2>&1; then
  echo "soak: $(tail -1 "$work/verify.log") (topic)"
else
  echo "soak: FAILED: $(tail -1 "$work/verify.log") (topic)"; failed=1
fi
sleep 10  # the indexer's last catch-up
if "$bin/hx" audit verify --from-index --index "$work/index.sqlite" --audit-key-file "$work/audit.key" > "$work/verify-index.log" 2>&1; then
  echo "soak: $(tail -1 "$work/verify-index.log") (index)"
else
  echo "soak: FAILED: $(tail -1 "$work/verify-index.log") (index)"; failed=1
fi
# Refused is the right answer for the deliberately bad samples; "NOT taken" never is.
echo "soak: adapter feeds: $(grep -c ': accepted' "$work/feed.log" || true) files accepted, $(grep -c ': refused' "$work/feed.log" || true) refused (bad samples), $(grep -c 'NOT taken' "$work/feed.log" || true) not taken"
if grep -q 'NOT taken' "$work/feed.log"; then echo "soak: FAILED: an adapter did not take a file"; failed=1; fi

# Memory: the mean of the middle third of the load against the last sample.
python3 - "$work/memory.csv" "$((minutes * 60))" <<'PY' || failed=1
import csv, sys
rows = [(int(s), n, int(kb)) for s, n, kb in csv.reader(open(sys.argv[1]))]
total = int(sys.argv[2])
bad = False
for name in sorted({n for _, n, _ in rows}):
    mine = [(s, kb) for s, n, kb in rows if n == name]
    middle = [kb for s, kb in mine if total // 3 <= s <= 2 * total // 3]
    if not middle or len(mine) < 3:
        print(f"soak: memory {name}: too few samples"); continue
    base, last = sum(middle) / len(middle), mine[-1][1]
    grew = (last - base) / base
    verdict = "FLAT" if grew <= 0.10 else "GREW"
    bad |= grew > 0.10
    print(f"soak: memory {name}: {base/1024:.1f} MiB in the middle third, {last/1024:.1f} MiB at the end ({grew:+.1%}) {verdict}")
sys.exit(1 if bad else 0)
PY
grep -A8 "^Latency" "$work/load.log" | head -8 || true
if [[ $failed -eq 0 ]]; then echo "soak: PASSED"; else echo "soak: FAILED (work files in $work)"; exit 1; fi
