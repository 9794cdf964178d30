"""Models and schema: SIRET checksum, constraints enforced by the database itself, labels, dates."""
import multiprocessing
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpdesk import SecretKeyError, _persistent_secret_key, create_app
from helpdesk.auth.services import create_user
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Event, Message, Structure, Theme, Ticket, User
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.models.structure import siret_is_valid
from helpdesk.i18n import format_date, format_datetime
from tests import factories


def _refused_by_database(instance) -> None:
    """Insert `instance` straight through the ORM and check the database refuses it."""
    db.session.add(instance)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("siret, valid", [
    ("73282932000074", True),          # Luhn checksum correct
    ("73282932000075", False),         # last digit changed
    ("7328293200007", False),          # 13 digits
    ("732829320000740", False),        # 15 digits
    ("7328293200007A", False),         # not only digits
    ("", False),
    ("35600000049837", True),          # La Poste: digit sum multiple of 5, although Luhn fails
    ("35600000049838", False),         # La Poste with a wrong sum
])
def test_siret_checksum(siret, valid):
    assert siret_is_valid(siret) is valid


@pytest.mark.parametrize("field, value", [
    ("type", "COOP"),
    ("region", "atlantide"),
    ("siret", "1234"),
    ("name", "   "),
])
def test_database_refuses_structure_with_bad_value(app, field, value):
    values = {"name": "Structure", "siret": "73282932000074", "type": "ACI", "region": "bretagne"}
    values[field] = value
    _refused_by_database(Structure(**values))


def test_database_refuses_duplicate_siret(app):
    factories.make_structure(siret="73282932000074")
    _refused_by_database(Structure(name="Autre", siret="73282932000074", type="AI", region="corse"))


def _raw_user(**overrides) -> User:
    """A user built without the service (no normalisation, no checks)."""
    values = {"email": "direct@exemple.test", "name": "Direct", "password_hash": "x", "role": "jurist"}
    values.update(overrides)
    return User(**values)


def test_database_refuses_uppercase_email(app):
    _refused_by_database(_raw_user(email="Direct@Exemple.test"))


def test_database_refuses_same_email_twice(app):
    db.session.add(_raw_user())
    db.session.commit()
    _refused_by_database(_raw_user(name="Doublon"))


def test_database_refuses_unknown_role(app):
    _refused_by_database(_raw_user(role="superuser"))


def test_database_refuses_member_without_structure(app):
    _refused_by_database(_raw_user(role="member", structure_id=None))


def test_service_stores_email_lowercased_and_trimmed(app):
    user = create_user("  Alice.Martin@Exemple.TEST ", "Alice Martin", factories.PASSWORD, "jurist")
    assert user.email == "alice.martin@exemple.test"


@pytest.mark.parametrize("duplicate", ["alice@exemple.test", "ALICE@exemple.test", " Alice@Exemple.Test "])
def test_service_refuses_duplicate_email_whatever_its_case(app, duplicate):
    create_user("alice@exemple.test", "Alice", factories.PASSWORD, "jurist")
    with pytest.raises(InvalidInput, match="existe déjà"):
        create_user(duplicate, "Alice bis", factories.PASSWORD, "jurist")
    assert len(db.session.scalars(select(User)).all()) == 1


def test_service_refuses_member_without_structure(app):
    with pytest.raises(InvalidInput, match="rattaché à une structure"):
        create_user("seul@exemple.test", "Seul", factories.PASSWORD, "member")
    assert db.session.scalars(select(User)).all() == []


@pytest.mark.parametrize("field, value", [
    ("status", "archived"),
    ("priority", 7),
    ("priority", -1),
    ("channel", "fax"),
    ("subject", "  "),
])
def test_database_refuses_ticket_with_bad_value(app, field, value):
    member = factories.make_user("member")
    values = {"structure_id": member.structure_id, "author_id": member.id, "subject": "Objet",
              "body": "Corps", "status": "new", "priority": 1, "channel": "web"}
    values[field] = value
    _refused_by_database(Ticket(**values))


def test_database_refuses_blank_message(app):
    member = factories.make_user("member")
    ticket = factories.make_ticket(member)
    _refused_by_database(Message(ticket_id=ticket.id, author_id=member.id, body="   "))


def test_database_refuses_duplicate_theme_name(app):
    factories.make_theme(name="Formation", slug="formation")
    _refused_by_database(Theme(name="Formation", slug="formation-2"))


def test_timestamps_come_back_timezone_aware(app):
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=timezone.utc)
    with frozen_time(moment):
        ticket = factories.make_ticket(factories.make_user("member"))
    db.session.expire_all()
    stored = db.session.get(Ticket, ticket.id).created_at
    assert stored == moment
    assert stored.tzinfo is not None


def test_frozen_time_only_inside_the_block():
    moment = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with frozen_time(moment):
        assert utcnow() == moment
    assert utcnow() > moment


def test_labels_shown_to_users_are_french(app):
    member = factories.make_user("member", factories.make_structure(type="ETTI", region="la-reunion"),
                                 name="Zoé Lambert")
    ticket = factories.make_ticket(member, priority=3)
    assert ticket.status_label == "Nouvelle"
    assert ticket.priority_label == "Urgente"
    assert ticket.channel_label == "En ligne"
    assert not ticket.is_closed
    assert member.structure.type_label == "Entreprise de travail temporaire d'insertion (ETTI)"
    assert member.structure.region_label == "La Réunion"
    assert member.role_label == "Membre"
    assert member.first_name == "Zoé"
    assert ticket.reference in repr(ticket)
    assert member.email in repr(member)
    assert "Structure" in repr(member.structure)


