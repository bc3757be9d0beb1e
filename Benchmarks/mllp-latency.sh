#!/usr/bin/env bash
# MLLP handoff latency of `hx adapter run` (release build) on a fresh development
# broker: a client sends ADT^A03 at a fixed rate over one connection and times
# each message from sending to its ACK, which comes only after Kafka confirmed it.
#
#   RATE (default 100 messages/s), DURATION (default 30 seconds). One connection,
#   one message in flight (as MLLP senders do): RATE must stay below 1 / latency.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
export PKG_CONFIG_PATH="/usr/local/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
RATE=${RATE:-100}
DURATION=${DURATION:-30}

swift build -c release --product hx >&2
HX=.build/release/hx
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
broker_port=$(free_port); mllp_port=$(free_port); metrics_port=$(free_port)

$HX dev broker --port "$broker_port" >/dev/null 2>&1 &
broker=$!
trap 'kill $adapter $broker 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null && break; sleep 0.1; done
$HX topics apply --bootstrap-servers "127.0.0.1:$broker_port" >/dev/null
HX_LOG_LEVEL=warning $HX adapter run whh-pas-discharge --bootstrap-servers "127.0.0.1:$broker_port" \
  --listen 127.0.0.1 --mllp-port "$mllp_port" --metrics-port "$metrics_port" >&2 &
adapter=$!
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$mllp_port") 2>/dev/null && break; sleep 0.1; done

echo "Command: RATE=$RATE DURATION=$DURATION bash Benchmarks/mllp-latency.sh; $(nproc) cores; librdkafka $(pkg-config --modversion rdkafka); Tansu in memory"
python3 Benchmarks/mllp/latency_client.py 127.0.0.1 "$mllp_port" --rate "$RATE" --seconds "$DURATION"
echo "adapter resident memory after the run: $(grep VmRSS /proc/$adapter/status | awk '{print $2, $3}')"
