"""Question operations: file, reply, note, claim, assign, change status, close."""
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from helpdesk.attachments.services import (
    check_uploads, content_digest, remove_attachments, store_uploads, ticket_attachments)
from helpdesk.collation import french_order
from helpdesk.errors import Conflict, InvalidInput, NotFound, RateLimited
from helpdesk.events import AUDIT_KINDS, record_event
from helpdesk.extensions import db
from helpdesk.i18n import too_long, too_short
from helpdesk.kb.searching import question_text_filter
from helpdesk.models import PRIORITIES, Event, Message, Structure, Theme, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.models.ticket import canonical_reference
from helpdesk.permissions import (can_see_internal, can_view_ticket, ensure_can_delete_question, ensure_can_file,
                                  ensure_membership_active, ensure_staff, visible_tickets)
from helpdesk.plain_text import one_line as on_one_line
from helpdesk.submissions import RESENT_WITHIN, hold_submissions
from helpdesk.tickets.workflow import check_transition
from helpdesk.translation import gettext as _, ngettext

SUBJECT_MAX = 200
BODY_MAX = 20_000


# What a jurist's public reply leaves the question in (« Répondue » unless told otherwise).
STATUSES_AFTER_REPLY = ("answered", "waiting")


def _normalised(value: str | None, one_line: bool) -> str:
    """A text field as stored: stripped, and on one line every run of spaces and line breaks made one space."""
    return on_one_line(value) if one_line else (value or "").strip()


def _clean_text(value: str | None, field: str, label: str, minimum: int, maximum: int, one_line: bool = False) -> str:
    """Strip the text argument `field` (on one line: every run of spaces and line breaks made one space) and check its
    length, with a French message naming it by its `label`."""
    text = _normalised(value, one_line)
    if "\x00" in text:
        raise InvalidInput(_("Le champ « %(field)s » contient le caractère nul, qui n'est pas accepté.", field=label),
                           field=field, label=label)
    if len(text) < minimum:
        raise InvalidInput(too_short(len(text), minimum, label), field=field, label=label)
    if len(text) > maximum:
        raise InvalidInput(too_long(len(text), maximum, label), field=field, label=label)
    return text


# The statements a submission runs, built once per process: building one costs a good share of the Python of executing
# it, and a built statement keeps its cache key (the values come as parameters).
_ACTIVE_THEMES = select(Theme).where(Theme.active).order_by(french_order(Theme.name))
_NEXT_TICKET_ID = select(func.nextval(func.pg_get_serial_sequence("ticket", "id")))
# A member's questions filed online since a moment (`author_id`, `since`).
_FILED_ONLINE = (Ticket.author_id == bindparam("author_id"), Ticket.channel == "web",
                 Ticket.created_at >= bindparam("since"))
_FILED_ONLINE_COUNT = select(func.count()).select_from(Ticket).where(*_FILED_ONLINE)
# The reference of the member's latest question with this subject and description filed since `resent_since`.
_SAME_QUESTION = (select(Ticket.reference).where(
    Ticket.author_id == bindparam("author_id"), Ticket.subject == bindparam("subject"),
    Ticket.body == bindparam("body"), Ticket.created_at >= bindparam("resent_since"))
    .order_by(Ticket.id.desc()).limit(1))
# Both, in one round trip, before a web submission.
_RECENT_FILINGS = select(_SAME_QUESTION.scalar_subquery(), _FILED_ONLINE_COUNT.scalar_subquery())
# A write to a question's row that changes nothing: it holds the next reply to the question, or a merge touching it,
# until this transaction commits or rolls back (a row lock on PostgreSQL, the write lock on SQLite): `hold_ticket`.
_HOLD_TICKET = (update(Ticket).where(Ticket.id == bindparam("ticket_id")).values(id=Ticket.id)
                .execution_options(synchronize_session=False))


