"""Writing emails to the outbox, in the transaction of the change that causes them.

Rows added to the outbox are remembered per session (queue_event_mail inserts
its rows itself, at the latest in the flush that inserts their event, and notes
their ids); once the transaction commits, the current request asks for them to be
sent right after its response (see sender.send_after_request). Rolled-back rows are forgotten with their transaction.
"""
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from helpdesk.batches import reserve_ids
from helpdesk.extensions import db
from helpdesk.i18n import format_date, recipient_locale
from helpdesk.mail.reply_address import reply_address
from helpdesk.models import Event, Message, OutboxEmail, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import can_see_internal, can_view_ticket
from helpdesk.plain_text import one_line, opens_with_greeting
from helpdesk.translation import gettext, ngettext

REFERENCE_PATTERN = re.compile(r"\bQ-(\d{4})-(\d{5,})\b", re.IGNORECASE)
# Mails carrying a link to choose a password (see helpdesk.auth.passwords), written when sent from the link kept.
PASSWORD_LINK_KINDS = frozenset({"invitation", "password_reset"})
# Mails whose quoted message is written to their recipient: when it opens with its own « Bonjour Alice, », the mail
# does not greet a second time above it.
QUOTE_ADDRESSED_KINDS = frozenset({"answered", "waiting", "member_replied"})


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link to a page, built from BASE_URL (works outside requests, e.g. in commands)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def message_id_domain() -> str:
    """The domain of our Message-IDs: the sender address's domain."""
    return _address_domain(current_app.config["MAIL_SENDER"])


@lru_cache(maxsize=8)
def _address_domain(address: str) -> str:
    """The domain of an address such as 'Name <user@example.org>' (parsed once per configured sender)."""
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def thread_id(ticket: Ticket) -> str:
    """The Message-ID every mail about a question refers to, so mail clients thread them and replies find it."""
    return f"<{ticket.reference.lower()}@{message_id_domain()}>"


@dataclass(frozen=True)
class MailSubject:
    """A subject kept as its French text (marked with N_) and values, so that a mail written later (when sent, or
    summarised in a digest) says it in the language its recipient has chosen by then."""

    msgid: str
    values: dict

    def __str__(self) -> str:
        """The subject in the current language."""
        return gettext(self.msgid, **self.values)


def digest_subject(day: date, count: int) -> str:
    """The subject of the digest of `day` summarising `count` notifications, in the current language."""
    return ngettext("Récapitulatif du %(date)s : %(num)d notification",
                    "Récapitulatif du %(date)s : %(num)d notifications", count, date=format_date(day))


def _recipient_subject(subject: str | LazyString | MailSubject, recipient: User | None, ticket: Ticket | None) -> str:
    """The Subject header in the recipient's language: one line (a line break in user text must not reach
    headers), with the question's reference."""
    with force_locale(recipient_locale(recipient)):
        subject = one_line(str(subject))
    return f"[{ticket.reference}] {subject}" if ticket is not None else subject


def _headers(kind: str, ticket: Ticket | None) -> dict:
    """Our headers: a fresh Message-ID (threaded under the question's, for mail about a question)."""
    token = secrets.token_hex(8)
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if ticket is not None:
        headers["Message-ID"] = f"<{ticket.reference.lower()}.{token}@{message_id_domain()}>"
        headers["In-Reply-To"] = headers["References"] = thread_id(ticket)
    else:
        headers["Message-ID"] = f"<{kind}.{token}@{message_id_domain()}>"
    return headers


def render_bodies(template: str, recipient: User | None, subject: str, ticket: Ticket | None,
                  context: dict) -> tuple[str, str]:
    """The text and HTML bodies of emails/<template>.txt/.html, in the recipient's language; the footer says
    whether replying to the mail reaches the question (see reply_address). The mail greets its recipient unless the
    message it quotes, written to them, already does."""
    message = context.get("message")
    greets = not (template in QUOTE_ADDRESSED_KINDS and message is not None and opens_with_greeting(message.body))
    context = {"recipient": recipient, "subject": subject, "preferences_url": absolute_url("mail.preferences"),
               "greets": greets,
               **({"ticket": ticket, "ticket_url": absolute_url("tickets.detail", reference=ticket.reference),
                   "replies_by_mail": reply_address(recipient, ticket, template) is not None,
                   "new_question_url": absolute_url("tickets.new")}
                  if ticket is not None else {}),
               **context}
    with force_locale(recipient_locale(recipient)):
        return (render_template(f"emails/{template}.txt", **context),
                render_template(f"emails/{template}.html", **context))


