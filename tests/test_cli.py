"""Flask commands (demo data, accounts), the migrations, and the demo walkthrough from the README."""
import os
from email import message_from_bytes, policy
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import click
import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from flask.cli import cli as flask_cli
from sqlalchemy import func, select, text

from helpdesk import DatabaseURLError, create_app, demo
from helpdesk.demo import ACCOUNTS, DEMO_PASSWORD
from helpdesk.extensions import db
from helpdesk.i18n import PARIS, format_date
from helpdesk.models import Attachment, Event, InboundEmail, Message, Satisfaction, Structure, Ticket, User, Webinar
from helpdesk.models._types import UTCDateTime, frozen_time, utcnow
from helpdesk.tickets import services
from helpdesk.triage.deadlines import french_holidays
from tests import factories
from tests.conftest import BASE_CONFIG

DEMO_LOGINS = ["admin@demo.local", "juriste@demo.local", "juriste2@demo.local", "membre@demo.local",
               "membre2@demo.local", "autre@demo.local"]


@pytest.fixture
def seeded(app, runner):
    """The output of a first `flask seed-demo` on an empty database, with special-use domains refused as by default
    (`make run` seeds before it serves with them allowed)."""
    app.config["EMAIL_ALLOW_SPECIAL_DOMAINS"] = False
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert app.config["EMAIL_ALLOW_SPECIAL_DOMAINS"] is False  # the demo's own exception ends with it
    return result.output


def _counts() -> tuple[int, int, int]:
    """Users, structures and questions in the database."""
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (User, Structure, Ticket))


def test_seed_demo_loads_the_demo_accounts_with_the_demo_password(seeded):
    assert "Données de démonstration chargées." in seeded
    for email in DEMO_LOGINS:
        assert email in seeded
        user = db.session.scalars(select(User).where(User.email == email)).one()
        assert user.check_password(DEMO_PASSWORD)
    membre, membre2, autre = (db.session.scalars(select(User).where(User.email == email)).one()
                              for email in ("membre@demo.local", "membre2@demo.local", "autre@demo.local"))
    assert membre.structure_id == membre2.structure_id != autre.structure_id


def test_seed_demo_files_questions_in_every_status_once(seeded, runner):
    statuses = Counter(db.session.scalars(select(Ticket.status)))
    assert sum(statuses.values()) >= 60
    assert set(statuses) == {"new", "open", "waiting", "answered", "closed"}
    assert db.session.scalars(select(Ticket.reference).where(
        Ticket.status == "answered", Ticket.first_response_at.is_(None))).all() == [], "« Répondue » needs a reply"
    assert db.session.scalars(select(Ticket.reference).where(
        Ticket.status == "new", Ticket.assignee_id.is_not(None))).all() == [], "an assigned question is open"
    assert len(set(db.session.scalars(select(Structure.type)))) >= 4
    assert len(set(db.session.scalars(select(Structure.region)))) >= 4

    before = _counts()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "données de démonstration non rechargées" in again.output
    assert _counts() == before


# Deadlines and the coming webinar lie ahead by design; every other date records something that already happened.
FUTURE_BY_DESIGN = {("ticket", "due_at"), ("ticket", "first_response_due_at"), ("ticket", "next_due_at"),
                    ("webinar", "starts_at")}


def test_seed_demo_dates_nothing_after_now(seeded):
    now = utcnow()
    for model in (Ticket, Message, Event):
        assert db.session.scalar(select(func.max(model.created_at))) <= now
    recorded = [column for table in db.metadata.sorted_tables for column in table.c
                if isinstance(column.type, UTCDateTime) and (table.name, column.name) not in FUTURE_BY_DESIGN]
    assert [f"{column.table.name}.{column.name}" for column in recorded
            if db.session.scalar(select(func.count()).select_from(column.table).where(column > now))] == []


def test_seed_demo_dates_each_rating_after_its_answer_not_on_the_loading_day(seeded):
    """Every demo rating used to be dated the day the demo was loaded, « le 29 novembre » beside questions of 2024."""
    rated = db.session.execute(select(Satisfaction.updated_at, Ticket.closed_at).join(Ticket)).all()
    assert len(rated) > 20
    assert all(closed_at <= updated_at <= closed_at + timedelta(days=1) for updated_at, closed_at in rated)
    assert len({updated_at.date() for updated_at, _closed_at in rated}) > 20


