#!/usr/bin/env python3
"""MLLP handoff latency: send synthetic ADT^A03 messages at a fixed rate over one
MLLP connection and time each one from the last byte sent to its ACK (which the
adapter sends only once Kafka has confirmed the message). Prints p50/p99/max.

  latency_client.py HOST PORT [--rate 200] [--seconds 30] [--warmup 100]
"""
import argparse
import socket
import statistics
import time


def nhs_numbers(start):
    """999-range test numbers that pass the Modulus 11 check."""
    n = start
    while True:
        digits = [int(c) for c in f"999{n:06d}"]
        total = sum(d * w for d, w in zip(digits, range(10, 1, -1)))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            yield "".join(map(str, digits)) + str(check)
        n += 1


def message(control_id, nhs):
    """A discharge (ADT^A03) like adapters/whh-pas-discharge's sample, with its own ids."""
    segments = [
        f"MSH|^~\\&|PAS|RWW|HX|HALTON|20260714153012||ADT^A03^ADT_A03|{control_id}|P|2.4|||AL|NE",
        "EVN|A03|20260714153000",
        f"PID|1||RWW{control_id}^^^RWW^MR~{nhs}^^^NHS^NH||TESTPATIENT^Alex^^^Mx||19540302|U|||12 Example Street^^Widnes^Cheshire^WA8 7AA^GBR^H",
        "PD1|||APPLETON VILLAGE SURGERY^^N81035",
        "PV1|1|I|WARD12^BED4^^RWW||||C1234567^Consultant^Clare^^^Dr||||||||||||V0000101|||||||||||||||||1|19|||||||20260710091500|20260714143000",
        "DG1|1||I21.4^Acute subendocardial myocardial infarction^I10|||F",
        "PR1|1||H22.9^Diagnostic endoscopic examination of colon, unspecified^OPCS4||20260711103000",
        "AL1|1|DA|^Penicillin",
    ]
    return ("\r".join(segments) + "\r").encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=int, default=100)
    args = parser.parse_args()

    sock = socket.create_connection((args.host, args.port))
    sock.settimeout(30)
    numbers = nhs_numbers(int(time.time()) % 900000)
    interval = 1.0 / args.rate
    total = args.warmup + int(args.rate * args.seconds)
    latencies = []
    buffer = b""
    next_send = time.perf_counter()
    started = None
    for i in range(total):
        if i == args.warmup:
            started = time.perf_counter()
        now = time.perf_counter()
        if now < next_send:
            time.sleep(next_send - now)
        next_send += interval
        control = f"LAT{int(time.time())}-{i}"
        sent = time.perf_counter()
        sock.sendall(b"\x0b" + message(control, next(numbers)) + b"\x1c\r")
        while b"\x1c\r" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise SystemExit("connection closed by the adapter")
            buffer += chunk
        frame, buffer = buffer.split(b"\x1c\r", 1)
        acked = time.perf_counter()
        if b"MSA|AA|" + control.encode() not in frame:
            raise SystemExit(f"unexpected answer for {control}: {frame!r}")
        if i >= args.warmup:
            latencies.append((acked - sent) * 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(f"mllp-handoff {len(latencies)} msgs, asked {args.rate:g}/s, achieved {len(latencies) / elapsed:.0f}/s: p50 {p(0.50):.2f} ms, "
          f"p99 {p(0.99):.2f} ms, max {latencies[-1]:.2f} ms, mean {statistics.mean(latencies):.2f} ms")


if __name__ == "__main__":
    main()
