"""Shared benchmark plumbing: throwaway PostgreSQL databases, a seeded helpdesk, gunicorn and wrk runs.

Everything listens on the loopback interface; every database is created for the
run and dropped at the end (set BENCH_KEEP=1 to keep it for inspection).
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET_KEY = "bench-secret-key-not-for-production"
PASSWORD = "mot-de-passe-de-charge"
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
JURISTS = 3


@contextmanager
def throwaway_postgres(prefix: str):
    """Create an empty PostgreSQL database for the run and drop it afterwards; yield its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(PG_SERVER)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        if not os.environ.get("BENCH_KEEP"):
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Each benchmark member files far more questions than a member's daily limit allows.
BENCH_QUESTIONS_PER_DAY = 10**9


def helpdesk_app(url: str, index_dir: str, **config):
    """The helpdesk app on `url`, configured as the served one."""
    from helpdesk import create_app

    # Its accounts are @exemple.test, a special-use domain the account service refuses unless allowed.
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": index_dir, "SECRET_KEY": SECRET_KEY,
                       "SESSION_COOKIE_SECURE": False, "QUESTIONS_PER_DAY": BENCH_QUESTIONS_PER_DAY,
                       "EMAIL_ALLOW_SPECIAL_DOMAINS": True, **config})


def migrate(app) -> None:
    """Apply the migrations, as `flask db upgrade` does."""
    import flask_migrate

    with app.app_context():
        flask_migrate.upgrade()


def seed_members(app, count: int) -> dict:
    """One structure, `count` members sharing PASSWORD, JURISTS jurists, a theme; return the emails and theme id."""
    from sqlalchemy import insert

    from helpdesk.auth.services import create_user
    from helpdesk.demo import luhn_siret
    from helpdesk.extensions import db
    from helpdesk.models import Structure, Theme, User

    with app.app_context():
        structure = Structure(name="Structure de charge", siret=luhn_siret("9" * 13), type="ACI",
                              region="bretagne", active=True)
        theme = Theme(name="Charge", slug="charge", active=True)
        db.session.add_all([structure, theme])
        db.session.commit()
        first = create_user("charge-1@exemple.test", "Membre Charge 1", PASSWORD, "member", structure.id)
        # The federation's jurists: each new question notifies every one of them through the outbox.
        db.session.execute(insert(User), [
            {"email": f"juriste-{n}@exemple.test", "name": f"Juriste Charge {n}", "password_hash": first.password_hash,
             "role": "jurist", "structure_id": None, "active": True} for n in range(1, JURISTS + 1)])
        # Hashing is deliberately slow: reuse the first member's hash for the others.
        others = [{"email": f"charge-{n}@exemple.test", "name": f"Membre Charge {n}", "password_hash": first.password_hash,
                   "role": "member", "structure_id": structure.id, "active": True} for n in range(2, count + 1)]
        if others:
            db.session.execute(insert(User), others)
        db.session.commit()
        return {"emails": [f"charge-{n}@exemple.test" for n in range(1, count + 1)], "theme_id": theme.id}


def sync_indexes(app, timeout: float = 120.0):
    """Apply the change log to the run's indexes (building them when absent)."""
    from helpdesk.kb import indexing

    with app.app_context():
        return indexing.sync(timeout=timeout)


def index_consistent(app) -> dict[str, bool]:
    """{index: consistent} after one final sync, as `flask kb check` reports it."""
    from helpdesk.kb import indexing

    with app.app_context():
        indexing.sync(timeout=120.0)
        return {name: indexing.check(name).consistent for name in indexing.INDEXES}


