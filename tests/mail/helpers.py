"""Email test helpers: a real SMTP server (aiosmtpd), outbox queries, delivered-message parts, fixture files."""
import html
import re
import socket
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import OutboxEmail
from tests.factories import plain_spaces

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def free_port() -> int:
    """A loopback TCP port nobody listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailRecorder:
    """An aiosmtpd handler keeping every delivered message, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        """Accept and keep the message."""
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        """Messages delivered to this address."""
        return [message for message in self.messages if message["To"] == address]


class SMTPServer:
    """A real SMTP server the tests can start and stop; the app is configured to use it."""

    def __init__(self, app):
        self.port = free_port()
        self.recorder = MailRecorder()
        self.controller = None
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_TIMEOUT=5)

    def start(self) -> None:
        """Listen (again)."""
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused, like a server that is down."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list:
        """Every message delivered so far."""
        return self.recorder.messages


def outbox(**filters) -> list[OutboxEmail]:
    """Outbox rows matching the filters, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail).filter_by(**filters).order_by(OutboxEmail.id)))


def text_part(message) -> str:
    """The plain-text body of a delivered message, its no-break spaces plain."""
    return plain_spaces(message.get_body(preferencelist=("plain",)).get_content())


def html_part(message) -> str:
    """The HTML body of a delivered message, its no-break spaces plain."""
    return plain_spaces(message.get_body(preferencelist=("html",)).get_content())


def link_in(message) -> str:
    """The first https link of a delivered message's text, as a path for the test client."""
    url = re.search(r"https://helpdesk\.example\.test(\S+)", text_part(message)).group(1)
    return url


def fixture_mail(name: str, **values) -> bytes:
    """A fixture message from tests/fixtures/mail, with {{NAME}} placeholders filled in (To: the plain reply
    address unless given)."""
    raw = (FIXTURES / name).read_bytes()
    for key, value in {"TO": "questions@federation.example.test", **values}.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw


def page_text(response) -> str:
    """A response's HTML with entities decoded (apostrophes are escaped)."""
    return html.unescape(response.get_data(as_text=True))
