#!/usr/bin/env python3
"""A loopback HTTP relay in front of the MESH sandbox, for the delivery worker's kill test.

Every request goes on to MESH and its answer comes back, except the answer to
the first send (POST .../outbox): MESH takes that message, and its answer is
held back for ever. The worker is then killed between MESH taking the message
and recording `sent`, for certain, however quick it is. (mesh-peer.py's
lose-answers proxy loses every answer, so a worker that asks tracking before
sending never gets as far as sending through it.)

    mesh-hold-proxy.py --port PORT --target-port SANDBOX_PORT

Prints "ready" once it listens and "held" when it holds the send's answer.
"""
import argparse
import http.client
import http.server
import sys
import threading

held = threading.Event()
never = threading.Event()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target-port", type=int, required=True)
    args = parser.parse_args()

    class Relay(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def relay(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            upstream = http.client.HTTPConnection("127.0.0.1", args.target_port, timeout=60)
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            upstream.close()
            is_send = self.command == "POST" and self.path.rstrip("/").endswith("/outbox")
            if is_send and not held.is_set():
                held.set()
                print("held", flush=True)
                never.wait()
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = relay

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Relay)
    server.daemon_threads = True
    print("ready", flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
