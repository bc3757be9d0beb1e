#!/usr/bin/env python3
"""The other end of a MESH conversation, played by NHS England's mesh-client (PyPI mesh-client).

The Swift MESH client's tests use it as an independent peer: what Swift sends, this receives; what
this sends (chunked, gzip), Swift must receive. Run it with the repository's .venv (scripts/setup.sh).

  mesh-peer.py send --url U --mailbox M --to R --workflow W --local-id L [--subject S] [--file-name F]
                    [--chunk-size N] [--compress] FILE
      sends FILE's bytes; prints MESH's message id.
  mesh-peer.py receive --url U --mailbox M --out DIR [--ack]
      downloads every message in the inbox into DIR/<message id>; prints one JSON line of headers
      per message; acknowledges each when --ack.
  mesh-peer.py bench --url U --mailbox M --to R --count N --bytes B
      sends N messages of B bytes (gzip) one at a time; prints messages per second (the comparison
      for `make bench-mesh`).
  mesh-peer.py lose-answers --port P --target-port T
      a loopback proxy to 127.0.0.1:T that passes each request on and then drops the connection
      instead of answering: a MESH whose answers get lost. Prints "ready" once it listens.

The shared key comes from --shared-key or MESH_SHARED_KEY; the password is "password" unless
--password says otherwise.
"""

import argparse
import asyncio
import json
import os
import sys

from mesh_client import MeshClient


def client(args) -> MeshClient:
    key = (args.shared_key or os.environ.get("MESH_SHARED_KEY", "")).encode("utf-8")
    return MeshClient(
        args.url,
        args.mailbox,
        args.password,
        shared_key=key,
        max_chunk_size=args.chunk_size,
        max_retries=0,
        application_name="hx-mesh-peer",
    )


def send(args) -> int:
    with open(args.file, "rb") as f:
        data = f.read()
    kwargs = {"workflow_id": args.workflow, "local_id": args.local_id}
    if args.subject:
        kwargs["subject"] = args.subject
    if args.file_name:
        kwargs["filename"] = args.file_name
    with client(args) as mesh:
        mesh.handshake()
        message_id = mesh.send_message(args.to, data, compress=args.compress, **kwargs)
    print(message_id)
    return 0


def receive(args) -> int:
    os.makedirs(args.out, exist_ok=True)
    with client(args) as mesh:
        mesh.handshake()
        for message_id in mesh.iterate_message_ids():
            message = mesh.retrieve_message(message_id)
            body = message.read()
            message.close()
            with open(os.path.join(args.out, message_id), "wb") as f:
                f.write(body)
            headers = dict(message.mex_headers())
            print(json.dumps({"message_id": message_id, "size": len(body), "headers": headers}), flush=True)
            if args.ack:
                mesh.acknowledge_message(message_id)
    return 0


def bench(args) -> int:
    import time

    data = bytes((i * 7919) % 61 + 40 for i in range(args.bytes))
    with client(args) as mesh:
        mesh.handshake()
        for n in range(20):
            mesh.send_message(args.to, data, compress=True, workflow_id="TOC_FHIR_IP_DISCH", local_id=f"py-warm-{n}")
        start = time.monotonic()
        for n in range(args.count):
            mesh.send_message(args.to, data, compress=True, workflow_id="TOC_FHIR_IP_DISCH", local_id=f"py-{n}")
        elapsed = time.monotonic() - start
    print(f"{args.count / elapsed:.1f}")
    return 0


async def lose_answers(args) -> int:
    async def handle(reader, writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", args.target_port)

            async def forward():
                while data := await reader.read(65536):
                    upstream_writer.write(data)
                    await upstream_writer.drain()

            forwarding = asyncio.ensure_future(forward())
            # The first byte of MESH's answer means it has acted on the request: drop everything.
            await upstream_reader.read(1)
            forwarding.cancel()
            upstream_writer.close()
        except OSError:
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("send", "receive", "bench"):
        p = sub.add_parser(name)
        p.add_argument("--url", required=True)
        p.add_argument("--mailbox", required=True)
        p.add_argument("--password", default="password")
        p.add_argument("--shared-key")
        p.add_argument("--chunk-size", type=int, default=75 * 1024 * 1024)
        if name == "send":
            p.add_argument("--to", required=True)
            p.add_argument("--workflow", required=True)
            p.add_argument("--local-id", required=True)
            p.add_argument("--subject")
            p.add_argument("--file-name")
            p.add_argument("--compress", action="store_true")
            p.add_argument("file")
        elif name == "receive":
            p.add_argument("--out", required=True)
            p.add_argument("--ack", action="store_true")
        else:
            p.add_argument("--to", required=True)
            p.add_argument("--count", type=int, default=300)
            p.add_argument("--bytes", type=int, default=12000)
    p = sub.add_parser("lose-answers")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--target-port", type=int, required=True)
    args = parser.parse_args()
    if args.command == "send":
        return send(args)
    if args.command == "receive":
        return receive(args)
    if args.command == "bench":
        return bench(args)
    return asyncio.run(lose_answers(args))


if __name__ == "__main__":
    sys.exit(main())
