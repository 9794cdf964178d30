"""Email fixtures: a real SMTP server (aiosmtpd) on a free loopback port, started or down."""
import pytest

from tests.mail.helpers import SMTPServer


@pytest.fixture
def smtp(app):
    """A running SMTP server receiving the app's mail."""
    server = SMTPServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down(app):
    """An SMTP server configured but not running (start() brings it up)."""
    server = SMTPServer(app)
    yield server
    server.stop()
