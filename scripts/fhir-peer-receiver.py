#!/usr/bin/env python3
"""A FHIR server we did not write, for the delivery tests: every POSTed body
is validated as a FHIR Bundle by fhir.resources (R4B models) and answered

  201 when it is a valid document Bundle,
  400 with an OperationOutcome when it is not,
  or, with --answer 503 (or 429), that status and --retry-after SECONDS.

    .venv/bin/python scripts/fhir-peer-receiver.py --port PORT --record FILE

Each request is appended to --record as one line: the status answered, the
X-Request-ID header, the Bundle id (or "-") and the Authorization scheme
("Bearer" or "-"). Listens on 127.0.0.1 only; stops on SIGTERM or when the
process that started it is gone.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fhir.resources.R4B.bundle import Bundle


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--answer", type=int, choices=[201, 429, 503], default=201)
    parser.add_argument("--retry-after", type=int)
    return parser.parse_args()


def main(args):
    record = open(args.record, "a", encoding="utf-8", buffering=1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            bundle_id = "-"
            status, answer = args.answer, None
            if status == 201:
                try:
                    bundle = Bundle.model_validate_json(body)
                    bundle_id = bundle.id or "-"
                    if bundle.type != "document":
                        raise ValueError(f"Bundle.type is {bundle.type}, not document")
                except Exception as error:  # fhir.resources' refusal is the answer
                    status = 400
                    answer = {"resourceType": "OperationOutcome", "issue": [
                        {"severity": "error", "code": "invalid", "diagnostics": str(error)[:500]}]}
            scheme = (self.headers.get("Authorization") or "-").split(" ")[0]
            with lock:
                record.write(f"{status} {self.headers.get('X-Request-ID', '-')} {bundle_id} {scheme}\n")
            payload = json.dumps(answer).encode() if answer else b""
            self.send_response(status)
            if status in (429, 503) and args.retry_after is not None:
                self.send_header("Retry-After", str(args.retry_after))
            if payload:
                self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *arguments):
            pass  # the record file is the log; nothing of the bodies is printed

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: threading.Thread(target=server.shutdown).start())
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(1)
        server.shutdown()

    threading.Thread(target=watch_parent, daemon=True).start()
    print(f"listening {args.port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(parse_arguments()))
