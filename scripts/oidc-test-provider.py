#!/usr/bin/env python3
"""A deliberately faulty OpenID Connect provider on loopback, for the console's
browser test of refusals (scripts/console-oidc-browser-test.py).

oidc-provider-mock (the real provider of the test) only issues good tokens.
This one serves discovery, its key set and an authorization endpoint that
sends the browser straight back with a code; its token endpoint answers with
an ID token made wrong in the way last asked for with `POST /mode` (body: one
of good, bad-signature, wrong-audience, expired, nonce-mismatch, no-role).
`GET /last-callback` gives the last callback URL it sent a browser to, so a
test can bring the same state back a second time.

    .venv/bin/python scripts/oidc-test-provider.py --port 9401 --client-id hx-console

Needs `cryptography` (in .venv, as a dependency of oidc-provider-mock).
"""

import argparse
import base64
import json
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MODES = {"good", "bad-signature", "wrong-audience", "expired", "nonce-mismatch", "no-role"}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n):
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


class Provider:
    def __init__(self, issuer, client_id):
        self.issuer = issuer
        self.client_id = client_id
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # Not in the key set: what a forger would sign with.
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.mode = "good"
        self.codes = {}  # code -> nonce
        self.last_callback = ""

    def jwks(self):
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "test-1",
                          "n": b64url(int_bytes(numbers.n)), "e": b64url(int_bytes(numbers.e))}]}

    def id_token(self, nonce):
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client_id, "sub": "test-subject-1", "name": "Test Person",
                  "iat": now, "exp": now + 300, "nonce": nonce, "roles": ["HX.Operator"]}
        if self.mode == "wrong-audience":
            claims["aud"] = "some-other-application"
        elif self.mode == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.mode == "nonce-mismatch":
            claims["nonce"] = "not-the-nonce-of-this-attempt"
        elif self.mode == "no-role":
            claims["roles"] = ["Finance.Reader"]
        header = b64url(json.dumps({"alg": "RS256", "kid": "test-1", "typ": "JWT"}).encode())
        payload = b64url(json.dumps(claims).encode())
        signer = self.other if self.mode == "bad-signature" else self.key
        signature = signer.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{b64url(signature)}"


def handler_for(provider):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body, content_type="application/json", headers=()):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self.reply(200, {"issuer": provider.issuer, "authorization_endpoint": provider.issuer + "/authorize",
                                 "token_endpoint": provider.issuer + "/token", "jwks_uri": provider.issuer + "/jwks",
                                 "id_token_signing_alg_values_supported": ["RS256"]})
            elif url.path == "/jwks":
                self.reply(200, provider.jwks())
            elif url.path == "/authorize":
                code = b64url(__import__("os").urandom(16))
                provider.codes[code] = query.get("nonce", "")
                target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query.get("state", "")})
                provider.last_callback = target
                self.reply(302, b"", "text/plain", [("Location", target)])
            elif url.path == "/last-callback":
                self.reply(200, provider.last_callback.encode(), "text/plain")
            else:
                self.reply(404, {"error": "not_found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if self.path == "/mode":
                if body not in MODES:
                    self.reply(400, {"error": f"mode must be one of {sorted(MODES)}"})
                    return
                provider.mode = body
                self.reply(200, {"mode": body})
            elif self.path == "/token":
                form = dict(urllib.parse.parse_qsl(body))
                nonce = provider.codes.pop(form.get("code", ""), None)
                if nonce is None or not form.get("code_verifier"):
                    self.reply(400, {"error": "invalid_grant"})
                    return
                self.reply(200, {"access_token": "unused", "token_type": "Bearer", "expires_in": 300,
                                 "id_token": provider.id_token(nonce)})
            else:
                self.reply(404, {"error": "not_found"})

        def log_message(self, format, *args):
            sys.stderr.write("oidc-test-provider: " + (format % args) + "\n")

    return Handler


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--client-id", required=True)
    args = parser.parse_args(argv)
    provider = Provider(f"http://127.0.0.1:{args.port}", args.client_id)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(provider))
    print(f"oidc-test-provider on {provider.issuer}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
