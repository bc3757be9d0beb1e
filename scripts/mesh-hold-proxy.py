#!/usr/bin/env python3
"""A loopback HTTP relay in front of the MESH sandbox, for the kill tests.

Every request goes on to MESH and its answer comes back, except one, held for
ever, so that a process can be killed at that point for certain, however
quick it is:

--hold send (default): the answer to the first send (POST .../outbox). MESH
  takes the message; the delivery worker never hears (killed between MESH
  taking it and recording `sent`). (mesh-peer.py's lose-answers proxy loses
  every answer, so a worker that asks tracking before sending never gets as
  far as sending through it.)
--hold acknowledge: the first acknowledgement of a download (PUT
  .../status/acknowledged), which never reaches MESH. The adapter source has
  published and answered; the message stays in its inbox.

    mesh-hold-proxy.py --port PORT --target-port SANDBOX_PORT [--hold send|acknowledge]

Prints "ready" once it listens and "held" when it holds the request.
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
    parser.add_argument("--hold", choices=["send", "acknowledge"], default="send")
    args = parser.parse_args()

    class Relay(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def relay(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            is_acknowledge = self.command == "PUT" and self.path.rstrip("/").endswith("/status/acknowledged")
            if args.hold == "acknowledge" and is_acknowledge and not held.is_set():
                held.set()
                print("held", flush=True)
                never.wait()
            upstream = http.client.HTTPConnection("127.0.0.1", args.target_port, timeout=60)
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            upstream.close()
            is_send = self.command == "POST" and self.path.rstrip("/").endswith("/outbox")
            if args.hold == "send" and is_send and not held.is_set():
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
