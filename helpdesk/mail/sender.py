"""Delivering the outbox: claim a batch, send it, mark it sent or schedule a retry.

A claim is one atomic statement (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED;
SQLite: a conditional UPDATE, SQLite serialising writers), so two senders never
hold the same row. A claim older than MAIL_CLAIM_TIMEOUT_SECONDS belongs to a
sender that died and is taken over. The batch's messages are built together
(its questions and recipients loaded in two queries) before the first is sent,
over one SMTP connection. Right before each mail goes out, the sender stamps
its claim on that row (one conditional UPDATE) and skips it if the row was
taken over or cancelled meanwhile (its recipient or question anonymised), so a
slow batch is never sent twice and cancelled mail never leaves; on PostgreSQL
the stamp's row lock is held while the mail is handed to the server, so an
anonymisation waits for that one mail rather than racing it (SQLite would lock
every writer: the stamp is committed at once there). Each row is marked sent in
its own commit right after the server accepted it: the window between the SMTP
server accepting a mail and the row being marked sent is the only place a crash
can repeat a mail.
"""
import logging
import os
import random
import smtplib
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.header import Header
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.mail.outbox import deferred_mail
from helpdesk.mail.reply_address import reply_address
from helpdesk.models import Message, OutboxEmail, User
from helpdesk.models._types import utcnow

log = logging.getLogger(__name__)
# Set when the sending loop is asked to stop (SIGTERM): the batch being sent is finished and marked, no new one
# is claimed, so stopping the sender never leaves a delivered mail unmarked (to be sent again).
stopping = threading.Event()
# The default policy, but a header stored already folded (the subject, see folded_subject) is written as it is.
SUBJECT_KEPT = policy.default.clone(refold_source="none")


def build_message(row: OutboxEmail) -> EmailMessage:
    """The MIME message of an outbox row: plain text with an HTML alternative (rendered now for notifications and
    digests), answered at the recipient's signed reply address for an open question, else at MAIL_REPLY_TO."""
    subject, text_body, html_body = ((row.subject, row.text_body, row.html_body) if row.text_body is not None
                                     else deferred_mail(row))
    message = EmailMessage(policy=SUBJECT_KEPT)
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = row.to_address
    # Stored already folded: the standard library's own folding of a subject mixing plain and encoded words loses or
    # doubles the space before an accented word once decoded (« a  reçu »), and may fold before its first word.
    message.set_raw("Subject", folded_subject(subject))
    reply_to = reply_address(row.recipient, row.ticket, row.kind) or current_app.config["MAIL_REPLY_TO"]
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = row.created_at
    for name, value in row.headers.items():
        message[name] = value
    message.set_content(text_body)
    message.add_alternative(html_body, subtype="html")
    return message


def folded_subject(subject: str) -> str:
    """A Subject header's value encoded and folded so that every mail client decodes it to `subject` exactly: plain
    words folded at their spaces when it is ASCII, else wholly RFC 2047 encoded words, each carrying its own spaces
    (the folding between two encoded words is not part of the text)."""
    charset = "us-ascii" if subject.isascii() else "utf-8"
    return Header(subject, charset, header_name="Subject").encode(linesep="\n")


