"""A tiny real SMTP server on 127.0.0.1 for the tests, keeping the mails it receives."""

from __future__ import annotations

import email
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 tests ESMTP")
        body: list[str] | None = None
        for raw in self.rfile:
            line = raw.decode().rstrip("\r\n")
            if body is not None:
                if line == ".":
                    self.server.mails.append(email.message_from_string("\n".join(body)))
                    body = None
                    self._say("250 queued")
                else:
                    body.append(line[1:] if line.startswith("..") else line)
            elif line[:4].upper() == "EHLO":
                self._say("250-tests")
                self._say("250 8BITMIME")
            elif line[:4].upper() == "DATA":
                body = []
                self._say("354 end with .")
            elif line[:4].upper() == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    mails: list[Message]


@contextmanager
def smtp_server() -> Iterator[tuple[str, list[Message]]]:
    """`smtp://127.0.0.1:<port>` of a running server, and the list its mails arrive in."""
    server = _Server(("127.0.0.1", 0), _Session)
    server.mails = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"smtp://127.0.0.1:{server.server_address[1]}", server.mails
    finally:
        server.shutdown()
        server.server_close()


def text_of(mail: Message) -> str:
    """The body of a plain-text mail, decoded from its transfer encoding."""
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()
