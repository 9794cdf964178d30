"""A hand-written question submission on the helpdesk's own schema: what the stack allows at best.

Served by the same gunicorn.conf.py as the helpdesk (`floor_app:app`) on a
database migrated and seeded like the helpdesk's, it does the submission's
database work with SQLAlchemy Core statements and no framework beyond Flask:
Flask's signed session cookie names the member, the form's CSRF token is
compared with the session's, the member is read, the subject, body and theme
are checked, then one transaction numbers the question and inserts it with its
« created » event, its search change-log row and one notification per active
jurist, and the answer is a 302 to the question. With FLOOR_SINGLE_STATEMENT=1
the same work is one PostgreSQL statement (a data-modifying WITH query):
the fewest round trips any design can make. No Flask-Login, Flask-WTF,
Flask-Babel or Flask-Limiter, no ORM unit of work, no routing, deadlines or
audit subscribers: the distance between this and the helpdesk is what those
cost. FLOOR_DATABASE_URL names the database and
FLOOR_SECRET_KEY signs the sessions; `/login/<email>` (loopback
benchmarks only) opens a member's session and answers its CSRF token.
"""
import hmac
import os
import secrets

from flask import Flask, abort, redirect, request, session
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import func, insert, select, text

from helpdesk.models import Event, OutboxEmail, SearchChange, Theme, Ticket, User
from helpdesk.models._types import utcnow

db = SQLAlchemy()
TICKETS, EVENTS, CHANGES, OUTBOX = (model.__table__ for model in (Ticket, Event, SearchChange, OutboxEmail))
USERS, THEMES = User.__table__, Theme.__table__


def checked_form() -> tuple[str, str, int | None, int]:
    """The form's subject, body, theme id and priority, or a 400 if their lengths or the priority are wrong."""
    subject, body = request.form.get("subject", "").strip(), request.form.get("body", "").strip()
    theme_id, priority = request.form.get("theme", type=int), request.form.get("priority", type=int)
    if not (5 <= len(subject) <= 200 and 20 <= len(body) <= 20_000) or priority not in (0, 1, 2):
        abort(400)
    return subject, body, theme_id, priority


def submit_by_statements(member_id: int) -> str:
    """File the question statement by statement, as the helpdesk's statements go; return its reference."""
    subject, body, theme_id, priority = checked_form()
    member = db.session.execute(select(USERS.c.id, USERS.c.structure_id).where(
        USERS.c.id == member_id, USERS.c.active, USERS.c.role == "member")).one_or_none()
    if member is None:
        abort(400)
    if db.session.scalar(select(THEMES.c.id).where(THEMES.c.id == theme_id, THEMES.c.active)) is None:
        abort(400)
    now = utcnow()
    ticket_id = db.session.scalar(select(func.nextval(func.pg_get_serial_sequence("ticket", "id"))))
    reference = f"Q-{now.year}-{ticket_id:05d}"
    db.session.execute(insert(TICKETS).values(
        id=ticket_id, reference=reference, structure_id=member.structure_id, author_id=member.id, subject=subject,
        body=body, theme_id=theme_id, priority=priority, status="new", channel="web", created_at=now,
        last_activity_at=now))
    event_id = db.session.scalar(insert(EVENTS).values(
        ticket_id=ticket_id, actor_id=member.id, kind="created", data={"channel": "web"}, internal=False,
        created_at=now).returning(EVENTS.c.id))
    db.session.execute(insert(CHANGES).values(index_name="questions", object_key=str(ticket_id), created_at=now))
    jurists = db.session.execute(select(USERS.c.id, USERS.c.email).where(
        USERS.c.role == "jurist", USERS.c.active, USERS.c.notify_optional)).all()
    db.session.execute(insert(OUTBOX), [
        {"dedupe_key": f"event:{event_id}:{jurist.id}", "to_address": jurist.email, "recipient_id": jurist.id,
         "ticket_id": ticket_id, "kind": "question_filed", "subject": f"Nouvelle question : {subject}"[:300],
         "context": {"actor_id": member.id}, "headers": {}, "status": "pending", "attempts": 0,
         "next_attempt_at": now, "created_at": now} for jurist in jurists])
    db.session.commit()
    return reference


