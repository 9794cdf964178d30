"""Shared fixtures: an app on a freshly migrated database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
import os
import shutil
import uuid

import flask_migrate
import jinja2
import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from helpdesk import create_app
from helpdesk.extensions import db
from tests import factories

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or None
BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "SESSION_COOKIE_SECURE": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "BASE_URL": "https://helpdesk.example.test",
    "MAIL_SENDER": "Helpdesk juridique <helpdesk@federation.example.test>",
    "MAIL_REPLY_TO": "questions@federation.example.test",
    "EMAIL_ALLOW_SPECIAL_DOMAINS": True,
    "PASSWORD_RESET_MIN_SECONDS": 0,  # tests/mail/test_mail_passwords.py checks the delay where it matters
}
# Every test builds its own app; compiling the templates once per run keeps the suite fast.
TEMPLATE_CACHE = jinja2.FileSystemBytecodeCache()


class _PlainSpacesText:
    """A test response whose text reads French typography's no-break spaces as plain ones (« Texte : » as written in
    the tests); its bytes (`response.data`) keep them, for the tests of that typography."""

    def get_data(self, as_text: bool = False):
        """The body; as text, with plain spaces."""
        data = super().get_data(as_text)
        return factories.plain_spaces(data) if as_text else data


class PlainSpacesClient(FlaskClient):
    """The test client of every test app: its responses' text has plain spaces."""

    def __init__(self, *args, **kwargs):
        """A Flask test client whose responses read as _PlainSpacesText."""
        super().__init__(*args, **kwargs)
        self.response_wrapper = type("PlainSpacesTestResponse", (_PlainSpacesText, self.response_wrapper), {})


@event.listens_for(Engine, "connect")
def _commit_without_fsync(dbapi_connection, connection_record):
    """Test databases are throwaway: don't wait for the disk on every commit."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.execute("PRAGMA synchronous=OFF")
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.execute("SET synchronous_commit TO OFF")
        dbapi_connection.commit()


def _migrate(url: str) -> None:
    """Build the schema through the migrations, as production does."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A migrated database for the session: a SQLite template file or a throwaway PostgreSQL database."""
    if not POSTGRES_URL:
        path = tmp_path_factory.mktemp("template") / "template.sqlite"
        _migrate(f"sqlite:///{path}")
        yield f"sqlite:///{path}"
        return
    server = make_url(POSTGRES_URL)
    name = f"helpdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    """An application on an empty, migrated database, with its context pushed."""
    if POSTGRES_URL:
        url = database_url
    else:
        path = tmp_path / "helpdesk.sqlite"
        shutil.copy(make_url(database_url).database, path)
        url = f"sqlite:///{path}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": str(tmp_path / "index"),
                      "MAIL_FILE_DIR": str(tmp_path / "mail"), "UPLOAD_DIR": str(tmp_path / "uploads")})
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    app.test_client_class = PlainSpacesClient
    with app.app_context():
        if POSTGRES_URL:
            _empty_tables()
        yield app
        db.session.remove()
        db.engine.dispose()


def _fresh_g() -> None:
    """Start each request with an empty `g`, as in production: the test's app context outlives requests,
    and Flask-Login (user) and Flask-WTF (CSRF token) cache per-request values in `g`."""
    for name in list(g):
        g.pop(name)


def _empty_tables() -> None:
    """Remove every row left by a previous test (PostgreSQL shares one database per session).

    DELETE and a sequence reset: on tables this small, TRUNCATE costs far more.
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
        if "id" in table.c:
            db.session.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), 1, false)"),
                               {"table": f'"{table.name}"'})
    db.session.commit()


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """A small federation: two structures, their members, two jurists, an admin, a theme."""
    return factories.make_world()


@pytest.fixture
def login(client):
    """Log a user in through the login form: login(user)."""

    def do_login(user, password=factories.PASSWORD):
        client.post("/deconnexion")
        response = client.post("/connexion", data={"email": user.email, "password": password})
        assert response.status_code == 302, "login failed"
        return response

    return do_login
