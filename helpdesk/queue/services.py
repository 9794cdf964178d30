"""The jurists' queue: views, filters, sorting and counts."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, false, func, select, text
from sqlalchemy.orm import joinedload, selectinload

from helpdesk.extensions import db
from helpdesk.i18n import format_number
from helpdesk.kb.searching import question_text_filter
from helpdesk.main.query_args import positive_int, text_arg
from helpdesk.models import REGIONS, STATUSES, STRUCTURE_TYPES, InboundEmail, Structure, Tag, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.models.ticket import OPEN_PREDICATE
from helpdesk.permissions import ensure_staff
from helpdesk.translation import gettext as _, lazy_gettext as _l
from helpdesk.triage.deadlines import DUE_SOON_WINDOW
from helpdesk.triage.following import followed_ids
from helpdesk.triage.sla import CLOCK_STOPPED

VIEWS = {
    "non-assignees": _l("Non assignées"),
    "mes-dossiers": _l("Mes dossiers"),
    "suivies": _l("Questions suivies"),
    "en-retard": _l("En retard"),
    "sous-24h": _l("À échéance sous 24 h"),
    "en-attente": _l("En attente du membre"),
    "ouvertes": _l("Toutes ouvertes"),
    "closes": _l("Clôturées"),
}
# The views of running deadlines: `next_due_at` is never NULL there.
DUE_VIEWS = ("en-retard", "sous-24h")
SORTS = {
    "anciennete": _l("Les plus anciennes d'abord"),
    "recentes": _l("Les plus récentes d'abord"),
    "priorite": _l("Priorité"),
    "activite": _l("Dernière activité"),
    "echeance": _l("Échéance la plus proche"),
}


def default_sort(view: str) -> str:
    """The sort of a view when none is chosen: the oldest waiting question first, but the latest closed first (the
    closed view holds years of history, its first page would otherwise show the oldest) and the followed questions
    that moved last first (what a jurist follows them for)."""
    return "activite" if view in ("closes", "suivies") else "anciennete"


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


def _choice(args, name: str, allowed, default=None):
    """An argument restricted to known values."""
    value = args.get(name, "")
    return value if value in allowed else default


def filters_from(args, default_view: str = "non-assignees") -> QueueFilters:
    """The queue's view, filters and sort read from query arguments (a request's, or those of a queue address kept
    in the session), unknown values ignored."""
    view = _choice(args, "vue", VIEWS, default_view)
    return QueueFilters(
        view=view,
        theme_id=positive_int(args.get("theme", "")),
        region=_choice(args, "region", REGIONS),
        structure_type=_choice(args, "type", STRUCTURE_TYPES),
        status=_choice(args, "statut", STATUSES),
        assignee_id=positive_int(args.get("juriste", "")),
        text=text_arg("q", values=args) or None,
        tag=text_arg("etiquette", 40, values=args) or None,
        sort=_choice(args, "tri", SORTS, default_sort(view)),
    )


def redundant_arguments(args) -> dict[str, list[str]]:
    """The changes that drop the empty fields of a queue address (for `url_with_query`): the filter form sent
    without its script names every one (?theme=&region=&…); empty when there is none."""
    return {name: [value for value in values if value] for name, values in args.lists() if "" in values}


def active_filter_count(filters: QueueFilters) -> int:
    """How many filters narrow the view (the sort is no filter)."""
    return sum(1 for value in (filters.text, filters.theme_id, filters.region, filters.structure_type, filters.status,
                               filters.assignee_id, filters.tag) if value)


# Counting stops there: tabs and pages say « plus de 10 000 » rather than walk every closed question.
COUNT_CAP = 10_000
# Among the navigation counts, the received emails waiting for a jurist to attach or discard them.
PENDING_EMAILS = "courriels-non-rattaches"
# A literal, so that SQLite and PostgreSQL plans can use the partial indexes on open questions.
NOT_CLOSED = text(f"ticket.{OPEN_PREDICATE}")


def _view_condition(view: str, user: User, now: datetime):
    """The WHERE clause of a queue view; `next_due_at` is NULL while the clock is stopped or the question closed."""
    if view == "non-assignees":
        return Ticket.assignee_id.is_(None) & NOT_CLOSED
    if view == "mes-dossiers":
        return (Ticket.assignee_id == user.id) & NOT_CLOSED
    if view == "suivies":
        return Ticket.id.in_(followed_ids(user)) & NOT_CLOSED
    if view == "en-retard":
        return Ticket.next_due_at < now
    if view == "sous-24h":
        return (Ticket.next_due_at >= now) & (Ticket.next_due_at <= now + DUE_SOON_WINDOW)
    if view == "en-attente":
        return Ticket.status == "waiting"
    if view == "closes":
        return Ticket.status == "closed"
    return NOT_CLOSED


def _on_sqlite() -> bool:
    """Whether the queue is queried on SQLite, whose planner needs the hints below."""
    return db.session.get_bind().dialect.name == "sqlite"


def _filtered_query(user: User, filters: QueueFilters, now: datetime, ordered: bool) -> Select:
    """The questions of a view matching the filters, unsorted.

    On SQLite the structure and theme filters are probed row by row: an `ordered` page walks the index of
    its sort (the `+ 0` keeps SQLite from driving the plan from all the questions of a theme or of the
    structures, then sorting thousands of rows), while a count lets the planner read the (status or
    assignee, structure) indexes instead of the table, except in the deadline views, counted on the
    (deadline, structure) index. PostgreSQL's planner, with its column statistics, chooses well unaided.
    """
    query = select(Ticket).where(_view_condition(filters.view, user, now))
    probed = (ordered or filters.view in DUE_VIEWS) and _on_sqlite()
    if filters.region or filters.structure_type:
        structures = select(Structure.id)
        if filters.region:
            structures = structures.where(Structure.region == filters.region)
        if filters.structure_type:
            structures = structures.where(Structure.type == filters.structure_type)
        query = query.where((Ticket.structure_id + 0 if probed else Ticket.structure_id).in_(structures))
    if filters.theme_id:
        query = query.where((Ticket.theme_id + 0 if probed else Ticket.theme_id) == filters.theme_id)
    if filters.status:
        # A stopped clock has no deadline: the late and due-soon views hold none of those questions.
        stopped = filters.view in DUE_VIEWS and filters.status in CLOCK_STOPPED
        query = query.where(false() if stopped else Ticket.status == filters.status)
    if filters.assignee_id:
        query = query.where(Ticket.assignee_id == filters.assignee_id)
    if filters.tag:
        query = query.where(Ticket.tags.any(Tag.name == filters.tag))
    if filters.text:
        query = query.where(question_text_filter(filters.text))
    return query


def queue_query(user: User, filters: QueueFilters, now: datetime | None = None) -> Select:
    """The SELECT of the questions in a view, filtered and sorted."""
    # The row's structure, theme and jurist come with it (one lookup by key per row shown), its tags in one
    # more query.
    return _sorted_query(user, filters, now or utcnow()).options(
        joinedload(Ticket.structure), joinedload(Ticket.theme), joinedload(Ticket.assignee),
        selectinload(Ticket.tags),
    )


def _sorted_query(user: User, filters: QueueFilters, now: datetime) -> Select:
    """The SELECT of the questions in a view, filtered and sorted, without their related rows."""
    query = _filtered_query(user, filters, now, ordered=True)
    # The late and due-soon views only hold running deadlines: their deadline sort is the deadline's index, their
    # other sorts the running-deadline indexes (RUNNING_INDEXES).
    due_first = () if filters.view in DUE_VIEWS else (Ticket.next_due_at.is_(None),)
    order = {
        "recentes": (Ticket.created_at.desc(), Ticket.id.desc()),
        "priorite": (-Ticket.priority, Ticket.created_at, Ticket.id),
        "activite": (Ticket.last_activity_at.desc(), Ticket.id.desc()),
        "echeance": (*due_first, Ticket.next_due_at, Ticket.id),
    }.get(filters.sort, (Ticket.created_at, Ticket.id))
    return query.order_by(*order)


# How far down a view the question being closed is looked for; past it, the next question is the view's first.
NEXT_WINDOW = 1_000


def next_question(user: User, filters: QueueFilters, current: Ticket, now: datetime | None = None) -> Ticket | None:
    """The question after `current` in the jurist's view and filters, in their sort (back to the top after the last;
    the view's first when `current` is not in it), never `current`; None when the view holds no other (jurists
    only)."""
    ensure_staff(user)
    ids = db.session.scalars(
        _sorted_query(user, filters, now or utcnow()).with_only_columns(Ticket.id).limit(NEXT_WINDOW)).all()
    if current.id in ids:
        position = ids.index(current.id)
        ids = ids[position + 1:] + ids[:position]
    return db.session.get(Ticket, ids[0]) if ids else None


def capped_count_query(query: Select, key=Ticket.id) -> Select:
    """The SELECT counting the rows of `query` (by their `key` column), stopping after COUNT_CAP + 1 of them."""
    limited = query.with_only_columns(key).order_by(None).limit(COUNT_CAP + 1).subquery()
    return select(func.count()).select_from(limited)


def queue_count_query(user: User, filters: QueueFilters, now: datetime | None = None) -> Select:
    """The SELECT counting the questions of `queue_query`, up to COUNT_CAP + 1 (more means "plus de COUNT_CAP")."""
    return capped_count_query(_filtered_query(user, filters, now or utcnow(), ordered=False))


def page_to_show(requested: int, total: int, per_page: int) -> int:
    """The requested page, brought back to the last one past the end of an exact count (as the resource search
    does); past the cap the last page is unknown, so the request stands."""
    if total > COUNT_CAP:
        return requested
    return min(requested, max(1, -(-total // per_page)))


def count_label(count: int) -> str:
    """A count as the queue shows it: exact up to the cap, else « plus de 10 000 »."""
    return format_number(count) if count <= COUNT_CAP else _("plus de %(count)s", count=format_number(COUNT_CAP))


def view_counts_query(user: User) -> Select:
    """The SELECT counting the questions of every view, then the received emails waiting to be attached (the
    jurists' navigation shows them too): one capped, indexed count each."""
    now = utcnow()
    views = (capped_count_query(select(Ticket).where(_view_condition(view, user, now))).scalar_subquery()
             .label(view.replace("-", "_")) for view in VIEWS)
    pending = select(InboundEmail).where(InboundEmail.status == "pending")
    return select(*views, capped_count_query(pending, InboundEmail.id).scalar_subquery().label(PENDING_EMAILS))


def view_counts(user: User) -> dict[str, int]:
    """How many questions each view holds, and how many emails wait to be attached (key PENDING_EMAILS), in one
    query."""
    row = db.session.execute(view_counts_query(user)).one()
    return dict(zip((*VIEWS, PENDING_EMAILS), row))