def test_seed_demo_numbers_questions_in_the_order_they_were_asked(seeded):
    dates = list(db.session.scalars(select(Ticket.created_at).order_by(Ticket.id)))
    assert dates == sorted(dates)


def test_seed_demo_dates_files_notes_and_tags_within_their_questions_life(seeded):
    """The demo's files and the jurist's note beside them were stamped when the demo was loaded, after the question's
    later steps, and tags on questions closed two years ago dated the day of loading."""
    now = utcnow()
    files = db.session.execute(select(Attachment.created_at, Message.created_at, Ticket.created_at)
                               .join(Message, Attachment.message_id == Message.id).join(Ticket)).all()
    assert len(files) >= 2
    assert all(filed <= attached == posted <= now for attached, posted, filed in files)
    for ticket in db.session.scalars(select(Ticket)):
        stamps = [message.created_at for message in sorted(ticket.messages, key=lambda message: message.id)]
        assert stamps == sorted(stamps) and all(ticket.created_at <= stamp <= now for stamp in stamps), ticket.reference
        if ticket.closed_at is not None:
            assert all(stamp <= ticket.closed_at for stamp in stamps), ticket.reference
    notes = db.session.execute(select(Message.created_at, Ticket.created_at, Ticket.first_response_at).join(Ticket)
                               .where(Message.internal.is_(True))).all()
    assert len(notes) > 20
    assert all(filed <= noted <= (answered or now) for noted, filed, answered in notes)
    tagged = db.session.execute(select(Event.created_at, Ticket.created_at, Ticket.first_response_at).join(Ticket)
                                .where(Event.kind == "tagged")).all()
    assert len(tagged) > 20
    assert all(filed <= stamp <= (answered or now) for stamp, filed, answered in tagged)


def test_seed_demo_holds_webinars_in_office_hours_in_paris(seeded):
    hours = [starts_at.astimezone(PARIS).hour for starts_at in db.session.scalars(select(Webinar.starts_at))]
    assert hours and all(9 <= hour <= 17 for hour in hours)


def test_seed_demo_keeps_two_years_of_history_and_late_questions(seeded):
    now = utcnow()
    assert now - db.session.scalar(select(func.min(Ticket.created_at))) > timedelta(days=700)
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.next_due_at < now)) >= 20
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.next_due_at > now)) >= 1


# Days whose calendars differ (a month's first day, a new year, the day after February, a leap day, a Sunday night
# in summer time): the demo must read the same whatever day `make run` loads it.
SEEDING_MOMENTS = [datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc), datetime(2027, 1, 1, 0, 5, tzinfo=timezone.utc),
                   datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc), datetime(2028, 2, 29, 16, 0, tzinfo=timezone.utc),
                   datetime(2027, 7, 4, 21, 45, tzinfo=timezone.utc)]


def _seed_at(moment: datetime) -> None:
    """Load the demo as if it were `moment`."""
    with frozen_time(moment):
        assert demo.seed(DEMO_PASSWORD)


def _desk() -> Counter:
    """The questions still open on the desk: how many per region, status and jurist in charge."""
    return Counter(db.session.execute(
        select(Structure.region, Ticket.status, User.email).join(Ticket.structure)
        .outerjoin(User, Ticket.assignee_id == User.id).where(Ticket.status != "closed")).all())