def active_themes() -> list[Theme]:
    """Active themes, by name: those a new question may be filed under."""
    return list(db.session.scalars(_ACTIVE_THEMES))


def ensure_priority(priority: int) -> None:
    """Refuse an urgency that does not exist."""
    if priority not in PRIORITIES:
        raise InvalidInput(_("Cette urgence n'existe pas."))


def active_theme(theme_id: int | None) -> Theme | None:
    """The active theme with this id, None for no theme; InvalidInput for an unknown one."""
    if theme_id is None:
        return None
    # Beyond an INTEGER column no theme can exist, and PostgreSQL would refuse the lookup itself.
    theme = db.session.get(Theme, theme_id) if 0 < theme_id <= 2**31 - 1 else None
    if theme is None or not theme.active:
        raise InvalidInput(_("Ce thème n'existe pas."))
    return theme


def _set_status(ticket: Ticket, actor: User | None, target: str, now: datetime, **details) -> None:
    """Move the question to `target` following the flow, stamping dates and recording the change (`details`: more
    data for the closing or status event, e.g. `after_message` when a message moved it; `actor` None: the help desk
    itself)."""
    if target == ticket.status:
        return
    check_transition(ticket.status, target, replied=ticket.has_reply)
    previous = ticket.status
    ticket.status = target
    if target in ("answered", "closed") and ticket.resolved_at is None:
        ticket.resolved_at = now
    if target == "closed":
        ticket.closed_at = now
        record_event("closed", actor, ticket, previous=previous, **details)
    elif previous == "closed":
        ticket.closed_at = None
        ticket.resolved_at = None
        record_event("reopened", actor, ticket)
    else:
        if target == "open":
            ticket.resolved_at = None
        record_event("status_changed", actor, ticket, previous=previous, status=target, **details)


def _next_ticket_id() -> int | None:
    """The id the next question gets: handed out by PostgreSQL's sequence before the INSERT; None elsewhere."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return db.session.scalar(_NEXT_TICKET_ID)


def _retry_after(moment: datetime) -> int:
    """Whole seconds from now until `moment` (at least 1), for a RateLimited refusal's Retry-After."""
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


def ensure_filing_pace(author: User, filed: int | None = None) -> None:
    """A member files at most QUESTIONS_PER_DAY questions online (web or API) in 24 hours, so that a taken-over
    account or a script cannot flood the queue and the jurists' mailboxes; questions a jurist records for them (phone,
    email) do not count (`filed`: their count as `recent_filings` read it just before, else counted here)."""
    limit = current_app.config["QUESTIONS_PER_DAY"]
    window = {"author_id": author.id, "since": utcnow() - timedelta(days=1)}
    if filed is None:
        hold_submissions(author)
        filed = db.session.scalar(_FILED_ONLINE_COUNT, window)
    if filed >= limit:
        # The next question is allowed once enough of the day's questions are more than a day old.
        leaving = db.session.scalar(select(Ticket.created_at).where(*_FILED_ONLINE).order_by(Ticket.created_at)
                                    .offset(filed - limit).limit(1), window)
        raise RateLimited(ngettext(
            "Vous avez déjà posé %(num)d question ces dernières 24 heures, c'est le maximum en ligne. Réessayez plus "
            "tard ou, si c'est urgent, téléphonez à l'équipe juridique.",
            "Vous avez déjà posé %(num)d questions ces dernières 24 heures, c'est le maximum en ligne. Réessayez "
            "plus tard ou, si c'est urgent, téléphonez à l'équipe juridique.", filed),
            retry_after=_retry_after(leaving + timedelta(days=1)))


