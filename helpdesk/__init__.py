"""Helpdesk juridique: a legal help desk for a federation of social enterprises."""
import os
import secrets
import tempfile
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
# The key written by _persistent_secret_key: 32 random bytes in hexadecimal.
MIN_GENERATED_KEY_LENGTH = 64
# A key configured for production (HELPDESK_SECRET_KEY, instance/config.py) is refused below this length: a short or
# placeholder value (« x », « ... », « changeme ») can be guessed, and with it links, device cookies and reply
# addresses forged.
MIN_PRODUCTION_KEY_LENGTH = 32


def _persistent_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it once (safe when several workers start together): the key is
    written whole to a private file first and then linked to its name, so no worker ever reads it half-written."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        fd, draft = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
            os.link(draft, key_file)
        except FileExistsError:
            pass  # another worker's key came first: every worker uses that one
        finally:
            os.unlink(draft)
    key = key_file.read_text().strip()
    if len(key) < MIN_GENERATED_KEY_LENGTH:
        raise SecretKeyError(
            f"{key_file} ne contient pas de clé secrète utilisable : supprimez ce fichier (une nouvelle clé sera créée "
            "au démarrage) ou définissez HELPDESK_SECRET_KEY.")
    return key


class SecretKeyError(CommandError):
    """No usable secret key: the instance's key file is empty or truncated (signing with it would let anyone forge
    links and reply addresses), or production has none configured, or a short one."""


def _production_secret_key(app: Flask) -> str | None:
    """Production's refusal of its configuration's secret key (None when it is fit): none at all, or one shorter
    than MIN_PRODUCTION_KEY_LENGTH. Every machine behind a load balancer must sign with the same key, so a key of
    this machine's own (the instance folder's, which `make run` creates) would end every session and form moved to
    another machine; a short or placeholder one can be guessed."""
    key = app.config.get("SECRET_KEY")
    advice = (f"python -c 'import secrets; print(secrets.token_hex(32))' en donne une aléatoire de "
              f"{MIN_PRODUCTION_KEY_LENGTH} caractères ou plus, à donner à chaque machine")
    if not key:
        return ("Aucune clé secrète n'est configurée (HELPDESK_SECRET_KEY ou instance/config.py). En production, "
                f"toutes les machines signent avec la même clé ; {advice}. No secret key is configured "
                "(HELPDESK_SECRET_KEY or instance/config.py). In production every machine signs with the same "
                f"random key of {MIN_PRODUCTION_KEY_LENGTH} characters or more.")
    if len(key) < MIN_PRODUCTION_KEY_LENGTH:
        return (f"La clé secrète configurée (HELPDESK_SECRET_KEY ou instance/config.py) fait moins de "
                f"{MIN_PRODUCTION_KEY_LENGTH} caractères ; {advice}. The configured secret key is shorter than "
                f"{MIN_PRODUCTION_KEY_LENGTH} characters. Use a random one, the same on every machine.")
    return None


class DatabaseURLError(CommandError):
    """SQLALCHEMY_DATABASE_URI names no database this app can open (flask commands print « Erreur : » and the message)."""


def _refuse_to_start(refusal: CommandError, cause: Exception | None):
    """Stop loading the app with the refusal's French message (alone under `flask`, raised otherwise)."""
    if click.get_current_context(silent=True) is not None:
        # Loaded by `flask`: its `--help` prints the traceback of any error loading the app (but NoAppException,
        # after which every command of the app is "No such command"); the message alone is all an operator needs.
        refusal.show()
        raise SystemExit(refusal.exit_code) from cause
    raise refusal from cause


def create_app(test_config: dict | None = None, production: bool = False) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands, error pages. In `production`
    (gunicorn's wsgi.py, every command of `make serve`), it refuses to start without a configured secret key fit
    for several machines; otherwise a missing one is created in the instance folder (`make run`, one machine)."""
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
    refusal = _production_secret_key(app) if production else None
    if refusal is not None:
        _refuse_to_start(SecretKeyError(refusal), None)
    if not app.config.get("SECRET_KEY"):
        try:
            app.config["SECRET_KEY"] = _persistent_secret_key(Path(app.instance_path))
        except SecretKeyError as error:
            _refuse_to_start(error, None)

    from helpdesk.extensions import csrf, db, limiter, login_manager, migrate
    from helpdesk.main.query_args import refuse_undecodable_input

    # First of the request hooks after the request id (helpdesk.ops.logs): the CSRF check and the views read the form
    # only once it is known to be readable.
    app.before_request(refuse_undecodable_input)
    try:
        db.init_app(app)
    except (ArgumentError, ImportError) as error:  # an unknown scheme, a driver not installed, not a URL at all
        unusable = DatabaseURLError(
            f"HELPDESK_SQLALCHEMY_DATABASE_URI n'est pas une adresse de base utilisable ({error}) : attendu "
            "postgresql+psycopg://utilisateur@hôte/base ou sqlite:////chemin/absolu/helpdesk.sqlite.")
        _refuse_to_start(unusable, error)
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