def queue_email(*, to: User | str, kind: str, template: str, subject: str | LazyString, context: dict,
                dedupe_key: str, ticket: Ticket | None = None, held: bool = False,
                render_when_sent: bool = False, address: str | None = None) -> OutboxEmail | None:
    """Add an email rendered now (from emails/<template>.txt/.html) to the session, in the recipient's language
    (a lazy subject is translated too); None if already queued. With `render_when_sent`, the JSON `context` is
    kept and the subject and bodies are written again by the sender (see deferred_mail). `address` sends a user's
    mail elsewhere than to their current address (a notice to the address an admin just replaced)."""
    if db.session.query(OutboxEmail.id).filter_by(dedupe_key=dedupe_key).first() is not None:
        return None
    user = to if isinstance(to, User) else None
    subject = _recipient_subject(subject, user, ticket)
    text_body, html_body = (None, None) if render_when_sent else render_bodies(template, user, subject, ticket,
                                                                               context)
    row = OutboxEmail(
        dedupe_key=dedupe_key, to_address=address or (user.email if user else to), recipient=user, ticket=ticket,
        kind=kind,
        subject=subject[:300], headers=_headers(kind, ticket), status="held" if held else "pending",
        text_body=text_body, html_body=html_body, context=context if render_when_sent else None,
    )
    db.session.add(row)
    return row


@dataclass(frozen=True)
class Notification:
    """One email about an event (a question's, or an account's), rendered when sent from emails/<kind>.txt/.html."""

    recipient: User
    kind: str
    subject: MailSubject  # translated into the recipient's language when queued, and again when sent
    context: dict  # JSON values the templates show besides the question and the recipient (ids of objects)
    held: bool = False


def queue_event_mail(event: Event, ticket: Ticket | None, notifications: list[Notification]) -> None:
    """Queue emails about an event (about `ticket` if not None), once per event and recipient, bodies left to the
    sender.

    An event not yet inserted has no id for the dedupe key: its emails are inserted by the flush that
    inserts it (so filing a question inserts it once, whatever the subscribers set on it afterwards; an
    import inserts the invitations of thousands of accounts in one statement).
    """
    if event.id is None:
        db.session.info.setdefault(_UNFLUSHED, []).append((event, ticket, notifications))
    else:
        _insert_event_mail(db.session.connection(), db.session.info, [(event, ticket, notifications)])


_UNFLUSHED = "outbox_unflushed"
# The plain INSERT of the mail of events just inserted (every filing runs it): built once, with its cache key.
_QUEUE = insert(OutboxEmail.__table__)
_QUEUE_RETURNING = _QUEUE.returning(OutboxEmail.__table__.c.id, OutboxEmail.__table__.c.status)


