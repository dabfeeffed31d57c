from __future__ import annotations

import pytest

from tests.servers import free_port
from tests.smtp import smtp_server, text_of
from widget.platform.mail import Mailer, MailError
from widget.platform.settings import Settings


def test_no_smtp_url_means_no_mailer() -> None:
    assert Mailer.of(Settings()) is None


def test_a_mail_reaches_the_server() -> None:
    with smtp_server() as (url, mails):
        mailer = Mailer.of(Settings(smtp_url=url, mail_from="bl@example.com"))
        assert mailer is not None
        mailer.send("cfo@b.example", "Hello", "A line.\n.\nThe end.")
    assert [(m["From"], m["To"], m["Subject"]) for m in mails] == [
        ("bl@example.com", "cfo@b.example", "Hello")
    ]
    assert text_of(mails[0]).splitlines() == ["A line.", ".", "The end."]


def test_an_unreachable_server_is_a_mail_error() -> None:
    with pytest.raises(MailError, match="could not be sent"):
        Mailer(f"smtp://127.0.0.1:{free_port()}", "bl@example.com").send("a@b.example", "s", "b")
