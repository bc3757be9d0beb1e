#!/usr/bin/env bash
# `make bench`: the Swift Kafka client against plain librdkafka (c/rdkafka_bench.c),
# in one run, on one freshly started development broker, same machine.
# Each measurement runs ROUNDS times, alternating C and Swift; the median is kept.
# Prints the figures and the Swift/C ratios as a Markdown table.
#
#   COUNT_SMALL (default 500000) 100-byte messages, COUNT_LARGE (default 200000) 1 KiB messages,
#   ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

COUNT_SMALL=${COUNT_SMALL:-500000}
COUNT_LARGE=${COUNT_LARGE:-200000}
ROUNDS=${ROUNDS:-3}

echo "building (release)..." >&2
swift build -c release --product kafka-bench >&2
mkdir -p Benchmarks/bin
cc -O2 -o Benchmarks/bin/rdkafka_bench Benchmarks/c/rdkafka_bench.c $(pkg-config --cflags --libs rdkafka)
SWIFT=.build/release/kafka-bench
C=Benchmarks/bin/rdkafka_bench

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
tansu broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" >"$log" 2>&1 &
broker_pid=$!
trap 'kill $broker_pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
B="127.0.0.1:$port"

rate() { awk '{print $6}'; }       # the msg/s field of a result line
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A R
measure() { # name command...
  local name=$1; shift
  local value
  value=$("$@" | rate)
  R[$name]="${R[$name]:-} $value"
  echo "  $name: $value msg/s" >&2
}

run=$RANDOM
for size in 100 1024; do
  count=$COUNT_SMALL; [ "$size" = 1024 ] && count=$COUNT_LARGE
  for round in $(seq "$ROUNDS"); do
    echo "size $size, round $round" >&2
    measure "c-produce-$size" $C produce "$B" "bench.c.$size.$run.$round" "$count" "$size"
    measure "swift-produce-$size" $SWIFT produce "$B" "bench.s.$size.$run.$round" "$count" "$size"
    # Both consumers read the topic the C producer wrote, each in a group of its own.
    measure "c-consume-$size" $C consume "$B" "bench.c.$size.$run.$round" "$count" "c-$size-$run-$round"
    measure "swift-consume-$size" $SWIFT consume "$B" "bench.c.$size.$run.$round" "$count" "s-$size-$run-$round"
    measure "swift-passthrough-$size" $SWIFT passthrough "$B" "bench.c.$size.$run.$round" "bench.p.$size.$run.$round" "$count" "p-$size-$run-$round"
    measure "swift-passthrough-txn-$size" $SWIFT passthrough-txn "$B" "bench.c.$size.$run.$round" "bench.t.$size.$run.$round" "$count" "t-$size-$run-$round"
  done
done

m() { echo "${R[$1]}" | tr ' ' '\n' | grep -v '^$' | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo
echo "Broker: Tansu $(tansu --version 2>/dev/null | awk '{print $2}') in memory on 127.0.0.1; librdkafka $(pkg-config --modversion rdkafka); $(nproc) cores; median of $ROUNDS rounds."
echo
echo "| measurement | size | C librdkafka msg/s | Swift HXKafka msg/s | Swift / C |"
echo "|---|---|---|---|---|"
for size in 100 1024; do
  for what in produce consume; do
    c=$(m "c-$what-$size"); s=$(m "swift-$what-$size")
    echo "| $what | $size B | $c | $s | $(ratio "$s" "$c") |"
  done
done
echo
echo "| passthrough (consume → produce → commit) | size | plain msg/s | in transactions msg/s | transactions / plain |"
echo "|---|---|---|---|---|"
for size in 100 1024; do
  p=$(m "swift-passthrough-$size"); t=$(m "swift-passthrough-txn-$size")
  echo "| Swift HXKafka | $size B | $p | $t | $(ratio "$t" "$p") |"
done