def _insert_event_mail(connection, info: dict, batches: list[tuple[Event, Ticket | None, list[Notification]]],
                       just_inserted: bool = False) -> None:
    """Insert the emails of these events in one statement, skipping dedupe keys already queued.

    `just_inserted`: the events were inserted by the current flush, so no queued row can hold their dedupe
    keys yet and a plain INSERT does (SQLAlchemy caches its compiled form; the ON CONFLICT variants are
    compiled again at every execution).
    """
    now = utcnow()
    subjects: dict[tuple, str] = {}

    def subject(item: Notification, ticket: Ticket | None) -> str:
        """The item's Subject header, translated once per shared subject, question and language."""
        key = (id(item.subject), ticket.id if ticket is not None else None, recipient_locale(item.recipient))
        if key not in subjects:
            subjects[key] = _recipient_subject(item.subject, item.recipient, ticket)[:300]
        return subjects[key]

    rows = [{"dedupe_key": f"event:{event.id}:{item.recipient.id}", "to_address": item.recipient.email,
             "recipient_id": item.recipient.id, "ticket_id": ticket.id if ticket is not None else None,
             "kind": item.kind,
             "subject": subject(item, ticket),
             "context": {**item.context, "subject": [item.subject.msgid, item.subject.values]},
             "headers": _headers(item.kind, ticket), "status": "held" if item.held else "pending",
             "attempts": 0, "next_attempt_at": now, "created_at": now}
            for event, ticket, notifications in batches for item in notifications]
    table = OutboxEmail.__table__
    if just_inserted:
        statement, returning = _QUEUE, _QUEUE_RETURNING
        first_of_key = {}
        for row in rows:
            first_of_key.setdefault(row["dedupe_key"], row)
        rows = list(first_of_key.values())
    else:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"])
        returning = statement.returning(table.c.id, table.c.status)
    ids = reserve_ids(connection, table, len(rows)) if just_inserted else None
    if ids is not None:
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
        connection.execute(statement, rows)
        inserted = [(row["id"], row["status"]) for row in rows]
    else:
        # Executed with many parameter sets, SQLAlchemy sends one multi-row INSERT ("insertmanyvalues").
        inserted = connection.execute(returning, rows).all()
    pending = {row_id for row_id, status in inserted if status == "pending"}
    if pending:
        info.setdefault("outbox_new", set()).update(pending)


def current_subject(row: OutboxEmail) -> str:
    """The subject of a mail queued without its bodies, in its recipient's language now; as written when queued for
    a mail queued without its source (or emptied by an anonymisation)."""
    context = row.context or {}
    if row.kind == "digest" and "date" in context:
        source = LazyString(digest_subject, date.fromisoformat(context["date"]), len(context["rows"]))
    elif "subject" in context:
        source = MailSubject(*context["subject"])
    else:
        return row.subject
    return _recipient_subject(source, row.recipient, row.ticket)[:300]


def digest_items(row: OutboxEmail) -> list[dict]:
    """The notifications a digest mail summarises, as they stand now (in the recipient's language now): those of a
    question anonymised since were scrubbed with it (their subject no longer names it) and lose their link."""
    summarised = db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(row.context["rows"]))
                                    .order_by(OutboxEmail.id).options(selectinload(OutboxEmail.ticket))).all()
    return [{"subject": current_subject(item), "at": item.created_at,
             "url": absolute_url("tickets.detail", reference=item.ticket.reference)
             if item.ticket is not None and item.ticket.anonymised_at is None else None}
            for item in summarised]


def deferred_mail(row: OutboxEmail) -> tuple[str, str, str]:
    """Write the subject and bodies of a mail queued without its bodies, all in the language its recipient has
    chosen by now: a digest from the notifications it summarises, an invitation or a reset link from the link it
    keeps, a question notification from the question, the recipient and the ids it keeps."""
    subject = current_subject(row)
    if row.kind == "digest":
        return subject, *render_bodies("digest", row.recipient, subject, None, {"items": digest_items(row)})
    context = row.context or {}
    message_id, actor_id = context.get("message_id"), context.get("actor_id")
    if row.kind in PASSWORD_LINK_KINDS:
        return subject, *render_bodies(row.kind, row.recipient, subject, None, {
            "link": context["link"], "inviter": db.session.get(User, actor_id) if actor_id is not None else None,
            "expires_at": datetime.fromisoformat(context["expires_at"])})
    if row.ticket is None:
        raise ValueError("the question of this notification was deleted")
    merged_into = row.ticket.merged_into
    # As on the question's page: the question kept is named only to those who may open it.
    shown_target = (merged_into if merged_into is not None and row.recipient is not None
                    and can_view_ticket(row.recipient, merged_into) else None)
    return subject, *render_bodies(row.kind, row.recipient, subject, row.ticket, {
        "message": db.session.get(Message, message_id) if message_id is not None else None,
        "actor": db.session.get(User, actor_id) if actor_id is not None else None,
        "merged": merged_into is not None, "merged_into": shown_target,
        "merged_into_url": absolute_url("tickets.detail", reference=shown_target.reference) if shown_target else None,
        "closes_on": datetime.fromisoformat(context["closes_on"]) if "closes_on" in context else None,
        # A follower's mail: what happened (notifications.FOLLOWED_EVENTS), the question merged in.
        "activity": context.get("activity"), "source_reference": context.get("source"),
        "assignee": db.session.get(User, context["assignee_id"]) if context.get("assignee_id") else None,
    })


