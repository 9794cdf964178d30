"""Helpdesk juridique: a legal help desk for a federation of social enterprises."""
import os
import secrets
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError
from werkzeug.middleware.proxy_fix import ProxyFix

from helpdesk.collation import register_sqlite_collation
from helpdesk.command_output import CommandError
from helpdesk.like import register_sqlite_functions

ROOT = Path(__file__).resolve().parent.parent


def _persistent_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it once (safe when several workers start together)."""
    key_file = instance_path / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


class DatabaseURLError(CommandError):
    """SQLALCHEMY_DATABASE_URI names no database this app can open (flask commands print « Erreur : » and the message)."""


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands, error pages."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from helpdesk.main.query_args import BoundedIntegerConverter

    # Before any blueprint: rules pick their converters when they are added.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.config.from_object("helpdesk.config")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{ROOT / 'instance' / 'helpdesk.sqlite'}"
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("HELPDESK")
    else:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("INDEX_DIR", str(Path(app.instance_path) / "index"))
    app.config.setdefault("UPLOAD_DIR", str(Path(app.instance_path) / "uploads"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _persistent_secret_key(Path(app.instance_path))

    from helpdesk.extensions import csrf, db, limiter, login_manager, migrate
    from helpdesk.main.query_args import refuse_undecodable_input

    # First of the request hooks: the CSRF check and the views read the form only once it is known to be readable.
    app.before_request(refuse_undecodable_input)
    try:
        db.init_app(app)
    except (ArgumentError, ImportError) as error:  # an unknown scheme, a driver not installed, not a URL at all
        unusable = DatabaseURLError(
            f"HELPDESK_SQLALCHEMY_DATABASE_URI n'est pas une adresse de base utilisable ({error}) : attendu "
            "postgresql+psycopg://utilisateur@hôte/base ou sqlite:////chemin/absolu/helpdesk.sqlite.")
        if click.get_current_context(silent=True) is not None:
            # Loaded by `flask`: its `--help` prints the traceback of any error loading the app (but NoAppException,
            # after which every command of the app is "No such command"); the message alone is all an operator needs.
            unusable.show()
            raise SystemExit(unusable.exit_code) from error
        raise unusable from error
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    from helpdesk import models  # noqa: F401  (registers the tables)
    from helpdesk.admin import bp as admin_bp
    from helpdesk.api import bp as api_bp
    from helpdesk.attachments import bp as attachments_bp
    from helpdesk.audit import bp as audit_bp
    from helpdesk.auth import bp as auth_bp
    from helpdesk.flash import bp as flash_bp
    from helpdesk.kb import bp as kb_bp
    from helpdesk.mail import bp as mail_bp
    from helpdesk.main import bp as main_bp
    from helpdesk.privacy import bp as privacy_bp
    from helpdesk.ops import bp as ops_bp
    from helpdesk.queue import bp as queue_bp
    from helpdesk.stats import bp as stats_bp
    from helpdesk.tickets import bp as tickets_bp
    from helpdesk.triage import bp as triage_bp
    from helpdesk.triage import routes as _triage_routes, subscribers as _triage_subscribers  # noqa: F401
    from helpdesk.webinars import bp as webinars_bp

    for blueprint in (main_bp, auth_bp, tickets_bp, queue_bp, kb_bp, admin_bp, attachments_bp, mail_bp, triage_bp,
                      audit_bp, privacy_bp, api_bp, webinars_bp, flash_bp, ops_bp, stats_bp):
        app.register_blueprint(blueprint)

    from helpdesk import cli, i18n, security_headers, templating
    from helpdesk.kb.indexing import sync_after_request
    from helpdesk.ops import logs

    app.after_request(sync_after_request)
    logs.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Trust exactly that many reverse proxies for the client address, scheme, host, port and prefix.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count)

    from helpdesk.auth import passwords  # noqa: F401  (subscribes: invitation and reset mails)
    from helpdesk.mail import notifications  # noqa: F401  (subscribes: notification mails)
    from helpdesk.mail.sender import send_after_request

    app.after_request(send_after_request)

    cli.register(app)
    security_headers.register(app)
    templating.register(app)
    i18n.register(app, str(ROOT / "translations"))
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, allow concurrent readers, wait on locks, fold accented capitals (unicode_lower),
    sort names in French order."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
        register_sqlite_functions(dbapi_connection)
        register_sqlite_collation(dbapi_connection)
