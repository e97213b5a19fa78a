#!/usr/bin/python3
"""A real SMTP server for the notify tests (aiosmtpd, Debian python3-aiosmtpd).

Each accepted message is appended to --out as one JSON line: message_id, subject,
recipients, and the text body. --fail-code makes it answer DATA with that code for the
first --fail-count messages (or for all with --fail-count -1), as a mail server under
trouble does. Prints "ready <port>" once it listens; stops on SIGTERM.
"""
import argparse
import asyncio
import email
import email.policy
import json
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, fail_code, fail_count):
        self.out = out
        self.fail_code = fail_code
        self.fail_left = fail_count
        self.failed = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_code and self.fail_left != 0:
            if self.fail_left > 0:
                self.fail_left -= 1
            self.failed += 1
            return f"{self.fail_code} tickflow test sink refuses this one"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        line = {
            "message_id": str(msg["Message-ID"]),
            "subject": str(msg["Subject"]),
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "alarms": int(msg["X-Tickflow-Alarms"] or 0),
            "text": text.get_content() if text is not None else "",
            "html": bool(msg.get_body(preferencelist=("html",))),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
            f.flush()
        return "250 OK"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--fail-code", type=int, default=0)
    p.add_argument("--fail-count", type=int, default=-1)
    a = p.parse_args()
    controller = Controller(Sink(a.out, a.fail_code, a.fail_count), hostname="127.0.0.1", port=a.port)
    controller.start()
    print(f"ready {a.port}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main())