@pytest.mark.parametrize("moment", SEEDING_MOMENTS, ids=lambda moment: moment.strftime("%Y-%m-%d"))
def test_seed_demo_reads_as_a_real_desk_whatever_the_day(app, moment):
    """The demo showed questions « En attente du membre » for three months, long past the 30-day closing that
    `flask triage close-inactive` would have applied, « Nouvelle » questions left unclaimed for half a year, and a
    webinar held on a Saturday."""
    _seed_at(moment)
    days, before = app.config["AUTO_CLOSE_DAYS"], app.config["AUTO_CLOSE_REMINDER_DAYS"]
    with frozen_time(moment):
        assert services.remind_waiting(days, before) == []
        assert services.close_inactive(days) == []
    statuses = Counter(db.session.scalars(select(Ticket.status)))
    assert statuses["waiting"] >= 8 and statuses["answered"] >= 8 and statuses["new"] >= 8
    oldest_new = db.session.scalar(select(func.min(Ticket.created_at)).where(Ticket.status == "new"))
    assert moment - oldest_new < timedelta(days=days)
    assert db.session.scalar(select(func.max(Ticket.created_at))) <= moment
    webinar_days = [starts_at.astimezone(PARIS).date() for starts_at in db.session.scalars(select(Webinar.starts_at))]
    assert len(webinar_days) == 2 and all(day.weekday() < 5 and day not in french_holidays(day.year)
                                          for day in webinar_days), webinar_days


@pytest.mark.parametrize("moment", [SEEDING_MOMENTS[0], SEEDING_MOMENTS[4]], ids=("at-night", "on-a-sunday"))
def test_seed_demo_files_and_answers_questions_in_office_hours_whatever_the_hour_of_loading(app, moment):
    """Loaded at 2 in the morning, the demo had members filing questions at 2:18 and jurists answering at 6:18, and
    a jurist taking a member's call at 2:30."""
    _seed_at(moment)
    filed = db.session.scalars(select(Ticket.created_at).where(Ticket.channel == "web")).all()
    answered = db.session.scalars(select(Message.created_at).join(User, Message.author_id == User.id).where(
        User.role == "jurist", Message.internal.is_(False), Message.created_at < moment - timedelta(hours=1))).all()
    assert len(filed) > 100 and len(answered) > 100
    for when in (stamp.astimezone(PARIS) for stamp in filed):
        assert when.weekday() < 4 and 9 <= when.hour < 17, when
    phoned = db.session.scalars(select(Ticket.created_at).where(Ticket.channel == "phone")).one().astimezone(PARIS)
    assert phoned.weekday() < 5 and 9 <= phoned.hour < 18 and phoned <= moment, phoned
    assert phoned > max(filed), "the last question filed has the last number"
    for when in (stamp.astimezone(PARIS) for stamp in answered):
        assert when.weekday() < 5 and 9 <= when.hour < 19, when


def test_seed_demo_puts_the_same_questions_on_the_desk_whatever_the_day(app):
    """The history's volume follows the calendar month and drew from the same generator as the open questions: on
    some days no unassigned question was left in Bretagne, and a region filter of the queue showed no table."""
    _seed_at(SEEDING_MOMENTS[0])
    desk = _desk()
    assert desk[("bretagne", "answered", "juriste2@demo.local")] == 1
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    _seed_at(SEEDING_MOMENTS[2])
    assert _desk() == desk


@pytest.mark.parametrize("moment", SEEDING_MOMENTS, ids=lambda moment: moment.strftime("%Y-%m-%d"))
def test_seed_demo_never_shows_a_structure_the_same_subject_twice(app, moment):
    """A member saw two questions « Activité partielle et salariés en CDDI » in « Mes questions »; the history's
    volume follows the day of loading, so every day must find subjects enough."""
    _seed_at(moment)
    asked = Counter(db.session.execute(select(Ticket.structure_id, Ticket.subject)).all())
    assert len(asked) > 100
    assert [subject for subject, count in asked.items() if count > 1] == []


def test_seed_demo_asks_each_waiting_question_what_fits_any_question(seeded):
    """Every waiting question was asked « la date de début du contrat », a question on home-care travel time too."""
    requests = db.session.scalars(select(Message.body).join(Ticket).where(
        Ticket.status == "waiting", Message.internal.is_(False), Message.author.has(User.role == "jurist"))).all()
    assert len(requests) >= 5 and set(requests) == {demo.WAITING_REQUEST}
    assert "dates utiles" in demo.WAITING_REQUEST and "date de début du contrat et" not in demo.WAITING_REQUEST


