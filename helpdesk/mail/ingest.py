"""Placing received mail: a reply appended to its question, or kept for a jurist ("Courriels non rattachés").

Only a reply sent to the signed reply address of its sender and question is appended (and, where the receiving
mail server is named in MAIL_INBOUND_AUTHSERV_ID, only one whose sender's domain that server authenticated); any
other message (an old-style reply to the plain address, a forged From, a forwarded notification answered by
someone else) waits for a jurist, who may attach it after checking where it comes from.

Nothing is dropped: every message gets an InboundEmail row, committed in the
same transaction as the reply it became. A message already ingested (same
Message-ID, e.g. fetched twice) is not appended again. A message the mail library cannot read (it raises, in a way
nobody foresaw) is kept whole for review, unread, and never stops the messages after it.
"""
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from flask import current_app
from sqlalchemy import select, update

from helpdesk.attachments.content import clean_filename
from helpdesk.attachments.services import AttachmentRejected, check_uploads, megabytes
from helpdesk.auth.services import find_user_by_email
from helpdesk.errors import Conflict, InvalidInput, NotFound, RateLimited, ServiceError
from helpdesk.extensions import db
from helpdesk.mail.parsing import ParsedMail, parse_mail, sender_authenticated
from helpdesk.mail.reply_address import ReplyToken, read_token
from helpdesk.models import InboundEmail, Message, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import can_view_ticket, ensure_staff, membership_active
from helpdesk.i18n import format_datetime
from helpdesk.tickets.services import add_message
from helpdesk.translation import gettext as _, ngettext

log = logging.getLogger(__name__)

ATTACHMENTS_ONLY = "(Message envoyé par courriel avec des pièces jointes, sans texte.)"
# What is kept of a message too large to read: its header section, up to this size.
HEADERS_MAX_BYTES = 64 * 1024


def _tokens(parsed: ParsedMail) -> list[ReplyToken]:
    """The genuine signed reply addresses the message was sent to."""
    return [token for token in map(read_token, parsed.recipients) if token is not None]


def _named_reference(parsed: ParsedMail, tokens: list[ReplyToken]) -> str | None:
    """The question the message is about: the reference in its subject or threading headers, else its reply
    address's."""
    return parsed.reference or (tokens[0].reference if tokens else None)


def _may_write(sender: User | None) -> bool:
    """Whether a mail from this account may become its reply: an active account, and a member only while their
    structure's membership is active (otherwise a jurist attaches it as an internal note)."""
    return sender is not None and sender.active and membership_active(sender)


def _unauthenticated(parsed: ParsedMail) -> bool:
    """Whether the receiving mail server, when one is configured, did not authenticate the sender's domain."""
    authserv_id = current_app.config["MAIL_INBOUND_AUTHSERV_ID"]
    return bool(authserv_id) and not sender_authenticated(parsed, authserv_id)


def sender_unproven(record: InboundEmail, parsed: ParsedMail) -> bool:
    """Whether attaching a kept message would make it the reply of an account although nothing proves that its owner
    sent it: it was not sent to the signed reply address given to that account for the question it names, or the
    configured receiving server did not authenticate its domain, whatever the reason it was kept (no reference, a
    closed or unknown question...). Anyone can write any From header."""
    sender = find_user_by_email(record.from_address)
    if not _may_write(sender):
        return False  # attached as an internal note naming the address, never as someone's reply
    tokens = _tokens(parsed)
    return ReplyToken(sender.id, _named_reference(parsed, tokens) or "") not in tokens or _unauthenticated(parsed)


def _placement(parsed: ParsedMail) -> tuple[str | None, Ticket | None, User | None]:
    """Why the message cannot be placed (None if it can), with the question and the sender found.

    The From header is not trusted: the message must have been sent to the signed reply address that the help
    desk gave this sender for this question (helpdesk/mail/reply_address.py).
    """
    if parsed.automatic:
        return "auto_reply", None, None
    tokens = _tokens(parsed)
    reference = _named_reference(parsed, tokens)
    if reference is None:
        return "no_reference", None, None
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    if ticket is None:
        return "unknown_ticket", None, None
    sender = find_user_by_email(parsed.from_address)
    if sender is None or not sender.active:
        return "unknown_sender", ticket, None
    if not can_view_ticket(sender, ticket):
        return "not_allowed", None, sender
    if ticket.is_closed:
        return "closed", ticket, sender
    if not tokens:
        return "unverified", ticket, sender
    if ReplyToken(sender.id, ticket.reference) not in tokens:
        return "wrong_address", ticket, sender
    if _unauthenticated(parsed):
        return "unauthenticated", ticket, sender
    if not parsed.text and not parsed.attachments:
        return "empty", ticket, sender
    return None, ticket, sender


