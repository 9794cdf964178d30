"""Questions received by phone or email: a jurist files them on behalf of a member of a structure."""
from collections.abc import Sequence
from functools import partial

from sqlalchemy import select

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.mail import ingest
from helpdesk.models import InboundEmail, Structure, Ticket, User
from helpdesk.permissions import ensure_staff
from helpdesk.tickets.services import file_question, recent_filings
from helpdesk.translation import gettext as _, lazy_gettext as _l

OFFLINE_CHANNELS = {"phone": _l("Téléphone"), "email": _l("Courriel")}


def members_of(structure: Structure | None) -> list[User]:
    """Active members of a structure, by name (none without a structure)."""
    if structure is None:
        return []
    return db.session.scalars(select(User).where(User.structure_id == structure.id, User.role == "member",
                                                 User.active).order_by(french_order(User.name))).all()


def active_structures() -> list[Structure]:
    """Structures whose members may file questions."""
    return db.session.scalars(select(Structure).where(Structure.active).order_by(french_order(Structure.name))).all()


def file_on_behalf(jurist: User, member_id: int | None, structure_id: int | None, channel: str, subject: str,
                   body: str, theme_id: int | None, priority: int = 1,
                   attachments: Sequence[tuple[str, bytes]] = (), from_mail: InboundEmail | None = None) -> Ticket:
    """File a question received by phone or email, with the files it came with: the member is its author, the
    jurist is recorded as its filer. The same subject and text for the member again within minutes (a double click,
    the form posted again, a colleague recording the same call) is the question already filed: one question, one mail
    to the member. Filed from a kept email (`from_mail`), the question and the email handled with it commit together;
    an email another jurist has handled first, or handles meanwhile (its row is held from before the question is
    numbered), refuses the filing (Conflict), nothing stored and no question number used."""
    ensure_staff(jurist)
    if channel not in OFFLINE_CHANNELS:
        raise InvalidInput(_("Indiquez si la demande est arrivée par téléphone ou par courriel."))
    member = db.session.get(User, member_id) if member_id else None
    if member is None or not member.is_member or not member.active or member.structure_id != structure_id:
        raise InvalidInput(_("Choisissez un membre actif de cette structure."))
    resent, _filed = recent_filings(member, subject, body)
    if resent is not None:
        ticket = db.session.scalars(select(Ticket).where(Ticket.reference == resent)).one()
        if from_mail is not None:
            ingest.take_for_question(from_mail, jurist, ticket)
        db.session.commit()  # ends the hold on the member's filings
        return ticket
    if from_mail is not None:
        ingest.hold_pending(from_mail)  # refused before the question is numbered and its files written
    return file_question(member, subject, body, theme_id, priority, channel=channel, attachments=attachments,
                         created_by=jurist,
                         on_filed=partial(ingest.take_for_question, from_mail, jurist) if from_mail else None)
