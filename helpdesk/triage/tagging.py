"""Tags on questions and bulk actions on the queue."""
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput, ServiceError
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import STATUSES, Tag, Ticket, User
from helpdesk.permissions import ensure_staff
from helpdesk.tickets import services as ticket_services
from helpdesk.translation import gettext as _, lazy_gettext as _l, ngettext

TAG_MAX = 40
TAGS_PER_QUESTION = 10
BULK_MAX = 100


def normalize_tag(raw: str) -> str:
    """A tag as stored: trimmed, lowercase, single spaces, no commas; InvalidInput if empty or too long."""
    name = re.sub(r"\s+", " ", (raw or "").replace(",", " ")).strip().lower().lstrip("#")
    if not name:
        raise InvalidInput(_("Une étiquette ne peut pas être vide."), field="tags")
    if len(name) > TAG_MAX:
        raise InvalidInput(_("L'étiquette « %(tag)s » dépasse %(max)d caractères (elle en compte %(length)d).",
                             tag=name, max=TAG_MAX, length=len(name)), field="tags")
    return name


def parse_tags(text: str) -> list[str]:
    """Comma-separated tags, normalised and without duplicates."""
    names = []
    for part in (text or "").split(","):
        if part.strip():
            name = normalize_tag(part)
            if name not in names:
                names.append(name)
    return names


def _tag(name: str) -> Tag:
    """The tag with this normalised name, created if needed."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        db.session.add(tag)
    return tag


def add_tags(ticket: Ticket, actor: User, names: list[str]) -> list[str]:
    """Tag a question; returns the tags actually added."""
    ensure_staff(actor)
    if not names:
        raise InvalidInput(_("Indiquez au moins une étiquette."), field="tags")
    current = {tag.name for tag in ticket.tags}
    added = [name for name in names if name not in current]
    if len(current) + len(added) > TAGS_PER_QUESTION:
        raise InvalidInput(_("Une question porte %(max)d étiquettes au plus.", max=TAGS_PER_QUESTION), field="tags")
    if not added:
        return []
    ticket.tags.extend(_tag(name) for name in added)
    record_event("tagged", actor, ticket, added=added)
    db.session.commit()
    return added


def remove_tag(ticket: Ticket, actor: User, name: str) -> None:
    """Take a tag off a question."""
    ensure_staff(actor)
    tag = next((tag for tag in ticket.tags if tag.name == name), None)
    if tag is None:
        raise InvalidInput(_("Cette question ne porte pas cette étiquette."))
    ticket.tags.remove(tag)
    record_event("tagged", actor, ticket, removed=[name])
    db.session.commit()


def all_tags() -> list[Tag]:
    """Every tag, by name (for the queue filter)."""
    return db.session.scalars(select(Tag).order_by(french_order(Tag.name))).all()


BULK_ACTIONS = {
    "assigner": _l("Assigner à"),
    "etiqueter": _l("Ajouter les étiquettes"),
    "statut": _l("Changer le statut en"),
    "reclasser": _l("Reclasser (thème, urgence)"),
    "clore": _l("Clore"),
}


@dataclass
class BulkReport:
    """What a bulk action did: references done, and refused ones with the reason."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """The report in one sentence."""
        parts = [ngettext("%(num)d question traitée (%(references)s)", "%(num)d questions traitées (%(references)s)",
                          len(self.done), references=", ".join(self.done))
                 if self.done else _("Aucune question traitée")]
        if self.refused:
            # A reason is a sentence of its own: its final period would double the summary's.
            parts.append(ngettext("%(num)d refusée (%(reasons)s)", "%(num)d refusées (%(reasons)s)", len(self.refused),
                                  reasons=" ; ".join(f"{reference} — {reason.rstrip('.')}"
                                                     for reference, reason in self.refused)))
        return ". ".join(parts) + "."


def chosen_tickets(ticket_ids: list[int]) -> list[Ticket]:
    """The existing questions among the ticked ids, by number."""
    return list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id)))


def _ensure_reclassification_changes(ticket: Ticket, theme_id: int | None, priority: int | None) -> None:
    """Refuse a bulk reclassification of only the theme or only the urgency that would leave the question as it is,
    naming what was asked (`classify`, given both, would name the theme and the urgency)."""
    if theme_id is None and priority == ticket.priority:
        raise InvalidInput(_("La question a déjà cette urgence."))
    if priority is None and (theme_id or None) == ticket.theme_id:
        raise InvalidInput(_("La question a déjà ce thème.") if theme_id else _("La question est déjà sans thème."))


def _check_reclassification(theme_id: int | None, priority: int | None) -> None:
    """Refuse a bulk reclassification that names neither a theme nor an urgency, or one that does not exist (the whole
    action, before any question is touched: each question would be refused for the same reason)."""
    if theme_id is None and priority is None:
        raise InvalidInput(_("Choisissez le nouveau thème, la nouvelle urgence, ou les deux."))
    if theme_id:
        ticket_services.active_theme(theme_id)
    if priority is not None:
        ticket_services.ensure_priority(priority)


def bulk_apply(actor: User, ticket_ids: list[int], action: str, *, assignee_id: int | None = None,
               status: str | None = None, tags: str = "", theme_id: int | None = None,
               priority: int | None = None) -> BulkReport:
    """Apply one action to several questions, each through the normal service so rules and events apply (to
    reclassify: `theme_id` None keeps each question's theme, 0 takes it off; `priority` None keeps each one's)."""
    ensure_staff(actor)
    if action not in BULK_ACTIONS:
        raise InvalidInput(_("Choisissez une action."))
    if not ticket_ids:
        raise InvalidInput(_("Cochez au moins une question."))
    if len(ticket_ids) > BULK_MAX:
        raise InvalidInput(_("%(max)d questions au plus à la fois.", max=BULK_MAX))
    if action == "statut" and status not in STATUSES:
        raise InvalidInput(_("Choisissez le nouveau statut."))
    names = parse_tags(tags) if action == "etiqueter" else []
    if action == "etiqueter" and not names:
        raise InvalidInput(_("Indiquez au moins une étiquette."))
    if action == "reclasser":
        _check_reclassification(theme_id, priority)
    tickets = chosen_tickets(ticket_ids)
    if not tickets:
        raise InvalidInput(_("Aucune des questions choisies n'a pu être traitée."))
    report = BulkReport()
    for ticket in tickets:
        reference = ticket.reference
        try:
            if action == "assigner":
                ticket_services.assign(ticket, actor, assignee_id)
            elif action == "etiqueter":
                add_tags(ticket, actor, names)
            elif action == "statut":
                ticket_services.change_status(ticket, actor, status)
            elif action == "reclasser":
                _ensure_reclassification_changes(ticket, theme_id, priority)
                ticket_services.classify(ticket, actor, ticket.theme_id if theme_id is None else theme_id or None,
                                         ticket.priority if priority is None else priority)
            else:
                ticket_services.close(ticket, actor)
        except ServiceError as error:
            db.session.rollback()
            report.refused.append((reference, error.message))
        else:
            report.done.append(reference)
    return report