def test_reprs_name_the_object(app):
    member = factories.make_user("member")
    ticket = factories.make_ticket(member)
    note = Message(ticket_id=ticket.id, author_id=member.id, body="x", internal=True)
    theme = factories.make_theme(slug="cse")
    assert "note" in repr(note)
    assert repr(theme) == "<Theme cse>"
    event = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)).one()
    assert repr(event) == f"<Event created on {ticket.id}>"


def test_dates_are_shown_in_paris_time_in_french(app):
    moment = datetime(2026, 11, 28, 8, 15, tzinfo=timezone.utc)
    assert format_datetime(moment) == "28 novembre 2026 à 09:15"
    assert format_datetime(datetime(2026, 7, 14, 22, 30, tzinfo=timezone.utc)) == "15 juillet 2026 à 00:30"
    assert format_date(date(2026, 2, 3)) == "3 février 2026"
    assert format_date(moment) == "28 novembre 2026"
    assert format_datetime(None) == "" and format_date(None) == ""


def test_secret_key_is_created_once_and_then_reused(tmp_path):
    first = _persistent_secret_key(tmp_path)
    assert len(first) == 64
    assert _persistent_secret_key(tmp_path) == first


def test_an_empty_or_truncated_secret_key_file_is_refused_never_used(tmp_path):
    """A key file left empty (a worker stopped between creating and writing it) must not become the key: every link,
    cookie and reply address signed with it could be forged."""
    for content in ("", "\n", "0123abcd"):
        (tmp_path / "secret_key").write_text(content)
        with pytest.raises(SecretKeyError, match="ne contient pas de clé secrète utilisable"):
            _persistent_secret_key(tmp_path)


def test_workers_starting_together_all_read_the_same_whole_key(tmp_path):
    """Eight workers creating the key at once: none reads it half-written, all sign with the one that was kept, and
    no draft file is left behind."""
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        keys = pool.map(_persistent_secret_key, [tmp_path] * 8)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("key, starts", [("x", False), ("...", False), ("changeme-changeme", False),
                                         ("0123456789abcdef0123456789abcdef", True)])
def test_production_refuses_a_short_secret_key(key, starts):
    """gunicorn loads wsgi.py: a placeholder key (the deployment guide's « ... » copied as is) stops it with a French
    message, a long one starts."""
    environment = {**os.environ, "HELPDESK_SECRET_KEY": key}
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=Path(__file__).parent.parent, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode == 0) is starts, result.stderr[-2000:]
    assert ("fait moins de 32 caractères" in result.stderr) is not starts


def _without_secret_key(tmp_path) -> dict:
    """The environment of a machine whose operator configured no secret key, its database in `tmp_path`."""
    environment = {name: value for name, value in os.environ.items() if name != "HELPDESK_SECRET_KEY"}
    return {**environment, "HELPDESK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'helpdesk.sqlite'}"}


def test_gunicorn_refuses_to_start_without_a_configured_secret_key(tmp_path):
    """Two machines behind a load balancer would each sign with a key of their own, and every session or form moving
    between them would end: wsgi.py stops, saying why and how to make one, and creates no key of its own."""
    instance_key = Path(__file__).parent.parent / "instance" / "secret_key"
    existed = instance_key.exists()
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=Path(__file__).parent.parent,
                            env=_without_secret_key(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Aucune clé secrète n'est configurée (HELPDESK_SECRET_KEY ou instance/config.py)" in result.stderr
    assert "No secret key is configured" in result.stderr and "secrets.token_hex(32)" in result.stderr
    assert instance_key.exists() is existed


def test_make_serve_commands_refuse_to_start_without_a_configured_secret_key(tmp_path):
    """`make serve` runs every command (migrations, indexer, mail sender) with the production app: the first one stops
    with the French message alone, before anything is migrated, indexed or mailed."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "helpdesk:create_app(production=True)", "db", "upgrade"],
                            cwd=Path(__file__).parent.parent, env=_without_secret_key(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("Erreur : Aucune clé secrète n'est configurée") and "Traceback" not in result.stderr
    assert not (tmp_path / "helpdesk.sqlite").exists()


def test_make_serve_runs_every_command_with_the_production_app():
    """`make serve` runs its migrations, loops and gunicorn refusing a missing key; `make run` keeps the demo's, with
    a mail sender beside its server."""
    makefile = (Path(__file__).parent.parent / "Makefile").read_text()
    assert "serve: FLASK = $(VENV)/bin/flask --app 'helpdesk:create_app(production=True)'" in makefile
    assert "run: FLASK" not in makefile
    run_recipe = makefile.split("\nrun: install\n")[1].split("\n\n")[0]
    assert "mail send-pending --loop --interval 2" in run_recipe and "trap 'kill $$mailer" in run_recipe
    assert (Path(__file__).parent.parent / "wsgi.py").read_text().count("create_app(production=True)") == 1


def test_production_app_starts_with_a_configured_key_and_refuses_a_short_one(tmp_path, monkeypatch):
    """The production factory takes the key it is given (32 characters or more) and never creates one."""
    monkeypatch.setattr("helpdesk.ROOT", tmp_path)
    key = "0123456789abcdef" * 4
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": key}, production=True)
    assert app.config["SECRET_KEY"] == key
    with pytest.raises(SecretKeyError, match="fait moins de 32 caractères"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "changeme"}, production=True)
    with pytest.raises(SecretKeyError, match="Aucune clé secrète n'est configurée"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, production=True)
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_app_reads_helpdesk_environment_variables(monkeypatch):
    monkeypatch.setenv("HELPDESK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("HELPDESK_QUEUE_PAGE_SIZE", "7")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["QUEUE_PAGE_SIZE"] == 7


def test_app_without_a_secret_key_creates_one_in_its_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("helpdesk.ROOT", tmp_path)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").read_text() == first.config["SECRET_KEY"]
