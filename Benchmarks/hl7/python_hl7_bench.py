#!/usr/bin/env python3
"""The baseline of `bash Benchmarks/hl7-run.sh`: python-hl7 (PyPI `hl7`) parsing
the same corpus as `hl7-bench` and reading the same fields.

    python3 Benchmarks/hl7/python_hl7_bench.py [--rounds R] [--min-seconds S] CORPUS
    python3 Benchmarks/hl7/python_hl7_bench.py --dump CORPUS

CORPUS: one message per line, segments separated by CR, messages by LF
(make_corpus.py). The file is read and split before any timing.

python-hl7-parse: hl7.parse(message) for each message, then MSH-10, the ID of
every PID-3 repetition, PID-5 family and given name, PV1-45 and DG1-3 of every
DG1, through python-hl7's accessors (which decode escape sequences, as HL7v2
does). Prints `python-hl7-parse COUNT msgs SECONDS s RATE msg/s`, R times. A
measurement repeats the corpus until at least --min-seconds (default 1) have
passed; 1,000 messages go through untimed first (warm-up).

--dump prints the values read, one line per message, in the format of
`hl7-bench --dump`, so the run can check both read the same thing.
"""
import argparse
import sys
import time

import hl7

US = "\x1f"


def read(msg):
    """MSH-10, the IDs of PID-3, PID-5.1, PID-5.2, PV1-45, the DG1-3 of every DG1."""
    pid = msg.segment("PID")
    f = pid[3]
    reps = len(f) if len(f) and isinstance(f[0], hl7.Repetition) else 1
    ids = [pid.extract_field(1, 3, r, 1, 1) for r in range(1, reps + 1)]
    try:
        dg1s = msg.segments("DG1")
    except KeyError:  # python-hl7 raises when there is none
        dg1s = []
    codes = [dg1.extract_field(1, 3, 1, 1, 1) for dg1 in dg1s]
    return (msg["MSH.F10"], ids, msg["PID.F5.R1.C1"], msg["PID.F5.R1.C2"], msg["PV1.F45"], codes)


def parse_and_read(text):
    msh10, ids, family, given, discharged, codes = read(hl7.parse(text))
    return len(msh10) + sum(map(len, ids)) + len(family) + len(given) + len(discharged) + sum(map(len, codes))


def load(path):
    with open(path, encoding="utf-8", newline="") as f:
        messages = [line for line in f.read().split("\n") if line]
    if not messages:
        sys.exit(f"python_hl7_bench: {path} holds no messages")
    return messages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--dump", action="store_true")
    ap.add_argument("corpus")
    a = ap.parse_args()
    messages = load(a.corpus)

    if a.dump:
        out = sys.stdout
        for text in messages:
            msh10, ids, family, given, discharged, codes = read(hl7.parse(text))
            out.write("\t".join([msh10, US.join(ids), family, given, discharged, US.join(codes)]) + "\n")
        return

    for m in messages[:1000]:  # warm-up, not timed
        parse_and_read(m)
    for _ in range(a.rounds):
        count = 0
        start = time.perf_counter()
        while True:
            for m in messages:
                parse_and_read(m)
            count += len(messages)
            elapsed = time.perf_counter() - start
            if elapsed >= a.min_seconds:
                break
        print(f"python-hl7-parse {count} msgs {elapsed:.3f} s {count / elapsed:.0f} msg/s", flush=True)


if __name__ == "__main__":
    main()
