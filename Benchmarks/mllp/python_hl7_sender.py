#!/usr/bin/env python3
"""The baseline of `make bench-deliver`: a plain python-hl7 MLLP sender. It reads
HL7 v2 messages (one per line of FILE, segments separated by "\\r" escaped as
"\\\\r"), sends them over one connection with hl7.mllp, waits for each ACK, and
prints "sent N in S seconds".

  python_hl7_sender.py HOST PORT FILE
"""
import asyncio
import sys
import time

import hl7
import hl7.mllp


async def main(host, port, path):
    with open(path, encoding="utf-8") as f:
        messages = [line.rstrip("\n").replace("\\r", "\r") for line in f if line.strip()]
    reader, writer = await hl7.mllp.open_hl7_connection(host, port)
    started = time.perf_counter()
    for text in messages:
        writer.writemessage(hl7.parse(text))
        await writer.drain()
        ack = await reader.readmessage()
        if str(ack.segment("MSA")[1]) != "AA":
            raise SystemExit(f"not accepted: {ack.segment('MSA')}")
    elapsed = time.perf_counter() - started
    writer.close()
    print(f"sent {len(messages)} in {elapsed:.3f} seconds", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