@contextmanager
def _smtp_connection():
    """An authenticated SMTP connection per the MAIL_* settings, yielding its send function."""
    config = current_app.config
    factory = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with factory(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        yield smtp.send_message


@contextmanager
def _file_connection():
    """Write each mail as an .eml file (default for development: no mail server needed)."""
    directory = Path(current_app.config["MAIL_FILE_DIR"] or Path(current_app.instance_path) / "mail")
    directory.mkdir(parents=True, exist_ok=True)

    def write(message: EmailMessage) -> None:
        """Save one message, named by time and Message-ID so files sort chronologically."""
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
        (directory / name).write_bytes(bytes(message))

    yield write


@contextmanager
def _console_connection():
    """Log each mail instead of sending it."""
    yield lambda message: log.warning("email (console backend):\n%s", message.as_string())


BACKENDS = {"smtp": _smtp_connection, "file": _file_connection, "console": _console_connection}


def _claimable(now):
    """Rows due for sending, and rows whose sender died holding them."""
    stale = now - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT_SECONDS"])
    return or_(and_(OutboxEmail.status == "pending", OutboxEmail.next_attempt_at <= now),
               and_(OutboxEmail.status == "sending", OutboxEmail.claimed_at < stale))


def claim_batch(limit: int, ids: list[int] | None = None) -> tuple[str, list[int]]:
    """Atomically take up to `limit` due rows (optionally among `ids`); return the claim token and the ids."""
    db.session.commit()
    token = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    now = utcnow()
    condition = _claimable(now)
    if ids is not None:
        condition = and_(condition, OutboxEmail.id.in_(ids))
    candidates = select(OutboxEmail.id).where(condition).order_by(OutboxEmail.id).limit(limit)
    values = {"status": "sending", "claimed_by": token, "claimed_at": now, "attempts": OutboxEmail.attempts + 1}
    if db.engine.dialect.name == "postgresql":
        chosen = db.session.scalars(candidates.with_for_update(skip_locked=True)).all()
        if chosen:
            db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(chosen)).values(**values)
                               .execution_options(synchronize_session=False))
    else:
        db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(candidates.scalar_subquery()), condition)
                           .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    claimed = db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.claimed_by == token,
                                                              OutboxEmail.status == "sending")).all()
    return token, sorted(claimed)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with up to 25 % jitter, capped at MAIL_RETRY_MAX_SECONDS."""
    config = current_app.config
    seconds = min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0), config["MAIL_RETRY_MAX_SECONDS"])
    return timedelta(seconds=seconds * (1 + random.random() / 4))


def _held(row_ids: list[int], token: str):
    """An UPDATE of the rows, applying only to those this sender's claim still holds."""
    return (update(OutboxEmail).where(OutboxEmail.id.in_(row_ids), OutboxEmail.claimed_by == token,
                                      OutboxEmail.status == "sending")
            .execution_options(synchronize_session=False))


def _stamp(row_id: int, token: str) -> bool:
    """Re-stamp this sender's claim on the row about to be sent; False if it was taken over or cancelled meanwhile.

    On PostgreSQL the transaction stays open, holding the row's lock until the outcome is recorded."""
    held = db.session.scalar(_held([row_id], token).values(claimed_at=utcnow()).returning(OutboxEmail.id))
    if held is None or db.engine.dialect.name != "postgresql":
        db.session.commit()
    return held is not None


def _finish(row_id: int, token: str, **values) -> None:
    """Record the outcome of a send, unless another sender took the row over meanwhile."""
    db.session.execute(_held([row_id], token).values(claimed_by=None, claimed_at=None, **values))
    db.session.commit()


def _fail(row_id: int, attempts: int, token: str, error: Exception) -> str:
    """Schedule a retry, or give up after MAIL_MAX_ATTEMPTS; return the new status."""
    status = "failed" if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"] else "pending"
    _finish(row_id, token, status=status, last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=utcnow() + retry_delay(attempts))
    return status