def _record(raw: bytes, parsed: ParsedMail, **values) -> InboundEmail:
    """A new InboundEmail for this message, added to the session."""
    record = InboundEmail(
        message_id=parsed.message_id, from_address=parsed.from_address or "(inconnu)", from_name=parsed.from_name,
        subject=parsed.subject, text=parsed.text, raw=raw, attachment_count=len(parsed.attachments),
        detail=f"Référence citée : {parsed.reference}." if parsed.reference else "", **values)
    db.session.add(record)
    return record


def _already_ingested(parsed: ParsedMail) -> InboundEmail | None:
    """The record of a message with the same Message-ID, if one was received before."""
    if not parsed.message_id:
        return None
    return db.session.scalar(select(InboundEmail).where(InboundEmail.message_id == parsed.message_id))


def _headers(raw: bytes) -> bytes:
    """The message's header section (at most its first 64 KiB), ending with the blank line."""
    head = raw[:HEADERS_MAX_BYTES]
    ends = [index + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (index := head.find(mark)) >= 0]
    return head[:min(ends)] if ends else head.rstrip(b"\r\n") + b"\r\n\r\n"


def _keep_oversized(raw: bytes) -> InboundEmail:
    """Keep a message past MAIL_INBOUND_MAX_BYTES for the jurists with its headers alone: its text and attachments are
    neither read nor stored, and the reason says why."""
    headers = _headers(raw)
    parsed = parse_mail(headers)
    known = _already_ingested(parsed)
    if known is not None:
        return known
    record = _record(headers, parsed, status="pending", reason="rejected")
    record.detail = f"{record.detail} {_oversized_refusal()}".strip()
    db.session.commit()
    return record


def _oversized_refusal() -> str:
    """Why a message's text and attachments were left out, as the jurist reviewing it reads it."""
    return _("Ce courriel dépasse les %(max)s acceptés : seuls ses en-têtes ont été conservés, ni son texte ni ses "
             "pièces jointes. Demandez à l'expéditeur d'envoyer ses fichiers en plusieurs courriels.",
             max=megabytes(current_app.config["MAIL_INBOUND_MAX_BYTES"]))


def ingest(raw: bytes) -> InboundEmail:
    """Append a received message to its question as its sender's reply, or keep it for review (with its headers
    alone when it is larger than MAIL_INBOUND_MAX_BYTES)."""
    if len(raw) > current_app.config["MAIL_INBOUND_MAX_BYTES"]:
        return _keep_oversized(raw)
    parsed = parse_mail(raw)
    known = _already_ingested(parsed)
    if known is not None:
        return known
    reason, ticket, sender = _placement(parsed)
    if reason is not None:
        record = _record(raw, parsed, status="pending", reason=reason, ticket=ticket)
        db.session.commit()
        return record
    record = _record(raw, parsed, status="placed", ticket=ticket)
    try:
        # add_message commits the reply and this record, linked to it, together.
        add_message(ticket, sender, parsed.text or ATTACHMENTS_ONLY, attachments=parsed.attachments,
                    on_posted=partial(_link_reply, record))
    except ServiceError as error:
        db.session.rollback()
        record = _record(raw, parsed, status="pending", reason="rejected")
        record.detail = f"{record.detail} {_refusal_for_reviewer(error, sender)}".strip()
        db.session.commit()
        return record
    return record


def ingest_or_keep(raw: bytes, source: str) -> InboundEmail:
    """Ingest a message; one whose reading or placing raises is kept for review as unreadable, nothing else of it
    written, and the error logged under `source` (its IMAP UID...) by its kind alone, never with the message's
    content (an error's text can quote a header)."""
    try:
        return ingest(raw)
    except Exception as error:  # hostile mail can make the mail library fail in any way
        db.session.rollback()
        log.error("received mail %s could not be read (%s): kept for review as unreadable", source,
                  type(error).__name__)
        # Past the size limit, only its headers, as for any message that large.
        kept = raw if len(raw) <= current_app.config["MAIL_INBOUND_MAX_BYTES"] else _headers(raw)
        record = _record(kept, _nothing_read(), status="pending", reason="rejected")
        record.detail = _("Ce courriel n'a pas pu être lu (erreur %(error)s) : il est conservé tel quel, sans "
                          "expéditeur, texte ni pièce jointe lisibles. Écartez-le, ou demandez à son expéditeur de "
                          "le renvoyer.", error=type(error).__name__)
        db.session.commit()
        return record