SINGLE_STATEMENT = text("""
WITH m AS (SELECT id, structure_id FROM "user" WHERE id = :member AND active AND role = 'member'),
th AS (SELECT id FROM theme WHERE id = :theme AND active),
n AS (SELECT nextval(pg_get_serial_sequence('ticket', 'id')) AS id FROM m, th),
t AS (INSERT INTO ticket (id, reference, structure_id, author_id, subject, body, theme_id, priority, status,
                          channel, created_at, last_activity_at)
      SELECT n.id, 'Q-' || :year || '-' || lpad(n.id::text, 5, '0'), m.structure_id, m.id, :subject, :body, th.id,
             :priority, 'new', 'web', :now, :now FROM n, m, th
      RETURNING id, reference),
e AS (INSERT INTO event (ticket_id, actor_id, kind, data, internal, created_at)
      SELECT t.id, :member, 'created', '{"channel": "web"}', false, :now FROM t RETURNING id),
c AS (INSERT INTO search_change (index_name, object_key, created_at) SELECT 'questions', t.id::text, :now FROM t),
o AS (INSERT INTO outbox_email (dedupe_key, to_address, recipient_id, ticket_id, kind, subject, context, headers,
                                status, attempts, next_attempt_at, created_at)
      SELECT 'event:' || e.id || ':' || u.id, u.email, u.id, t.id, 'question_filed', :mailsubject, :context, '{}',
             'pending', 0, :now, :now
      FROM e, t, "user" u WHERE u.role = 'jurist' AND u.active AND u.notify_optional)
SELECT reference FROM t""")


def submit_in_one_statement(member_id: int) -> str:
    """File the question with one PostgreSQL statement (member and theme checks included); return its reference."""
    subject, body, theme_id, priority = checked_form()
    now = utcnow()
    reference = db.session.scalar(SINGLE_STATEMENT, {
        "member": member_id, "theme": theme_id, "year": str(now.year), "subject": subject, "body": body,
        "priority": priority, "now": now, "mailsubject": f"Nouvelle question : {subject}"[:300],
        "context": f'{{"actor_id": {member_id}}}'})
    if reference is None:
        abort(400)
    db.session.commit()
    return reference


def create_app(url: str, secret_key: str, single_statement: bool = False) -> Flask:
    """The floor app on `url` (a database the helpdesk's migrations made), signing sessions with `secret_key`."""
    submit = submit_in_one_statement if single_statement else submit_by_statements
    floor = Flask(__name__)
    floor.config.update(SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=secret_key)
    floor.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    db.init_app(floor)

    @floor.get("/login/<email>")
    def login(email):
        """Open the member's session (benchmark only) and answer its CSRF token."""
        session["member_id"] = db.session.scalar(select(USERS.c.id).where(USERS.c.email == email))
        session["csrf"] = secrets.token_hex(20)
        return session["csrf"]

    @floor.post("/questions/nouvelle")
    def new_question():
        """File a question for the session's member, CSRF-checked."""
        member_id = session.get("member_id")
        if member_id is None or not hmac.compare_digest(session.get("csrf", ""), request.form.get("csrf_token", "")):
            abort(400)
        return redirect(f"/questions/{submit(member_id)}")

    @floor.get("/")
    def ready():
        """Readiness probe."""
        return "ok"

    return floor


# Every gunicorn worker must sign sessions alike: the key comes from the environment.
app = (create_app(os.environ["FLOOR_DATABASE_URL"], os.environ["FLOOR_SECRET_KEY"],
                  os.environ.get("FLOOR_SINGLE_STATEMENT") == "1")
       if "FLOOR_DATABASE_URL" in os.environ else None)