def ensure_reply_pace(author: User) -> None:
    """A member posts at most MEMBER_REPLIES_PER_HOUR messages in an hour (web, API or email), each one mailed to the
    assigned jurist: a taken-over account or a script cannot flood the jurists' mailboxes through replies either."""
    limit = current_app.config["MEMBER_REPLIES_PER_HOUR"]
    since = utcnow() - timedelta(hours=1)
    recent = select(Message.created_at).where(Message.author_id == author.id, Message.created_at >= since)
    posted = db.session.scalar(select(func.count()).select_from(recent.subquery()))
    if posted >= limit:
        # The next message is allowed once enough of the hour's messages are more than an hour old.
        leaving = db.session.scalar(recent.order_by(Message.created_at).offset(posted - limit).limit(1))
        raise RateLimited(ngettext(
            "Vous avez déjà envoyé %(num)d message dans l'heure, c'est le maximum. Réessayez dans quelques minutes "
            "ou, si c'est urgent, téléphonez à l'équipe juridique.",
            "Vous avez déjà envoyé %(num)d messages dans l'heure, c'est le maximum. Réessayez dans quelques minutes "
            "ou, si c'est urgent, téléphonez à l'équipe juridique.", posted),
            retry_after=_retry_after(leaving + timedelta(hours=1)))


def waiting_count(user: User) -> int:
    """How many of the questions `user` may see wait for their member's answer."""
    return db.session.scalar(visible_tickets(user).where(Ticket.status == "waiting").with_only_columns(func.count())
                             .order_by(None))


# The member list's states (« etat »): a condition on the status each; any other value reads as the default one.
MEMBER_LIST_STATES = {"ouvertes": Ticket.status != "closed", "attente": Ticket.status == "waiting",
                      "closes": Ticket.status == "closed"}


def member_list_query(member: User, who: str, state: str, text: str | None):
    """The member list's SELECT: their structure's questions, their own only (`who` « moi ») in a state, holding
    `text`; the question whose reference `text` is comes whatever its author or state (a reference names it)."""
    condition = MEMBER_LIST_STATES[state]
    if who == "moi":
        condition = condition & (Ticket.author_id == member.id)
    query = visible_tickets(member)
    if text:
        query = query.where(question_text_filter(text, structure_id=member.structure_id))
        if reference := canonical_reference(text):
            condition = condition | (Ticket.reference == reference)
    return (query.where(condition).options(selectinload(Ticket.theme), selectinload(Ticket.author))
            .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc()))


def recent_filings(author: User, subject: str, body: str) -> tuple[str | None, int]:
    """What the author filed lately, read in one query before a web submission (their other submissions held until
    this one ends): the reference of their question with this very subject and description filed within
    RESENT_WITHIN, if any (the reference only: loading the whole question would cost most of the query's Python), and
    how many questions they filed online in the last 24 hours (for `ensure_filing_pace`)."""
    hold_submissions(author)
    now = utcnow()
    resent, filed = db.session.execute(_RECENT_FILINGS, {
        "author_id": author.id, "subject": _normalised(subject, one_line=True),
        "body": _normalised(body, one_line=False), "resent_since": now - RESENT_WITHIN,
        "since": now - timedelta(days=1)}).one()
    return resent, filed


def files_left_out(reference: str, uploads: Sequence[tuple[str, bytes]]) -> list[str]:
    """The names of the files sent with a question filed again unchanged (`reference`, from `recent_filings`) that it
    does not carry: nothing is added to it, so its author must attach them to a reply."""
    ticket = db.session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
    carried = {attachment.sha256 for attachment in ticket_attachments(ticket)}
    return [name[:80] for name, data in uploads if name and content_digest(data) not in carried]


