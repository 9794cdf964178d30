"""Writing emails to the outbox, in the transaction of the change that causes them.

Rows added to the outbox are remembered per session; once the transaction commits,
the current request asks for them to be sent right after its response (see
sender.send_after_request). Rolled-back rows are forgotten with their transaction.
"""
import re
import secrets
from email.utils import parseaddr
from urllib.parse import urlsplit

from flask import current_app, g, has_app_context, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.extensions import db
from helpdesk.i18n import recipient_locale
from helpdesk.models import OutboxEmail, Ticket, User

REFERENCE_PATTERN = re.compile(r"\bQ-(\d{4})-(\d{5,})\b", re.IGNORECASE)


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link to a page, built from BASE_URL (works outside requests, e.g. in commands)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def message_id_domain() -> str:
    """The domain of our Message-IDs: the sender address's domain."""
    return parseaddr(current_app.config["MAIL_SENDER"])[1].rpartition("@")[2] or "localhost"


def thread_id(ticket: Ticket) -> str:
    """The Message-ID every mail about a question refers to, so mail clients thread them and replies find it."""
    return f"<{ticket.reference.lower()}@{message_id_domain()}>"


def queue_email(*, to: User | str, kind: str, template: str, subject: str | LazyString, context: dict, dedupe_key: str,
                ticket: Ticket | None = None, held: bool = False) -> OutboxEmail | None:
    """Add an email (text + HTML from emails/<template>.txt/.html) to the session, in the recipient's language
    (a lazy subject is translated too); None if already queued."""
    if db.session.query(OutboxEmail.id).filter_by(dedupe_key=dedupe_key).first() is not None:
        return None
    user = to if isinstance(to, User) else None
    with force_locale(recipient_locale(user)):
        return _queue_email(to=to, user=user, kind=kind, template=template, subject=str(subject), context=context,
                            dedupe_key=dedupe_key, ticket=ticket, held=held)


def _queue_email(*, to: User | str, user: User | None, kind: str, template: str, subject: str, context: dict,
                 dedupe_key: str, ticket: Ticket | None, held: bool) -> OutboxEmail:
    """Build and add the outbox row (the caller has chosen the language)."""
    # Headers are one line: a line break in user text (a question's subject) must not reach them.
    subject = " ".join(subject.split())
    address = user.email if user else to
    if ticket is not None:
        subject = f"[{ticket.reference}] {subject}"
        context = {"ticket": ticket, "ticket_url": absolute_url("tickets.detail", reference=ticket.reference),
                   **context}
    context = {"recipient": user, "subject": subject, "preferences_url": absolute_url("mail.preferences"),
               **context}
    token = secrets.token_hex(8)
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if ticket is not None:
        headers["Message-ID"] = f"<{ticket.reference.lower()}.{token}@{message_id_domain()}>"
        headers["In-Reply-To"] = headers["References"] = thread_id(ticket)
    else:
        headers["Message-ID"] = f"<{kind}.{token}@{message_id_domain()}>"
    row = OutboxEmail(
        dedupe_key=dedupe_key, to_address=address, recipient=user, ticket=ticket, kind=kind,
        subject=subject[:300], headers=headers, status="held" if held else "pending",
        text_body=render_template(f"emails/{template}.txt", **context),
        html_body=render_template(f"emails/{template}.html", **context),
    )
    db.session.add(row)
    return row


def find_reference(text: str | None) -> str | None:
    """The first question reference (Q-2026-00042) in a subject or in our Message-IDs, normalised."""
    match = REFERENCE_PATTERN.search(text or "")
    return f"Q-{match.group(1)}-{match.group(2)}" if match else None


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
