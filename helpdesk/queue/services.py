"""The jurists' queue: views, filters, sorting and counts."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.orm import selectinload

from helpdesk.extensions import db
from helpdesk.i18n import format_number
from helpdesk.kb.searching import matching_question_ids
from helpdesk.models import Structure, Tag, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.models.ticket import OPEN_PREDICATE
from helpdesk.triage.deadlines import DUE_SOON_WINDOW

VIEWS = {
    "non-assignees": _l("Non assignées"),
    "mes-dossiers": _l("Mes dossiers"),
    "en-retard": _l("En retard"),
    "sous-24h": _l("À échéance sous 24 h"),
    "en-attente": _l("En attente du membre"),
    "ouvertes": _l("Toutes ouvertes"),
    "closes": _l("Closes"),
}
SORTS = {
    "anciennete": _l("Les plus anciennes d'abord"),
    "recentes": _l("Les plus récentes d'abord"),
    "priorite": _l("Priorité"),
    "activite": _l("Dernière activité"),
    "echeance": _l("Échéance la plus proche"),
}


@dataclass
class QueueFilters:
    """What the jurist asked for: a view, filters and a sort."""

    view: str = "ouvertes"
    theme_id: int | None = None
    region: str | None = None
    structure_type: str | None = None
    status: str | None = None
    assignee_id: int | None = None
    text: str | None = None
    tag: str | None = None
    sort: str = "anciennete"


# Counting stops there: tabs and pages say « plus de 10 000 » rather than walk every closed question.
COUNT_CAP = 10_000
# A literal, so that SQLite and PostgreSQL plans can use the partial indexes on open questions.
NOT_CLOSED = text(f"ticket.{OPEN_PREDICATE}")


def _view_condition(view: str, user: User, now: datetime):
    """The WHERE clause of a queue view; `next_due_at` is NULL while the clock is stopped or the question closed."""
    if view == "non-assignees":
        return Ticket.assignee_id.is_(None) & NOT_CLOSED
    if view == "mes-dossiers":
        return (Ticket.assignee_id == user.id) & NOT_CLOSED
    if view == "en-retard":
        return Ticket.next_due_at < now
    if view == "sous-24h":
        return (Ticket.next_due_at >= now) & (Ticket.next_due_at <= now + DUE_SOON_WINDOW)
    if view == "en-attente":
        return Ticket.status == "waiting"
    if view == "closes":
        return Ticket.status == "closed"
    return NOT_CLOSED


def queue_query(user: User, filters: QueueFilters) -> Select:
    """The SELECT of the questions in a view, filtered and sorted."""
    query = select(Ticket).where(_view_condition(filters.view, user, utcnow()))
    if filters.region or filters.structure_type:
        query = query.join(Structure, Structure.id == Ticket.structure_id)
        if filters.region:
            query = query.where(Structure.region == filters.region)
        if filters.structure_type:
            query = query.where(Structure.type == filters.structure_type)
    if filters.theme_id:
        query = query.where(Ticket.theme_id == filters.theme_id)
    if filters.status:
        query = query.where(Ticket.status == filters.status)
    if filters.assignee_id:
        query = query.where(Ticket.assignee_id == filters.assignee_id)
    if filters.tag:
        query = query.where(Ticket.tags.any(Tag.name == filters.tag))
    if filters.text:
        # Escape LIKE wildcards: "50 %" must find "50 %", not everything starting with "50 ".
        literal = filters.text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        query = query.where(or_(Ticket.id.in_(matching_question_ids(filters.text)),
                                Ticket.subject.ilike(pattern, escape="\\"),
                                Ticket.reference.ilike(pattern, escape="\\")))
    order = {
        "recentes": (Ticket.created_at.desc(), Ticket.id.desc()),
        "priorite": (Ticket.priority.desc(), Ticket.created_at, Ticket.id),
        "activite": (Ticket.last_activity_at.desc(), Ticket.id.desc()),
        "echeance": (Ticket.next_due_at.is_(None), Ticket.next_due_at, Ticket.id),
    }.get(filters.sort, (Ticket.created_at, Ticket.id))
    return query.order_by(*order).options(
        selectinload(Ticket.structure), selectinload(Ticket.theme), selectinload(Ticket.assignee),
        selectinload(Ticket.tags),
    )


def capped_count_query(query: Select) -> Select:
    """The SELECT counting the rows of `query`, stopping after COUNT_CAP + 1 of them."""
    limited = query.with_only_columns(Ticket.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(limited)


def capped_count(query: Select) -> int:
    """How many questions `query` returns, up to COUNT_CAP + 1 (more means "plus de COUNT_CAP")."""
    return db.session.scalar(capped_count_query(query))


def count_label(count: int) -> str:
    """A count as the queue shows it: exact up to the cap, else « plus de 10 000 »."""
    return format_number(count) if count <= COUNT_CAP else _("plus de %(count)s", count=format_number(COUNT_CAP))


def view_counts_query(user: User) -> Select:
    """The SELECT counting the questions of every view, one capped, indexed count per view."""
    now = utcnow()
    return select(*(
        capped_count_query(select(Ticket).where(_view_condition(view, user, now))).scalar_subquery()
        .label(view.replace("-", "_"))
        for view in VIEWS))


def view_counts(user: User) -> dict[str, int]:
    """How many questions each view holds, in one query."""
    row = db.session.execute(view_counts_query(user)).one()
    return dict(zip(VIEWS, row))