def file_question(author: User, subject: str, body: str, theme_id: int | None,
                  priority: int = 1, channel: str = "web", attachments: Sequence[tuple[str, bytes]] = (),
                  created_by: User | None = None, on_filed: Callable[[Ticket], None] | None = None) -> Ticket:
    """File a new question for the author's structure, with its files (`created_by`: the jurist filing it for them;
    `on_filed`: called with the numbered question just before the commit, so that what it writes commits with the
    question or not at all).

    On PostgreSQL the question is numbered before its INSERT, which then carries the reference, the routing
    and the deadlines (no UPDATE); elsewhere the INSERT numbers it and the reference follows in one UPDATE.
    """
    ensure_can_file(author)
    uploads = check_uploads(attachments)
    ensure_priority(priority)
    now = utcnow()
    theme = active_theme(theme_id)
    ticket = Ticket(
        id=_next_ticket_id(),
        structure=author.structure,
        author=author,
        subject=_clean_text(subject, "subject", _("Objet"), 5, SUBJECT_MAX, one_line=True),
        body=_clean_text(body, "body", _("Description"), 20, BODY_MAX),
        theme=theme,
        theme_id=theme.id if theme else None,  # read by routing and service levels before the INSERT
        priority=priority,
        channel=channel,
        status="new",
        created_at=now,
        last_activity_at=now,
        created_by=created_by,
    )
    db.session.add(ticket)
    if ticket.id is None:
        db.session.flush()
    ticket.reference = reference = f"Q-{now.year}-{ticket.id:05d}"
    store_uploads(uploads, uploader=author, ticket=ticket)
    # Subscribers notify, route and time the question before the commit's flush inserts it.
    with db.session.no_autoflush:
        if created_by is None:
            record_event("created", author, ticket, channel=channel)
        else:
            record_event("created", created_by, ticket, channel=channel, on_behalf_of=author.name)
    if on_filed is not None:
        on_filed(ticket)
    db.session.commit()
    # The caller's redirect needs the reference: keep it loaded past the commit rather than reload the row.
    set_committed_value(ticket, "reference", reference)
    return ticket