def test_seed_demo_dates_the_emailed_reply_from_the_request_it_answers(seeded):
    """The member's reply by email quoted « Le 2 mars, Helpdesk juridique a écrit » whatever the day of loading."""
    reply = db.session.scalars(select(InboundEmail).where(InboundEmail.message_id.like("%demo-reply-1%"))).one()
    waiting = db.session.scalars(select(Ticket).where(Ticket.reference == reply.subject.split("[")[1].split("]")[0])).one()
    asked = db.session.scalar(select(func.max(Message.created_at)).where(
        Message.ticket_id == waiting.id, Message.body == demo.WAITING_REQUEST))
    received = message_from_bytes(reply.raw, policy=policy.default).get_content()
    assert f"Le {format_date(asked)}, Helpdesk juridique a écrit" in received
    assert f"débuté le {format_date(asked - timedelta(days=40))}" in received


def test_seed_demo_accepts_another_password(runner):
    result = runner.invoke(args=["seed-demo", "--password", "autre-mot-de-passe-demo"])
    assert "autre-mot-de-passe-demo" in result.output
    user = db.session.scalars(select(User).where(User.email == "juriste@demo.local")).one()
    assert user.check_password("autre-mot-de-passe-demo") and not user.check_password(DEMO_PASSWORD)


def test_demo_accounts_are_fictional():
    assert len({email for email, *_ in ACCOUNTS}) == len(ACCOUNTS)
    assert all(email.endswith("@demo.local") for email, *_ in ACCOUNTS)


def test_users_create_makes_an_account(runner):
    result = runner.invoke(args=["users", "create", "--email", "Admin@Federation.test", "--name", "Ada Admin",
                                 "--role", "admin", "--password", "un-mot-de-passe-solide"])
    assert result.exit_code == 0, result.output
    assert "Compte créé : admin@federation.test (Administrateur)." in result.output
    user = db.session.scalars(select(User)).one()
    assert user.is_admin and user.check_password("un-mot-de-passe-solide")


@pytest.mark.parametrize("arguments, message", [
    (["--role", "member"], "Un membre doit être rattaché à une structure existante."),
    (["--role", "jurist", "--password", "court"],
     "Le champ « Mot de passe » demande 12 caractères au minimum (votre texte en compte 5)."),
    (["--role", "jurist", "--password", "x" * 201],
     "Le champ « Mot de passe » accepte 200 caractères au maximum (votre texte en compte 201)."),
    (["--role", "member", "--structure-id", "999"], "Un membre doit être rattaché à une structure existante."),
])
def test_users_create_explains_refusals(runner, arguments, message):
    base = ["users", "create", "--email", "x@federation.test", "--name", "X", "--password", "un-mot-de-passe-solide"]
    result = runner.invoke(args=base + arguments)
    assert result.exit_code == 1
    assert f"Erreur : {message}" in result.output
    assert db.session.scalars(select(User)).all() == []


def test_users_create_tells_how_to_name_a_members_structure(runner):
    """« Un membre doit être rattaché à une structure existante. » did not say which option names it, nor where its
    number is found."""
    result = runner.invoke(args=["users", "create", "--email", "m@federation.test", "--name", "Mia Membre",
                                 "--role", "member", "--password", "un-mot-de-passe-solide"])
    assert result.exit_code == 1
    assert ("Un membre doit être rattaché à une structure existante. Indiquez --structure-id N : N est le numéro de "
            "la structure, à la fin de l'adresse de sa page (Administration › Structures adhérentes, "
            "/admin/structures/N).") in result.output
    invited = runner.invoke(args=["users", "invite", "--email", "m@federation.test", "--name", "Mia Membre",
                                  "--role", "member"])
    assert invited.exit_code == 1 and "Indiquez --structure-id N" in invited.output
    assert db.session.scalars(select(User)).all() == []


def test_users_create_asks_the_password_twice_in_french(runner):
    """Without --password the command asks for it twice, hidden, in French; two different entries create nothing."""
    base = ["users", "create", "--email", "a@federation.test", "--name", "Ada Admin", "--role", "admin"]
    refused = runner.invoke(args=base, input="un-mot-de-passe-solide\nun-autre-mot-de-passe\n")
    assert refused.exit_code == 1
    assert "Mot de passe : \nMot de passe (à nouveau) : \n" in refused.output
    assert "Les deux mots de passe saisis diffèrent : relancez la commande." in refused.output
    assert "un-mot-de-passe-solide" not in refused.output and db.session.scalars(select(User)).all() == []
    created = runner.invoke(args=base, input="un-mot-de-passe-solide\nun-mot-de-passe-solide\n")
    assert created.exit_code == 0, created.output
    assert db.session.scalars(select(User)).one().check_password("un-mot-de-passe-solide")


