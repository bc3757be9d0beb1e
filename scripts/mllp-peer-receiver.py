#!/usr/bin/env python3
"""An MLLP receiver we did not write, for the delivery tests: python-hl7's
hl7.mllp asyncio server, standing in for a recipient's interface engine.

    .venv/bin/python scripts/mllp-peer-receiver.py --answer AA --record FILE

Listens on 127.0.0.1 (a free port unless --port), prints "listening PORT"
once ready, and answers each message as told:

  --answer AA|AE|AR    the acknowledgement code (default AA)
  --delay SECONDS      wait this long before answering
  --drop               close the connection instead of answering
  --wrong-control-id   answer with an MSA-2 that is not the message's MSH-10
  --hold-after N       after answering N messages, leave the next one
                       unanswered (recorded as "held") until its sender
                       goes; later messages are answered again. A test can
                       then stop the sender, or this receiver, while the
                       sender is certainly waiting for an answer.

Every message received is appended to --record as one line: its MSH-10, the
answer given ("AA", "AE", "AR" or "drop"), and its MSH-9. Stops on SIGTERM,
or when the process that started it is gone (so it never outlives a test).
"""

import argparse
import asyncio
import os
import signal

import hl7
import hl7.mllp


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--answer", choices=["AA", "AE", "AR"], default="AA")
    parser.add_argument("--delay", type=float, default=0)
    parser.add_argument("--drop", action="store_true")
    parser.add_argument("--wrong-control-id", action="store_true")
    parser.add_argument("--hold-after", type=int)
    parser.add_argument("--record", required=True)
    return parser.parse_args()


async def main(args):
    record = open(args.record, "a", encoding="utf-8", buffering=1)
    answered = 0
    held = False

    async def serve(reader, writer):
        nonlocal answered, held
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                control_id = str(message.segment("MSH")[10])
                kind = str(message.segment("MSH")[9])
                if args.drop:
                    record.write(f"{control_id} drop {kind}\n")
                    writer.close()
                    return
                if args.hold_after is not None and answered == args.hold_after and not held:
                    held = True
                    record.write(f"{control_id} held {kind}\n")
                    # Unanswered until the sender goes (the read fails) or sends again (answered below).
                    message = await reader.readmessage()
                    control_id = str(message.segment("MSH")[10])
                    kind = str(message.segment("MSH")[9])
                if args.delay:
                    await asyncio.sleep(args.delay)
                ack = message.create_ack(ack_code=args.answer)
                if args.wrong_control_id:
                    ack.segment("MSA")[2] = "NOT-" + control_id
                record.write(f"{control_id} {args.answer} {kind}\n")
                answered += 1
                writer.writemessage(ack)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass  # the sender closed the connection
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await hl7.mllp.start_hl7_server(serve, host="127.0.0.1", port=args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    parent = os.getppid()

    async def watch_parent():
        while os.getppid() == parent:
            await asyncio.sleep(1)
        stop.set()

    watcher = asyncio.create_task(watch_parent())
    async with server:
        await stop.wait()
    watcher.cancel()


if __name__ == "__main__":
    asyncio.run(main(parse_arguments()))