def _take_if_unassigned(ticket: Ticket, jurist: User) -> bool:
    """Make `jurist` the assignee if nobody is, in one conditional UPDATE; False if someone was first. Like every piece
    of the team's bookkeeping, taking a question leaves its last exchange (`last_activity_at`) alone."""
    result = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None), Ticket.status != "closed")
        .values(assignee_id=jurist.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(ticket)
    if result.rowcount != 1:
        return False
    record_event("claimed", jurist, ticket)
    return True


def claim(ticket: Ticket, jurist: User) -> None:
    """Take an unassigned question; exactly one of two simultaneous claims wins."""
    ensure_staff(jurist)
    if ticket.is_closed:
        raise InvalidInput(_("Cette question est clôturée. Rouvrez-la avant de la prendre."))
    now = utcnow()
    if not _take_if_unassigned(ticket, jurist):
        db.session.rollback()
        if ticket.assignee_id == jurist.id:
            raise Conflict(_("Vous avez déjà pris cette question."))
        raise Conflict(_("Cette question vient d'être prise par un ou une collègue."))
    if ticket.status == "new":
        _set_status(ticket, jurist, "open", now)
    db.session.commit()


def assign(ticket: Ticket, actor: User, assignee_id: int | None) -> None:
    """Assign the question to a jurist (or to nobody), recording who did it; leaving it as it is is refused.

    Assigning a new question puts it « En cours »; unassigning keeps its status (the flow has no way back to
    « Nouvelle »): it waits in « Non assignées » for someone to take it. The team's bookkeeping, it leaves the last
    exchange with the member alone (it postpones no automatic closing)."""
    ensure_staff(actor)
    if ticket.is_closed:
        raise InvalidInput(_("Cette question est clôturée. Rouvrez-la avant de l'assigner."))
    if ticket.assignee_id == assignee_id:
        # Refused as a status it already has is: « C'est fait » would tell of a change that did not happen.
        raise InvalidInput(_("La question est déjà assignée à %(name)s.", name=ticket.assignee.name) if ticket.assignee
                           else _("La question n'est déjà assignée à personne."))
    now = utcnow()
    if assignee_id is None:
        previous = ticket.assignee
        ticket.assignee = None
        record_event("unassigned", actor, ticket, previous=previous.name)
    else:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not assignee.is_staff or not assignee.active:
            raise InvalidInput(_("Cette personne ne fait pas partie de l'équipe juridique."))
        ticket.assignee = assignee
        record_event("assigned", actor, ticket, assignee=assignee.name)
        if ticket.status == "new":
            _set_status(ticket, actor, "open", now)
    db.session.commit()


def change_status(ticket: Ticket, actor: User, target: str) -> None:
    """A jurist moves the question along the flow; illegal moves are refused, and so is reopening a question merged
    into another (its exchanges go on there)."""
    ensure_staff(actor)
    if target == ticket.status:
        raise InvalidInput(_("La question a déjà ce statut."))
    if ticket.merged_into is not None:
        raise InvalidInput(_("%(reference)s a été fusionnée dans %(target)s. Poursuivez les échanges dans celle-ci.",
                             reference=ticket.reference, target=ticket.merged_into.reference))
    now = utcnow()
    _set_status(ticket, actor, target, now)
    ticket.last_activity_at = now
    db.session.commit()


def classify(ticket: Ticket, actor: User, theme_id: int | None, priority: int) -> None:
    """A jurist corrects the theme and the urgency a question was filed with (`theme_id` None: no theme); its
    deadlines follow the service level of the new pair, and its history says what changed. A merged question is
    refused: its case goes on in the question it was merged into. The team's bookkeeping, it leaves the last exchange
    with the member alone (it postpones no automatic closing)."""
    ensure_staff(actor)
    if ticket.merged_into_id is not None:
        raise InvalidInput(_("Cette question a été fusionnée. Reclassez la question dans laquelle elle a été "
                             "fusionnée."))
    ensure_priority(priority)
    # The theme it has may since have been withdrawn: keeping it is not choosing it.
    theme = ticket.theme if theme_id == ticket.theme_id else active_theme(theme_id)
    if theme_id == ticket.theme_id and priority == ticket.priority:
        raise InvalidInput(_("La question a déjà ce thème et cette urgence."))
    changes = {}
    if theme_id != ticket.theme_id:
        changes.update(previous_theme=ticket.theme.name if ticket.theme else "", theme=theme.name if theme else "")
    if priority != ticket.priority:
        changes.update(previous_priority=ticket.priority, priority=priority)
    ticket.theme = theme
    ticket.theme_id = theme.id if theme else None  # read by the service levels before the flush
    ticket.priority = priority
    record_event("reclassified", actor, ticket, **changes)
    db.session.commit()


def close(ticket: Ticket, actor: User) -> None:
    """Close the question (its member or a jurist)."""
    if not can_view_ticket(actor, ticket):
        raise NotFound(_("Cette question est introuvable."))
    if ticket.is_closed:
        raise InvalidInput(_("Cette question est déjà clôturée."))
    now = utcnow()
    _set_status(ticket, actor, "closed", now)
    ticket.last_activity_at = now
    db.session.commit()


def auto_close_on(ticket: Ticket, days: int) -> datetime | None:
    """From when the daily closing may close the question if nothing more happens (answered or waiting for its member,
    `days` days after its last exchange), None for a question it leaves alone."""
    if ticket.status not in ("answered", "waiting"):
        return None
    return ticket.last_activity_at + timedelta(days=days)


def close_inactive(days: int) -> list[str]:
    """Close the questions answered or waiting for their member with no activity for `days` days, one commit
    each (the member was answered or asked and did not come back); return their references."""
    cutoff = utcnow() - timedelta(days=days)
    references = []
    for ticket in db.session.scalars(select(Ticket).where(
            Ticket.status.in_(("answered", "waiting")), Ticket.last_activity_at < cutoff).order_by(Ticket.id)).all():
        # Each commit reloads the questions still to close: one its member answered meanwhile stays open.
        if ticket.status not in ("answered", "waiting") or ticket.last_activity_at >= cutoff:
            continue
        now = utcnow()
        _set_status(ticket, None, "closed", now, inactive_days=days)
        ticket.last_activity_at = now
        db.session.commit()
        references.append(ticket.reference)
    return references


def remind_waiting(days: int, before: int) -> list[str]:
    """Tell the members of the questions waiting for them, `before` days ahead, that they will be closed after `days`
    days without news, once per wait (a reminder is repeated only after new activity); return their references. A
    structure whose membership is not active is not asked for an answer it may not give."""
    if not 0 < before < days:
        return []
    now = utcnow()
    reminded = select(Event.id).where(Event.ticket_id == Ticket.id, Event.kind == "close_reminder",
                                      Event.created_at >= Ticket.last_activity_at).exists()
    references = []
    for ticket in db.session.scalars(select(Ticket).where(
            Ticket.status == "waiting", Ticket.last_activity_at < now - timedelta(days=days - before),
            Ticket.last_activity_at >= now - timedelta(days=days), ~reminded,
            Ticket.structure.has(Structure.active)).order_by(Ticket.id)).all():
        # What the member was asked: the team's last public message.
        asked = db.session.scalar(select(func.max(Message.id)).join(User, Message.author_id == User.id).where(
            Message.ticket_id == ticket.id, Message.internal.is_(False), User.role != "member"))
        record_event("close_reminder", None, ticket, message_id=asked,
                     closes_on=auto_close_on(ticket, days).isoformat())
        db.session.commit()
        references.append(ticket.reference)
    return references


def hold_ticket(ticket_id: int) -> None:
    """Hold the question's row until this transaction ends: another transaction holding it waits meanwhile."""
    db.session.execute(_HOLD_TICKET, {"ticket_id": ticket_id})


def resent_reply(ticket: Ticket, author: User, body: str | None, seen: int | None) -> int | None:
    """The id of the message with this very text that the author posted on the question after message `seen`, the
    last one their page showed (Back then Send, a double click), None if none or no `seen`; other replies to the
    question wait until this transaction ends, so that the same text sent twice at once is posted once."""
    if seen is None:
        return None
    hold_ticket(ticket.id)
    return db.session.scalar(select(Message.id).where(
        Message.ticket_id == ticket.id, Message.author_id == author.id, Message.id > seen,
        Message.body == _normalised(body, one_line=False)).limit(1))


def add_message(ticket: Ticket, author: User, body: str, *, internal: bool = False,
                status_after: str | None = None, attachments: Sequence[tuple[str, bytes]] = (),
                seen: int | None = None, paced: bool = True,
                on_posted: Callable[[Message], None] | None = None) -> Message:
    """Post a public reply or an internal note, with its files, moving the question along the flow; with `seen` (the
    last message id the writer's page showed), held back if someone else has written since; a member past
    MEMBER_REPLIES_PER_HOUR is refused (RateLimited), unless not `paced` (a jurist places the member's kept email:
    the jurist acts, and the mail may have been kept precisely for that pace); `on_posted`: called with the numbered
    message just before the commit, so that what it writes commits with the message or not at all."""
    if not can_view_ticket(author, ticket):
        raise NotFound(_("Cette question est introuvable."))
    ensure_membership_active(author)
    if ticket.is_closed:
        raise InvalidInput(_("Cette question est clôturée, elle n'accepte plus de message."))
    text = _clean_text(body, "body", _("Message"), 1, BODY_MAX)
    uploads = check_uploads(attachments)
    if paced and author.is_member:
        ensure_reply_pace(author)
    if seen is not None and last_message_id(ticket, author, others_only=True) > seen:
        raise Conflict(_("Pendant que vous écriviez, un nouveau message a été ajouté à cette question. Lisez-le "
                         "ci-dessus. Votre message n'a pas été envoyé ; il est conservé ci-dessous, envoyez-le s'il "
                         "reste d'actualité."))
    now = utcnow()
    if author.is_member:
        if internal or status_after:
            raise InvalidInput(_("Les membres ne peuvent envoyer que des réponses publiques."))
        if ticket.status in ("waiting", "answered"):
            _set_status(ticket, author, "open", now, after_message=True)
    elif not internal:
        if status_after not in (None, *STATUSES_AFTER_REPLY):
            raise InvalidInput(_("Après une réponse, la question est « Répondue » ou « En attente du membre »."))
        if ticket.assignee_id is None:
            _take_if_unassigned(ticket, author)
        if ticket.status == "new":
            _set_status(ticket, author, "open", now, after_message=True)
        if ticket.first_response_at is None:
            ticket.first_response_at = now  # before the status: « Répondue » follows a public reply
        _set_status(ticket, author, status_after or "answered", now, after_message=True)
    message = Message(ticket=ticket, author=author, body=text, internal=internal, created_at=now)
    db.session.add(message)
    if not internal:
        ticket.last_activity_at = now  # a note is the team's: the member's clock (automatic closing) does not move
    db.session.flush()
    store_uploads(uploads, uploader=author, message=message)
    record_event("note" if internal else "reply", author, ticket, message_id=message.id)
    if on_posted is not None:
        on_posted(message)
    db.session.commit()
    return message


def last_message_id(ticket: Ticket, reader: User, *, others_only: bool = False) -> int:
    """The id of the question's latest message `reader` may read (0: none); `others_only`: not counting their own."""
    query = select(func.max(Message.id)).where(Message.ticket_id == ticket.id)
    if not can_see_internal(reader):
        query = query.where(Message.internal.is_(False))
    if others_only:
        query = query.where(Message.author_id != reader.id)
    return db.session.scalar(query) or 0


def delete_question(ticket: Ticket, actor: User) -> None:
    """Delete a question, its messages, history and files (the files once the deletion has committed)."""
    ensure_can_delete_question(actor)
    remove_attachments(ticket_attachments(ticket))
    for message in list(ticket.messages):
        db.session.delete(message)
    db.session.delete(ticket)
    record_event("question_deleted", actor, reference=ticket.reference, structure_id=ticket.structure_id)
    db.session.commit()


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a question's thread: a message or an event."""

    at: datetime
    message: Message | None = None
    event: Event | None = None


def timeline(ticket: Ticket, viewer: User) -> list[TimelineEntry]:
    """Messages and events in time order; members get only the public part."""
    messages = db.session.scalars(
        select(Message).where(Message.ticket_id == ticket.id).order_by(Message.created_at, Message.id)
    ).all()
    events = db.session.scalars(
        select(Event)
        .where(Event.ticket_id == ticket.id, Event.kind.not_in(("reply", "note", *AUDIT_KINDS)))
        .order_by(Event.created_at, Event.id)
    ).all()
    if not can_see_internal(viewer):
        messages = [message for message in messages if not message.internal]
        events = [event for event in events if not event.internal]
    entries = [TimelineEntry(message.created_at, message=message) for message in messages]
    entries += [TimelineEntry(event.created_at, event=event) for event in events]
    return sorted(entries, key=lambda entry: entry.at)


def _same_structure_others(ticket: Ticket):
    """The WHERE clause of the structure's questions other than this one."""
    return (Ticket.structure_id == ticket.structure_id) & (Ticket.id != ticket.id)


def recent_structure_questions(ticket: Ticket, viewer: User, limit: int = 5) -> list[Ticket]:
    """The structure's other latest questions, newest first: context for the jurist answering."""
    ensure_staff(viewer)
    return list(db.session.scalars(
        select(Ticket)
        .where(_same_structure_others(ticket))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(limit)
    ))


def structure_question_count(ticket: Ticket, viewer: User) -> int:
    """How many other questions the structure has asked, beyond the few latest the question's page lists."""
    ensure_staff(viewer)
    return db.session.scalar(select(func.count()).select_from(Ticket).where(_same_structure_others(ticket)))