def test_users_create_for_a_member_of_a_structure(runner):
    structure = factories.make_structure()
    result = runner.invoke(args=["users", "create", "--email", "m@federation.test", "--name", "Mia Membre",
                                 "--role", "member", "--structure-id", str(structure.id),
                                 "--password", "un-mot-de-passe-solide"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(User)).one().structure_id == structure.id


def _invoke_on(tmp_path, url: str, arguments: list[str]):
    """Run a command, as `flask` does (app context pushed), on an app whose database is `url`."""
    other = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": str(tmp_path / "index"),
                        "UPLOAD_DIR": str(tmp_path / "uploads")})
    with other.app_context():
        try:
            return other.test_cli_runner().invoke(args=arguments)
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("arguments", [["kb", "check"], ["seed-demo"], ["mail", "send-pending"], ["db", "upgrade"]])
def test_commands_on_an_unreachable_database_say_so_in_french_without_a_traceback(tmp_path, arguments):
    result = _invoke_on(tmp_path, f"sqlite:///{tmp_path}/missing-directory/helpdesk.sqlite", arguments)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Base de données inaccessible (unable to open database file)" in result.output
    assert "HELPDESK_SQLALCHEMY_DATABASE_URI" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("arguments", [["kb", "check"], ["seed-demo"], ["mail", "send-pending"],
                                       ["triage", "close-inactive"]])
def test_commands_on_a_database_without_migrations_ask_for_db_upgrade(tmp_path, arguments):
    result = _invoke_on(tmp_path, f"sqlite:///{tmp_path}/empty.sqlite", arguments)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert "n'a pas le schéma attendu (no such table:" in result.output
    assert "« flask --app helpdesk db upgrade »" in result.output


@pytest.mark.parametrize("url, cause", [
    ("postgres://helpdesk:s3cret@db.internal/helpdesk", "Can't load plugin: sqlalchemy.dialects:postgres"),
    ("mysql://helpdesk:s3cret@db.internal/helpdesk", "No module named 'MySQLdb'"),
    ("db.internal/helpdesk", "Could not parse SQLAlchemy URL")])
def test_an_unusable_database_url_stops_the_app_with_a_french_message(url, cause):
    """Commands then print this one line (a ClickException), never the password of the URL."""
    with pytest.raises(DatabaseURLError) as raised:
        create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    message = raised.value.format_message()
    assert message.startswith("HELPDESK_SQLALCHEMY_DATABASE_URI n'est pas une adresse de base utilisable (")
    assert cause in message and "postgresql+psycopg://utilisateur@hôte/base" in message
    assert "s3cret" not in message


@pytest.mark.parametrize("arguments", [["--help"], ["kb", "--help"], ["db", "upgrade", "--help"], ["kb", "sync"],
                                       ["routes"]])
