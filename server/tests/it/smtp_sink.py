"""A loopback SMTP server for matrixd's email tests (aiosmtpd).

Usage: smtp_sink.py OUT_DIR. Binds 127.0.0.1 on a free port, prints the port on stdout, then
writes every message it receives to OUT_DIR/<n>.json as {"from", "to", "subject", "body"}
(the body decoded from its transfer encoding). Runs until killed.
"""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain", "html")) or msg
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(msg.get("subject", "")),
            "body": part.get_content(),
        }
        self.n += 1
        tmp = os.path.join(self.out_dir, f".{self.n}.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.out_dir, f"{self.n}.json"))
        return "250 OK"


async def main():
    sink = Sink(sys.argv[1])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, hostname="smtp-sink.test"), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