def _nothing_read() -> ParsedMail:
    """What is read of a message the mail library cannot read: nothing."""
    return ParsedMail(message_id=None, from_address="", from_name="", subject="", reference=None, full_text="",
                      text="", automatic=False)


def read_kept(raw: bytes) -> ParsedMail:
    """A kept message as parsed for the jurist reviewing it, or nothing of it when the mail library cannot read it
    (kept by `ingest_or_keep`): its page still opens and it can still be discarded."""
    try:
        return parse_mail(raw)
    except Exception:  # the failure was logged when the message was received
        return _nothing_read()


def _refusal_for_reviewer(error: ServiceError, sender: User) -> str:
    """Why a reply was not appended, as the jurist reviewing the kept mail reads it: the reply pace's refusal speaks
    to the member who sent too much (« Vous avez déjà envoyé… »), so it is told of them instead. Only members are
    paced: a jurist's mailed reply is never held for it."""
    if not isinstance(error, RateLimited):
        return error.message
    limit = current_app.config["MEMBER_REPLIES_PER_HOUR"]
    return ngettext("%(name)s a déjà envoyé %(num)d message dans l'heure, le maximum pour un membre : rattachez ce "
                    "courriel si c'est bien sa réponse, sinon écartez-le.",
                    "%(name)s a déjà envoyé %(num)d messages dans l'heure, le maximum pour un membre : rattachez ce "
                    "courriel si c'est bien sa réponse, sinon écartez-le.", limit, name=sender.name)


def attach(record: InboundEmail, reference: str, jurist: User, chosen: Sequence[int] | None = None) -> Ticket:
    """A jurist attaches a kept message to a question: the sender's reply if allowed, else an internal note; with
    `chosen`, only the accepted files of those numbers (see kept_files) go with it."""
    ensure_staff(jurist)
    ensure_pending(record)
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == (reference or "").strip().upper()))
    if ticket is None:
        raise NotFound(_("Aucune question ne porte cette référence."))
    parsed = read_kept(record.raw)
    text = record.text or parsed.full_text.strip()
    files, refused = _acceptable(parsed.attachments)
    if chosen is not None:
        ticked = set(chosen)
        files = [file for number, file in enumerate(files) if number in ticked]
    if not text and not files:
        raise InvalidInput(_("Ce courriel ne contient aucun texte ni pièce jointe acceptée à rattacher : écartez-le."))
    if refused:
        text = f"{text}\n\n(Pièces jointes refusées : {', '.join(refused)}.)".strip()
    sender = find_user_by_email(record.from_address)
    _take_pending(record, jurist, "attached", ticket)
    try:
        # The mail is marked handled and linked to its message in the message's own transaction: both or neither.
        if _may_write(sender) and can_view_ticket(sender, ticket):
            add_message(ticket, sender, text or ATTACHMENTS_ONLY, attachments=files, paced=False,
                        on_posted=partial(_link_reply, record))
        else:
            note = (f"Courriel de {record.from_name or record.from_address} <{record.from_address}> reçu le "
                    f"{format_datetime(record.received_at)}, rattaché par {jurist.name} :\n\n"
                    f"{text or ATTACHMENTS_ONLY}")
            add_message(ticket, jurist, note, internal=True, attachments=files, on_posted=partial(_link_reply, record))
    except Exception:
        db.session.rollback()
        raise
    return ticket


def _link_reply(record: InboundEmail, message: Message) -> None:
    """Link a received mail to the message it became, in that message's transaction."""
    record.reply_id = message.id


def kept_files(parsed: ParsedMail) -> list[tuple[str, bytes]]:
    """A kept message's files the upload checks accept, in their order (their numbers are the jurist's choices)."""
    return _acceptable(parsed.attachments)[0]