@dataclass
class SendReport:
    """What one pass of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass
class _Outgoing:
    """One claimed row, its message built (or the reason it cannot be) before the batch is sent."""

    id: int
    attempts: int
    message: EmailMessage | None
    error: ValueError | None = None


def _build_batch(claimed: list[int]) -> list[_Outgoing]:
    """Load the claimed rows with their questions and recipients and build every message of the batch."""
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(claimed)).order_by(OutboxEmail.id)
                              .options(selectinload(OutboxEmail.ticket), selectinload(OutboxEmail.recipient))).all()
    # The actors and messages the notifications show, loaded once and kept referenced while the batch is built
    # (the session's identity map holds objects weakly: an unreferenced one would be reloaded for every mail).
    shown = [list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []
             for model, ids in ((User, {(row.context or {}).get("actor_id") for row in rows} - {None}),
                                (Message, {(row.context or {}).get("message_id") for row in rows} - {None}))]
    outgoing = []
    for row in rows:
        try:
            outgoing.append(_Outgoing(row.id, row.attempts, build_message(row)))
        except ValueError as error:  # an unbuildable mail (its question deleted): retried, then failed
            outgoing.append(_Outgoing(row.id, row.attempts, None, error))
        except Exception as error:  # a text its templates fail on: that mail alone is retried, then failed
            log.exception("mail %s cannot be built", row.id)
            outgoing.append(_Outgoing(row.id, row.attempts, None, ValueError(f"{type(error).__name__}: {error}")))
    del shown
    return outgoing


def send_pending(limit: int | None = None, ids: list[int] | None = None) -> SendReport:
    """Send the due mails (or only `ids`), batch after batch while batches come full and nothing fails."""
    report = SendReport()
    batch = limit or current_app.config["MAIL_BATCH_SIZE"]

    def record_failure(item: _Outgoing, token: str, error: Exception) -> None:
        """Schedule the row's retry (or give up on it) and count it."""
        if _fail(item.id, item.attempts, token, error) == "failed":
            report.failed += 1
        else:
            report.retried += 1

    while not stopping.is_set():
        token, claimed = claim_batch(batch, ids)
        if not claimed:
            return report
        outgoing = _build_batch(claimed)
        try:
            with BACKENDS[current_app.config["MAIL_BACKEND"]]() as send:
                for item in outgoing:
                    if not _stamp(item.id, token):
                        continue
                    try:
                        if item.error is not None:
                            raise item.error
                        send(item.message)
                    except (smtplib.SMTPException, OSError, ValueError) as error:  # ValueError: unbuildable mail
                        record_failure(item, token, error)
                        continue
                    _finish(item.id, token, status="sent", sent_at=utcnow(), last_error=None)
                    report.sent += 1
        except (smtplib.SMTPException, OSError) as error:
            log.warning("mail server unavailable: %s", error)
            still_claimed = set(db.session.scalars(select(OutboxEmail.id).where(
                OutboxEmail.claimed_by == token, OutboxEmail.status == "sending")))
            for item in outgoing:
                if item.id in still_claimed:
                    record_failure(item, token, error)
        if limit is not None or len(claimed) < batch or report.retried or report.failed:
            return report
    return report


def send_after_request(response):
    """After a request that queued mail, send it once the response is delivered (never fails the request)."""
    ids = g.pop("mail_pending", None)
    if ids and current_app.config["MAIL_SEND_AFTER_REQUEST"]:
        response.call_on_close(lambda app=current_app._get_current_object(): _send_quietly(app, sorted(ids)))
    return response


def _send_quietly(app: Flask, ids: list[int]) -> None:
    """In a fresh app context, send these rows, then one batch of older due mail: rows an earlier request could
    not send (the database locked by another writer under SQLite, a crash) and retries whose time has come,
    which no sender loop picks up under `make run`. Errors are logged; the mail stays in the outbox."""
    with app.app_context():
        try:
            report = send_pending(ids=ids)
            if not (report.retried or report.failed):  # the mail server answers: catch up on older mail
                send_pending(limit=app.config["MAIL_BATCH_SIZE"])
        except Exception:
            log.exception("sending after the request failed: mail left in the outbox for the next send")
        finally:
            db.session.remove()


def send_waiting_now() -> SendReport:
    """An admin sends the waiting mail now, retries scheduled for later included."""
    db.session.execute(update(OutboxEmail).where(OutboxEmail.status == "pending").values(next_attempt_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return send_pending()


def retry_failed(row: OutboxEmail) -> None:
    """An admin sends a failed mail again: it becomes due now with a fresh attempt count."""
    row.status, row.attempts, row.next_attempt_at, row.last_error = "pending", 0, utcnow(), None
    db.session.commit()