def test_flask_with_an_unusable_database_url_prints_the_french_message_without_a_traceback(arguments):
    """`flask --help` included: Flask prints the traceback of any other error raised while loading the app."""
    environment = {"HELPDESK_SQLALCHEMY_DATABASE_URI": "nonsense://db.internal/helpdesk", "HELPDESK_SECRET_KEY": "x"}
    result = CliRunner().invoke(flask_cli, ["--app", "helpdesk", *arguments], env=environment)
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Erreur : HELPDESK_SQLALCHEMY_DATABASE_URI n'est pas une adresse de base utilisable (Can't load plugin: "
        "sqlalchemy.dialects:nonsense) : attendu postgresql+psycopg://utilisateur@hôte/base ou "
        "sqlite:////chemin/absolu/helpdesk.sqlite.")


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")
def test_migrations_up_down_and_up_again_on_sqlite_keep_the_expression_indexes_without_a_warning(tmp_path):
    """`make run` migrates a new SQLite database: its output shows no reflection warning."""
    path = tmp_path / "fresh.sqlite"
    fresh = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with fresh.app_context():
        try:
            flask_migrate.upgrade()
            flask_migrate.downgrade(revision="base")
            flask_migrate.upgrade()
            expression_indexes = db.session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%(%(%' ORDER BY name")).all()
        finally:
            db.session.remove()
            db.engine.dispose()
    assert expression_indexes == ["ix_ticket_open_due", "ix_ticket_open_priority", "ix_ticket_running_priority",
                                  "ix_ticket_status_due", "ix_ticket_status_priority", "uq_sla_rule_priority_theme",
                                  "uq_user_email_lower"]


# SQLite cannot reflect expression indexes (lower(email)): alembic warns and skips them there.
@pytest.mark.filterwarnings("ignore:autogenerate skipping", "ignore:Skipped unsupported reflection")
def test_migrations_build_the_schema_of_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def _login(client, email: str) -> None:
    """Log in a demo account through the form."""
    client.post("/deconnexion")
    assert client.post("/connexion", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302


def test_demo_walkthrough_member_asks_jurist_answers_colleague_reads(seeded, client):
    _login(client, "membre@demo.local")
    form = client.get("/questions/nouvelle").get_data(as_text=True)
    theme_id = re.search(r'<option value="(\d+)">Réforme IAE / PASS IAE</option>', form).group(1)
    response = client.post("/questions/nouvelle", data={
        "subject": "Prolongation d'un PASS IAE pendant un arrêt maladie",
        "theme": theme_id, "priority": "2",
        "body": "Une salariée en arrêt depuis deux mois voit son PASS IAE expirer : peut-on le prolonger ?"})
    url = response.headers["Location"]
    reference = url.rsplit("/", 1)[-1]

    _login(client, "juriste@demo.local")
    assert reference in client.get("/file/?vue=non-assignees&tri=recentes").get_data(as_text=True)
    client.post(f"{url}/prendre")
    client.post(f"{url}/repondre", data={"body": "Oui : la prolongation est possible pendant un arrêt maladie.",
                                         "kind": "public", "status_after": "answered"})
    assert reference in client.get("/file/?vue=mes-dossiers").get_data(as_text=True)

    _login(client, "membre2@demo.local")
    page = client.get(url).get_data(as_text=True)
    assert "la prolongation est possible pendant un arrêt maladie" in page
    assert "Répondue" in page and "Léa Juriste" in page

    _login(client, "autre@demo.local")
    assert client.get(url).status_code == 404


def test_each_demo_template_offers_the_text_shown_on_its_page_to_download(seeded, client):
    """A member downloading a demo template got a two-line stub, not the letter shown on the page."""
    _login(client, "membre@demo.local")
    for slug, shown in [("modele-courrier-renouvellement-cddi", "Objet : proposition de renouvellement de votre "
                                                                "contrat à durée déterminée d'insertion"),
                        ("modele-convention-mise-a-disposition-ai", "CONVENTION DE MISE À DISPOSITION N° [numéro]"),
                        ("trame-duer-chantier-insertion", "| Chantier espaces verts | [sites extérieurs] |")]:
        page = client.get(f"/ressources/{slug}").get_data(as_text=True)
        link = re.search(rf'href="(/pieces-jointes/\d+)"[^>]*>{slug}\.txt<', page)
        assert link, f"{slug}: no file to download"
        download = client.get(link.group(1))
        assert download.status_code == 200 and shown in download.get_data(as_text=True)
        assert "**" not in download.get_data(as_text=True)


def test_a_command_refusal_is_printed_in_french(runner):
    """Click printed « Error: » before the commands' French messages."""
    refused = runner.invoke(args=["mail", "ingest"], input="")
    assert refused.exit_code == 1
    assert refused.output == "Erreur : Aucun courriel sur l'entrée standard : rien n'a été enregistré.\n"


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="backup/restore cover SQLite")
def test_an_aborted_confirmation_is_printed_in_french(runner, tmp_path):
    """Click printed « Aborted! » when one answered no to the restore's confirmation."""
    runner.invoke(args=["backup", str(tmp_path / "sauvegarde")])
    aborted = runner.invoke(args=["restore", str(tmp_path / "sauvegarde")], input="n\n")
    assert aborted.exit_code == 1 and "Error" not in aborted.output and "Aborted" not in aborted.output
    assert aborted.output.endswith("Continuer ? [y/N]: n\nAbandon.\n")


def test_a_missing_file_or_a_folder_given_to_admin_import_is_refused_in_french(runner, tmp_path):
    """click.Path said « Error: Invalid value for 'FILE': Path 'structures.csv' does not exist. »."""
    missing = runner.invoke(args=["admin", "import", str(tmp_path / "structures.csv")])
    assert missing.exit_code == 2
    assert missing.output == (
        "Utilisation : helpdesk admin import [OPTIONS] FILE\n"  # the runner's name for `flask`
        "Pour l'aide : « helpdesk admin import --help ».\n"
        f"Erreur : Valeur invalide pour « FILE » : « {tmp_path / 'structures.csv'} » n'existe pas.\n")
    folder = runner.invoke(args=["admin", "import", str(tmp_path)])
    assert folder.exit_code == 2 and f"« {tmp_path} » est un dossier : indiquez un fichier." in folder.output
    forgotten = runner.invoke(args=["admin", "import"])
    assert forgotten.exit_code == 2 and "Erreur : Il manque « FILE »." in forgotten.output
    unknown = runner.invoke(args=["restore", str(tmp_path), "--oui"])
    assert unknown.exit_code == 2 and "Erreur : Option inconnue : --oui." in unknown.output
    assert db.session.scalar(select(func.count()).select_from(Structure)) == 0


@pytest.mark.parametrize("arguments, message", [
    (["admin", "import", "--encoding", "latin-9", "structures.csv"],
     "Valeur invalide pour « --encoding » : « latin-9 » n'est pas l'une des valeurs acceptées (utf-8, cp1252, "
     "mac_roman)."),
    (["retention", "anonymise", "--years", "deux"],
     "Valeur invalide pour « --years » : « deux » n'est pas un nombre entier."),
    (["triage", "close-inactive", "--days", "0"],
     "Valeur invalide pour « --days » : « 0 » doit valoir au moins 1."),
    (["triage", "fermer"], "Commande inconnue : « fermer »."),
])
def test_a_value_click_checks_itself_is_refused_in_french(runner, tmp_path, arguments, message):
    """Click's own checks of a choice, a whole number, a range and a command name printed English after « Erreur : »
    (« 'latin-9' is not one of 'utf-8', 'cp1252', 'mac_roman'. »)."""
    (tmp_path / "structures.csv").write_text("structure;siret\n", encoding="utf-8")
    result = runner.invoke(args=[str(tmp_path / part) if part.endswith(".csv") else part for part in arguments])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Erreur : {message}"


def test_users_create_refuses_a_structure_for_a_jurist_without_asking_for_one(runner, world):
    """A structure given to a jurist was silently dropped; the refusal must not tell to name one either."""
    result = runner.invoke(args=["users", "create", "--email", "j@federation.test", "--name", "Jo Juriste",
                                 "--role", "jurist", "--structure-id", str(world.structure.id),
                                 "--password", "un-mot-de-passe-solide"])
    assert result.exit_code == 1
    assert "n'est rattaché à aucune structure" in result.output and "Indiquez --structure-id" not in result.output
    assert db.session.scalar(select(User).where(User.email == "j@federation.test")) is None


def _our_commands(group, path=()):
    """(name path, command) of every command the app registers, sub-commands included."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _our_commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_option_of_our_commands_says_what_it_does_in_its_help(app):
    """`--interval`, `--limit`, `--json` and the account options of `users create` showed no text in `--help`."""
    commands = dict(_our_commands(app.cli))
    assert ("admin", "import") in commands and ("kb", "sync") in commands
    silent = [f"{' '.join(path)} {option.opts[0]}" for path, command in commands.items()
              for option in command.params if isinstance(option, click.Option) and not option.help]
    assert silent == []
    assert all(command.help for command in commands.values())