def free_port() -> int:
    """An unused loopback TCP port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_settings(smtp_port: int) -> dict:
    """Mail through the loopback SMTP server, with quick retries and claim takeover, so that a fault run
    sees the outbox drain within seconds."""
    return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_TIMEOUT": 5,
            "MAIL_RETRY_BASE_SECONDS": 1, "MAIL_RETRY_MAX_SECONDS": 4, "MAIL_MAX_ATTEMPTS": 30,
            "MAIL_CLAIM_TIMEOUT_SECONDS": 10}


def helpdesk_env(url: str, index_dir: str, smtp_port: int, sync_in_request: bool = False) -> dict:
    """Environment of the served helpdesk, as `make serve` sets it, mailing through the SMTP server on `smtp_port`."""
    settings = {"SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": index_dir, "SECRET_KEY": SECRET_KEY,
                "SESSION_COOKIE_SECURE": "false", "SEARCH_SYNC_AFTER_REQUEST": "true" if sync_in_request else "false",
                "MAIL_SEND_AFTER_REQUEST": "false",
                # Every benchmark client logs in from 127.0.0.1: the per-address login limit would refuse them.
                "LOGIN_RATE_LIMIT": "1000 per minute",
                "QUESTIONS_PER_DAY": BENCH_QUESTIONS_PER_DAY,
                **mail_settings(smtp_port)}
    return {**os.environ, **{f"HELPDESK_{name}": str(value) for name, value in settings.items()}}


class Gunicorn:
    """A gunicorn master started with the project's gunicorn.conf.py, on a loopback port."""

    def __init__(self, target: str, workers: int, env: dict, log_path: Path, ready_path: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), target],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            env={**env, "GUNICORN_WORKERS": str(workers), "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                 "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"})
        self.wait_ready(ready_path)

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        """Wait until `path` answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.url}{path} not ready after {timeout} s")

    def worker_pids(self) -> list[int]:
        """The current worker processes of this master."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then wait."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Loop:
    """A long-lived `flask` loop as `make serve` starts it (same arguments, so the same niceness and pace): the
    indexer or the mail sender."""

    COMMANDS = {"indexer": ["kb", "sync", "--loop"],
                "mailer": ["mail", "send-pending", "--loop", "--interval", "2"]}

    def __init__(self, name: str, env: dict, log_path: Path):
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([str(BIN / "flask"), "--app", "helpdesk", *self.COMMANDS[name]],
                                        cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def stop(self) -> None:
        """Stop the loop."""
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class SmtpSink:
    """A loopback SMTP server that counts the mails it accepts by Message-ID; it can refuse mail for a while.

    An outage answers every message with 421 (try again later) rather than killing the server: a server
    killed between counting a message and sending its 250 makes the sender try again, the at-least-once
    window SMTP itself leaves (docs/performance.md, « Fault runs »), which a fault run cannot tell apart
    from a real duplicate.
    """

    def __init__(self):
        self.port = free_port()
        self.received: dict[str, int] = {}
        self.down = False
        self.controller = None
        self.start()

    async def handle_DATA(self, server, session, envelope):
        """Count the accepted mail, or refuse it during an outage."""
        from email import message_from_bytes

        if self.down:
            return "421 4.3.2 Service not available, try again later"
        message_id = message_from_bytes(envelope.content)["Message-ID"]
        self.received[message_id] = self.received.get(message_id, 0) + 1
        return "250 OK"

    def start(self) -> None:
        """Accept connections."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def outage(self, down: bool) -> None:
        """Start (True) or end (False) a mail server outage: every message refused meanwhile."""
        self.down = down

    def stop(self) -> None:
        """Shut the server down."""
        self.controller.stop()


def verify_notifications(app, sink: SmtpSink) -> dict:
    """Every queued notification delivered exactly once: compare the outbox with what the SMTP server received."""
    from sqlalchemy import select

    from helpdesk.extensions import db
    from helpdesk.models import OutboxEmail

    with app.app_context():
        rows = db.session.execute(select(OutboxEmail.status, OutboxEmail.headers)).all()
        db.session.remove()
    queued = {row.headers["Message-ID"] for row in rows}
    return {"queued": len(rows), "undelivered": len(queued - sink.received.keys()),
            "delivered twice": sum(1 for count in sink.received.values() if count > 1),
            "unknown": len(sink.received.keys() - queued)}


def drain_outbox(app, timeout: float = 60.0) -> None:
    """Send whatever is still due, waiting for scheduled retries, until the outbox holds no pending mail."""
    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.mail.sender import send_pending
    from helpdesk.models import OutboxEmail

    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            send_pending()
            waiting = db.session.scalar(select(func.count()).select_from(OutboxEmail).where(
                OutboxEmail.status.in_(("pending", "sending"))))
            db.session.remove()
            if not waiting:
                return
            time.sleep(0.5)


def wait_for_loops(app, timeout: float = 300.0) -> float | None:
    """Seconds until the running loops have sent every due mail and indexed every change (None: not within
    `timeout`): how long the backlog a load left behind takes to drain."""
    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.kb import indexing
    from helpdesk.models import OutboxEmail

    started = time.monotonic()
    with app.app_context():
        while time.monotonic() - started < timeout:
            mail = db.session.scalar(select(func.count()).select_from(OutboxEmail).where(
                OutboxEmail.status.in_(("pending", "sending"))))
            changes = sum(indexing.status(name).pending_changes for name in indexing.INDEXES)
            db.session.remove()
            if not mail and not changes:
                return time.monotonic() - started
            time.sleep(0.2)
    return None


def open_session(port: int, email: str) -> tuple[str, str]:
    """Log a member in through the login form as a browser does; return the session cookie and the CSRF token
    of the new-question form."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cookies: dict[str, str] = {}

    def exchange(method: str, path: str, fields: dict | None = None) -> str:
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
        if fields is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=fields and urllib.parse.urlencode(fields), headers=headers)
        response = connection.getresponse()
        page = response.read().decode()
        # A login sets the session and the device cookie: keep each one, as a browser does.
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, value = header.split(";", 1)[0].partition("=")
            cookies[name] = value
        if method == "POST" and response.status != 302:
            raise RuntimeError(f"login of {email} refused ({response.status})")
        return page

    try:
        page = exchange("GET", "/connexion")
        exchange("POST", "/connexion", {"csrf_token": CSRF_TOKEN.search(page).group(1), "email": email,
                                        "password": PASSWORD})
        token = CSRF_TOKEN.search(exchange("GET", "/questions/nouvelle")).group(1)
    finally:
        connection.close()
    return "; ".join(f"{name}={value}" for name, value in cookies.items()), token


def run_wrk(script: Path, url: str, clients: int, duration: float, env: dict) -> dict:
    """Run wrk with one thread per connection (each thread is one logged-in client); return its JSON summary."""
    command = ["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{round(duration)}s", "--timeout", "10s",
               "-s", str(script), url]
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, check=True)
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no summary from wrk:\n{result.stdout}\n{result.stderr}")


def workdir(prefix: str) -> Path:
    """A temporary directory for the run's indexes and logs."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-"))


def print_table(headers: list[str], rows: list[list]) -> None:
    """Print a Markdown table (pasted as is into docs/performance.md)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(header), *(len(row[i]) for row in cells)) for i, header in enumerate(headers)]
    print("| " + " | ".join(header.ljust(width) for header, width in zip(headers, widths)) + " |")
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in cells:
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")