def _acceptable(files: list[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Split a mail's attachments into those the upload checks accept, under the name they will be stored with, and the
    names of those they refuse, cleaned as every shown file name is (anyone can mail the reply address: a name must
    not bring line breaks, a right-to-left override or a page of text into the message or the question's form)."""
    accepted, refused = [], []
    for name, data in files:
        try:
            checked = check_uploads([(name, data)])[0]
        except AttachmentRejected:
            refused.append(clean_filename(name))
        else:
            accepted.append((checked.filename, data))
    return accepted, refused


@dataclass(frozen=True)
class QuestionDraft:
    """What a kept message proposes for a question filed for its sender: subject, text, the sender when an active
    member, and the files the upload checks accept (with the names of those they refuse)."""

    subject: str
    body: str
    member: User | None
    files: list[tuple[str, bytes]]
    refused: list[str]


def kept_inbound(inbound_id: int | None) -> InboundEmail | None:
    """The kept message of this number, waiting for a jurist or handled, or None."""
    record = db.session.get(InboundEmail, inbound_id) if inbound_id else None
    return record if record is not None and record.status != "placed" else None


def pending_inbound(inbound_id: int | None) -> InboundEmail | None:
    """The kept message of this number still waiting for a jurist, or None."""
    record = kept_inbound(inbound_id)
    return record if record is not None and record.status == "pending" else None


def question_draft(record: InboundEmail) -> QuestionDraft:
    """The question a kept message without a usable reference (often a new question mailed to the help desk) would
    become."""
    parsed = read_kept(record.raw)
    sender = find_user_by_email(record.from_address)
    files, refused = _acceptable(parsed.attachments)
    return QuestionDraft(subject=record.subject or "", body=record.text or parsed.full_text.strip(),
                         member=sender if sender is not None and sender.is_member and sender.active else None,
                         files=files, refused=refused)


def ensure_pending(record: InboundEmail) -> None:
    """Refuse to handle a kept message a jurist has already handled, saying what became of it."""
    if record.status != "pending":
        raise Conflict(_already_handled(record))


def _already_handled(record: InboundEmail) -> str:
    """What became of a kept message that is no longer waiting, as the jurist who meant to handle it reads it."""
    if record.status == "attached" and record.ticket is not None:
        if record.reply_id is None:
            return _("Ce courriel a déjà été transformé en question %(reference)s.", reference=record.ticket.reference)
        return _("Ce courriel a déjà été rattaché à la question %(reference)s.", reference=record.ticket.reference)
    if record.status == "discarded":
        return _("Ce courriel a déjà été écarté.")
    return _("Ce courriel a déjà été traité.")


def _write_pending(record: InboundEmail, **values) -> None:
    """Write `values` to a kept message still waiting, in the caller's transaction, by one conditional UPDATE that
    holds its row until that transaction ends: of two jurists handling it at once, the second waits for the first's
    commit, then finds it handled and is refused (Conflict, saying what became of it) with its whole transaction
    rolled back."""
    written = db.session.execute(
        update(InboundEmail).where(InboundEmail.id == record.id, InboundEmail.status == "pending").values(**values)
        .execution_options(synchronize_session=False)).rowcount
    if written != 1:
        db.session.rollback()
        raise Conflict(_already_handled(record))


def hold_pending(record: InboundEmail) -> None:
    """Hold a kept message still waiting until the caller's transaction ends, refusing it (Conflict) when a jurist has
    handled it: a question filed from it is then refused before it is numbered (PostgreSQL's sequence gives back no
    number a rolled-back filing drew) and its files written."""
    _write_pending(record, id=InboundEmail.id)


def _take_pending(record: InboundEmail, jurist: User, status: str, ticket: Ticket | None = None) -> None:
    """Mark a kept message handled (`status`, with the question it went to) in the caller's transaction
    (`_write_pending`: one of two jurists handling it at once is refused)."""
    _write_pending(record, status=status, ticket_id=ticket.id if ticket else None, handled_by_id=jurist.id,
                   handled_at=utcnow())
    db.session.refresh(record)


def take_for_question(record: InboundEmail, jurist: User, ticket: Ticket) -> None:
    """A kept message becomes the question `ticket` a jurist is filing from it: handled and linked to it in the
    filing's own transaction (the caller commits both or neither). A message this jurist already turned into this
    very question (the form sent twice) stays as it is; one handled otherwise refuses the filing (Conflict)."""
    ensure_staff(jurist)
    db.session.refresh(record)  # as committed now: a filing of it that held this one up may just have committed
    if (record.status, record.ticket_id, record.handled_by_id) == ("attached", ticket.id, jurist.id):
        return
    _take_pending(record, jurist, "attached", ticket)


def discard(record: InboundEmail, jurist: User) -> None:
    """A jurist sets a kept message aside (spam, wrong address); it stays listed as discarded."""
    ensure_staff(jurist)
    _take_pending(record, jurist, "discarded")
    db.session.commit()
