#!/usr/bin/env python3
"""A real webhook receiver and SMTP server for Railyard's notification tests.

receiver.py --out FILE --ready FILE --secret S [--http-port N] [--smtp-port N]

HTTP (POST):
  /hook/NAME     checks X-Railyard-Signature-256 (HMAC-SHA256 of the body with S), answers 200
  /status/CODE   answers CODE (a receiver that is failing)
  /away          answers 302 to the same path on 127.0.0.2 (another host): must not be followed
  /hang          the first request is answered only after 60 s (a receiver that stalls), later ones at once
SMTP (aiosmtpd): accepts every message.

Every request and message becomes one JSON line in --out; the ports are written to --ready
once both servers listen. Runs until killed.
"""
import argparse, email, hashlib, hmac, json, os, signal, sys, threading, time
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

# A parent may spawn us with signals blocked (Foundation's Process does): SIGTERM must stop us.
signal.pthread_sigmask(signal.SIG_SETMASK, [])

parser = argparse.ArgumentParser()
parser.add_argument("--out", required=True)
parser.add_argument("--ready", required=True)
parser.add_argument("--secret", required=True)
parser.add_argument("--http-port", type=int, default=0)
parser.add_argument("--smtp-port", type=int, default=0)
args = parser.parse_args()

lock = threading.Lock()
hung = threading.Event()


def record(entry):
    with lock, open(args.out, "a") as out:
        out.write(json.dumps(entry, sort_keys=True) + "\n")
        out.flush()


class Hook(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signature = self.headers.get("X-Railyard-Signature-256")
        expected = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
        entry = {
            "route": "webhook", "path": self.path, "delivery": self.headers.get("X-Railyard-Delivery"),
            "event": self.headers.get("X-Railyard-Event"), "signed": signature is not None,
            "signature_ok": signature is not None and hmac.compare_digest(signature, expected),
            "content_type": self.headers.get("Content-Type"),
        }
        try:
            entry["body"] = json.loads(body)
        except ValueError:
            entry["body"] = None
        if self.path.startswith("/status/"):
            status = int(self.path.split("/")[2])
        elif self.path.startswith("/away"):
            status = 302
        else:
            status = 200
        entry["status"] = status
        record(entry)
        if self.path.startswith("/hang") and not hung.is_set():
            hung.set()
            time.sleep(60)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "http://127.0.0.2:%d%s" % (self.server.server_address[1], self.path))
        self.send_header("Content-Length", "0")
        self.end_headers()


class Mail:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        record({
            "route": "mail", "from": envelope.mail_from, "rcpt": envelope.rcpt_tos,
            "delivery": message["X-Railyard-Delivery"], "message_id": message["Message-ID"],
            "subject": str(message["Subject"]), "to": str(message["To"]), "date": str(message["Date"]),
            "body": message.get_content(),
        })
        return "250 OK"


http = ThreadingHTTPServer(("127.0.0.1", args.http_port), Hook)
threading.Thread(target=http.serve_forever, daemon=True).start()
smtp_port = args.smtp_port
if smtp_port == 0:
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    smtp_port = s.getsockname()[1]
    s.close()
controller = Controller(Mail(), hostname="127.0.0.1", port=smtp_port)
controller.start()
with open(args.ready + ".tmp", "w") as ready:
    json.dump({"http": http.server_address[1], "smtp": smtp_port}, ready)
os.rename(args.ready + ".tmp", args.ready)
while True:
    time.sleep(3600)
