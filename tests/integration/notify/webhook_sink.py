#!/usr/bin/python3
"""A local HTTP receiver for the webhook tests.

Each POST is appended to --out as one JSON line: the status it was answered with, whether
X-Tickflow-Signature matched HMAC-SHA256(--secret, body) (checked here with Python's own
hmac module, independently of tickflow's), the Idempotency-Key and the body. The first
--fail-count requests get --fail-status. Prints "ready <port>"; stops on SIGTERM.
"""
import argparse
import hashlib
import hmac
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--secret", default="")
    p.add_argument("--fail-status", type=int, default=0)
    p.add_argument("--fail-count", type=int, default=0)
    a = p.parse_args()
    lock = threading.Lock()
    state = {"fail_left": a.fail_count}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            expected = "sha256=" + hmac.new(a.secret.encode(), body, hashlib.sha256).hexdigest()
            with lock:
                status = 200
                if a.fail_status and state["fail_left"] != 0:
                    state["fail_left"] -= 1
                    status = a.fail_status
                line = {
                    "status": status,
                    "signature_ok": hmac.compare_digest(expected, self.headers.get("X-Tickflow-Signature", "")),
                    "idempotency_key": self.headers.get("Idempotency-Key", ""),
                    "content_type": self.headers.get("Content-Type", ""),
                    "body": json.loads(body),
                }
                with open(a.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(line) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"ready {a.port}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    server.shutdown()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main())