# Mail not handed to the sender yet, which an account change may still redirect or cancel.
WAITING_STATUSES = ("pending", "held", "failed")


# Mail written for the legal team only (a follower's mail quotes internal notes).
TEAM_ONLY_KINDS = ("followed_activity",)


def follow_account_change(user: User) -> int:
    """After an admin changed an account (address, role, structure) or deactivated it: its mail not sent yet goes to
    its current address, and the notifications about questions it may no longer open are cancelled (a member who
    moved to another structure must not get their former colleagues' answers), as is the team's mail
    (TEAM_ONLY_KINDS) of an account no longer on the team (a jurist made a member of the question's structure may
    open it, not read its internal notes). Security notices stay with the address they were written to (the one
    told that its account moved to another address must get it). The caller commits; returns how many were
    cancelled."""
    cancelled = 0
    for row in db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient_id == user.id,
                                                            OutboxEmail.kind != "security_notice",
                                                            OutboxEmail.status.in_(WAITING_STATUSES))):
        if row.ticket is not None and (not can_view_ticket(user, row.ticket)
                                       or (row.kind in TEAM_ONLY_KINDS and not can_see_internal(user))):
            row.status = "cancelled"
            cancelled += 1
        else:
            row.to_address = user.email
    return cancelled


def cancel_password_mail(user: User) -> int:
    """Cancel the invitation and reset mails of `user` not sent yet, whose links have just stopped working (a newer
    link, a password chosen): sent later, they would only carry a dead link. The caller commits; returns how many."""
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient_id == user.id,
                                                        OutboxEmail.kind.in_(PASSWORD_LINK_KINDS),
                                                        OutboxEmail.status.in_(WAITING_STATUSES))).all()
    for row in rows:
        row.status = "cancelled"
    return len(rows)


def find_reference(text: str | None) -> str | None:
    """The first question reference (Q-2026-00042) in a subject or in our Message-IDs, normalised."""
    match = REFERENCE_PATTERN.search(text or "")
    return f"Q-{match.group(1)}-{match.group(2)}" if match else None


@event.listens_for(Session, "after_flush")
def _insert_mail_of_flushed_events(session, flush_context):
    """Queue the emails waiting for their events to be inserted, in the flush's transaction."""
    waiting = session.info.pop(_UNFLUSHED, None)
    if not waiting:
        return
    ready = [batch for batch in waiting if batch[0].id is not None]
    if len(ready) < len(waiting):
        session.info[_UNFLUSHED] = [batch for batch in waiting if batch[0].id is None]
    if ready:
        _insert_event_mail(session.connection(), session.info, ready, just_inserted=True)


@event.listens_for(Session, "after_flush")
def _remember_new_mail(session, flush_context):
    """Note the outbox rows this transaction created, to send them once it commits."""
    ids = {row.id for row in session.new if isinstance(row, OutboxEmail) and row.status == "pending"}
    if ids:
        session.info.setdefault("outbox_new", set()).update(ids)


@event.listens_for(Session, "after_commit")
def _flag_mail_to_send(session):
    """Hand the committed outbox rows to the current request, which sends them after its response."""
    ids = session.info.pop("outbox_new", None)
    if ids and has_app_context():
        g.setdefault("mail_pending", set()).update(ids)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_mail(session):
    """Rows of a rolled-back transaction do not exist."""
    session.info.pop("outbox_new", None)
    session.info.pop(_UNFLUSHED, None)
