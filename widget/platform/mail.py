"""Mail through the SMTP server of `BASKETLIFT_SMTP_URL`: invitations and password resets.

`smtps://` speaks TLS from the start, `smtp+starttls://` must upgrade with STARTTLS, and
`smtp://` sends in clear (for a relay on the same host). A user and password in the URL
(percent-encoded) log in.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from starlette.concurrency import run_in_threadpool

from widget.platform.settings import Settings

TIMEOUT_S = 20.0
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(RuntimeError):
    """The mail server refused the mail or could not be reached."""


@dataclass(frozen=True)
class Mailer:
    url: str
    sender: str

    @classmethod
    def of(cls, settings: Settings) -> Mailer | None:
        """The configured mailer; None when no SMTP server is configured."""
        return None if settings.smtp_url is None else cls(settings.smtp_url, settings.mail_from)

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        parts = urlsplit(self.url)
        host, port = parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme]
        try:
            if parts.scheme == "smtps":
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=TIMEOUT_S, context=ssl.create_default_context()
                )
            else:
                server = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
            with server:
                if parts.scheme == "smtp+starttls":
                    server.starttls(context=ssl.create_default_context())
                if parts.username:
                    server.login(unquote(parts.username), unquote(parts.password or ""))
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"the mail to {to} could not be sent through {host}: {error}") from None

    async def send_async(self, to: str, subject: str, body: str) -> None:
        await run_in_threadpool(self.send, to, subject, body)
