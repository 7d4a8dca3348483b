#!/usr/bin/python3
"""A tiny SMTP server for tests: saves each message it receives to OUT/<n>.eml.

    /usr/bin/python3 tests/smtp/smtp_sink.py [--port 2525] --out /tmp/mail [--fail]

n counts up from 1 (after any <n>.eml already in OUT). Next to each message, <n>.json holds
the envelope (mail_from, rcpt_tos). With --fail every RCPT is answered 550 and nothing is
saved. --port 0 (the default) lets the system pick a free port: nothing can take it between
choosing and binding. Prints "ready PORT" on stdout once it listens; stops on SIGINT or SIGTERM.

Uses Debian's python3-aiosmtpd, so run it with /usr/bin/python3.
"""
import argparse
import json
import os
import re
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out, fail):
        self.out = out
        self.fail = fail
        self.lock = threading.Lock()
        taken = [int(m.group(1)) for m in
                 (re.fullmatch(r"(\d+)\.eml", f) for f in os.listdir(out)) if m]
        self.next = max(taken, default=0) + 1

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.fail:
            return "550 5.1.1 Mailbox unavailable (smtp_sink --fail)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with self.lock:
            n = self.next
            self.next += 1
        base = os.path.join(self.out, str(n))
        # Written under a temporary name first, so a reader never sees half a message.
        for path, body in ((base + ".json", json.dumps(
                {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}).encode()),
                           (base + ".eml", data)):
            with open(path + ".tmp", "wb") as f:
                f.write(body)
            os.replace(path + ".tmp", path)
        return "250 Message accepted"


class BoundController(Controller):
    """Learns the port the system bound (--port 0) before aiosmtpd connects to it."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--out", required=True)
    ap.add_argument("--fail", action="store_true", help="answer every RCPT with 550")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    controller = BoundController(Sink(args.out, args.fail), hostname=args.host, port=args.port)
    controller.start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"ready {controller.port}", flush=True)
    try:
        while not stop.wait(1):  # a timeout keeps the main thread open to signals
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
