"""Merging a duplicate question B into question A.

Same structure: B's messages move to A (the thread reads in time order, since it is sorted by date), B's
original question becomes a public message on A, B is closed with a pointer to A, both histories say so.

Different structures (only with the jurist's explicit confirmation): one structure's messages must never be
shown to the other. B's thread therefore stays on B, where B's members keep reading it; A receives a copy
of B's question and messages as internal notes, which only jurists read; both history events are internal
so that neither structure learns the other's question reference. B is closed with its pointer to A.

Attachments follow what they hang on. Same structure: the files of B's messages move with them, and the files
filed with B's question move to the public message on A that carries its text; the members of the structure
download them from A as before, a note's files stay jurists-only. Different structures: B's files stay on B
for B's members, and each file is copied (its own stored file) onto the internal note on A that copies its
message or question, so that jurists reach every document of the case from A while A's members, who never
see internal notes, get no access to the other structure's files; a copy lives on if B is later deleted or
anonymised, and is deleted with A's files. A file already missing from the disk is not copied.

The jurists following B follow A from then on: the case goes on there.
"""

from sqlalchemy import select

from helpdesk.attachments.services import copy_attachments
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import Message, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.models.ticket import typed_reference
from helpdesk.permissions import ensure_staff
from helpdesk.i18n import format_datetime
from helpdesk.tickets import services as ticket_services
from helpdesk.translation import gettext as _
from helpdesk.triage import following

MAX_NUMBER = 10**15  # a longer run of digits names no question (and no database integer)


def find_target(reference: str) -> Ticket:
    """The question to merge into, by its reference, zero padded or not (« Q-2026-00141 », « Q-2026-141 »,
    « q2026-141 »), or by its bare number (« 00141 », « 141 »): questions are numbered in one sequence across the
    years, the year being that of filing, so a number names one question whatever its year (jurists see every
    question); a reference whose year is not its question's is refused."""
    year, digits = typed_reference(reference) or (None, (reference or "").strip())
    ticket = None
    if digits.isdecimal() and digits.isascii():
        number = int(digits)
        padded = f"{number:05d}"  # as file_question writes it
        matches = db.session.scalars(select(Ticket).where(
            Ticket.reference.like(f"Q-____-{padded}")).order_by(Ticket.id).limit(2 if year is None else None)
        ).all() if 0 < number <= MAX_NUMBER else []
        if year is not None:
            ticket = next((match for match in matches if match.reference == f"Q-{year}-{padded}"), None)
            if ticket is None and matches:
                raise InvalidInput(_("La question n° %(number)s est de %(actual)s, pas de %(year)s. Vérifiez "
                                     "l'année de la référence (%(reference)s).", number=padded,
                                     actual=matches[0].reference.split("-")[1], year=year,
                                     reference=matches[0].reference), field="target")
        elif len(matches) > 1:
            raise InvalidInput(_("Plusieurs questions portent le numéro %(number)s. Indiquez la référence complète, "
                                 "par exemple Q-%(year)d-%(number)s.", year=utcnow().year, number=padded),
                               field="target")
        else:
            ticket = matches[0] if matches else None
    if ticket is None:
        raise InvalidInput(_("Aucune question ne porte cette référence ou ce numéro. Indiquez la référence complète "
                             "(par exemple Q-2026-00042) ou son numéro (00042)."), field="target")
    return ticket


def check_merge(source: Ticket, target: Ticket, *, confirm_other_structure: bool = False) -> None:
    """Refuse a merge of `source` (B) into `target` (A) the module's rules forbid."""
    if source.id == target.id:
        raise InvalidInput(_("Une question ne peut pas être fusionnée avec elle-même."))
    if source.merged_into_id is not None:
        raise InvalidInput(_("%(reference)s a déjà été fusionnée.", reference=source.reference))
    if target.merged_into_id is not None or target.is_closed:
        raise InvalidInput(_("%(reference)s est clôturée ou fusionnée. Fusionnez avec la question qui reste ouverte.",
                             reference=target.reference))
    if source.structure_id != target.structure_id and not confirm_other_structure:
        raise InvalidInput(_("Ces questions viennent de deux structures différentes. Cochez la confirmation pour "
                           "les fusionner (les échanges de l'une resteront invisibles pour l'autre)."),
                           field="confirm_other_structure")


def hold_both(source: Ticket, target: Ticket) -> None:
    """Hold both questions, in the order of their ids (so that two merges never wait for each other), until this
    transaction ends, and read them again as committed: a colleague's merge of B into A at the same instant as this
    one of A into B, or of either into a third question, is then checked against what the first one wrote and refused,
    instead of both succeeding (each question merged into the other, the case closed everywhere)."""
    for ticket_id in sorted({source.id, target.id}):
        ticket_services.hold_ticket(ticket_id)
    db.session.refresh(source)
    db.session.refresh(target)


def merge(source: Ticket, target: Ticket, jurist: User, *, confirm_other_structure: bool = False) -> None:
    """Merge `source` (B) into `target` (A) following the module's rules; refusals change nothing."""
    ensure_staff(jurist)
    hold_both(source, target)
    try:
        check_merge(source, target, confirm_other_structure=confirm_other_structure)
    except InvalidInput:
        db.session.rollback()
        raise
    same_structure = source.structure_id == target.structure_id
    now = utcnow()
    messages = sorted(source.messages, key=lambda message: (message.created_at, message.id))
    opening = Message(ticket_id=target.id, author_id=source.author_id, internal=not same_structure,
                      created_at=source.created_at,
                      body=f"Question {source.reference} fusionnée ici : « {source.subject} »\n\n{source.body}")
    db.session.add(opening)
    if same_structure:
        for attachment in list(source.attachments):
            attachment.ticket, attachment.message = None, opening
    else:
        copy_attachments(source.attachments, message=opening)
    for message in messages:
        if same_structure:
            message.ticket_id = target.id
        else:
            copy = Message(
                ticket_id=target.id, author_id=message.author_id, internal=True, created_at=message.created_at,
                body=f"Copie d'un message de {source.reference} ({message.author.name}, "
                     f"{format_datetime(message.created_at)}) :\n\n{message.body}")
            db.session.add(copy)
            copy_attachments(message.attachments, message=copy)
    source.merged_into_id = target.id
    if same_structure:
        target.last_activity_at = now  # its members see the merge; another structure's see nothing of it
    following.move_followers(source, target)
    moved = record_event("merged_into", jurist, source, target=target.reference)
    received = record_event("merged_from", jurist, target, source=source.reference, messages=len(messages),
                            other_structure=not same_structure)
    if not same_structure:
        moved.internal = received.internal = True
        # What B's members may know: their question joined one the team handles elsewhere, not which one.
        record_event("closed_as_duplicate", jurist, source)
    if source.is_closed:
        source.last_activity_at = now
        db.session.commit()
    else:
        ticket_services.close(source, jurist)
