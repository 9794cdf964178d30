"""Service levels of questions: policies from the database, deadlines stored on the question, queue display.

Deadlines are stored (`first_response_due_at`, `due_at`, and `next_due_at`, the nearest pending one) so
that the queue filters and sorts them in SQL. They are recomputed on every status change from the
question's pauses: the clock stops while the ball is in the member's court (waiting, answered, closed)
and resumes when the question is open again.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, or_, select

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.i18n import format_elapsed
from helpdesk.models import PRIORITIES, Event, SlaRule, Theme, Ticket, TicketPause, User
from helpdesk.permissions import ensure_admin
from helpdesk.events import record_event
from helpdesk.translation import gettext as _
from helpdesk.triage import rules
from helpdesk.triage.deadlines import (DUE_SOON_WINDOW, BusinessCalendar, DeadlineState, SlaPolicy,
                                       business_time_between, deadline_state, deadline_with_pauses,
                                       default_sla_policies,
                                       describe_remaining)

PRIORITY_KEYS = {3: "urgent", 2: "high", 1: "normal", 0: "low"}
CLOCK_STOPPED = frozenset({"waiting", "answered", "closed"})
MAX_HOURS = 2000


def calendar_for(region: str | None) -> BusinessCalendar:
    """The business calendar of a structure's region, with the configured opening hours."""
    config = current_app.config
    hours = tuple(tuple((opens, closes) for opens, closes in day) for day in config["SLA_OPENING_HOURS"])
    return _calendar(region if config["SLA_REGIONAL_HOLIDAYS"] else None, config["SLA_TIMEZONE"], hours)


@lru_cache(maxsize=64)
def _calendar(region: str | None, timezone: str, hours: tuple) -> BusinessCalendar:
    """Build (once) a calendar from configuration values."""
    opening = tuple(tuple((time.fromisoformat(opens), time.fromisoformat(closes)) for opens, closes in day)
                    for day in hours)
    return BusinessCalendar.for_region(region, timezone=timezone, opening_hours=opening)


def default_policy(priority: int) -> SlaPolicy:
    """The built-in service level of a priority, on the configured calendar."""
    return _default_policies(calendar_for(None))[PRIORITY_KEYS[priority]]


@lru_cache(maxsize=16)
def _default_policies(calendar: BusinessCalendar) -> dict[str, SlaPolicy]:
    """The built-in service levels of a calendar, computed once (they depend on its opening hours only)."""
    return default_sla_policies(calendar)


def policy_for(priority: int, theme_id: int | None) -> SlaPolicy:
    """The service level of a question: its theme's rule, else its priority's rule, else the default."""
    levels = rules.current().service_levels
    return ((levels.get((priority, theme_id)) if theme_id is not None else None)
            or levels.get((priority, None)) or default_policy(priority))


def pauses_of(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    """The question's clock stops, oldest first (the last one may still be running)."""
    rows = db.session.scalars(
        select(TicketPause).where(TicketPause.ticket_id == ticket.id).order_by(TicketPause.started_at))
    return [(pause.started_at, pause.ended_at) for pause in rows]


def track_status_change(ticket: Ticket, previous: str, now: datetime) -> None:
    """Start a pause when the question leaves the jurists' hands, end it when it comes back; then recompute."""
    if ticket.status in CLOCK_STOPPED and previous not in CLOCK_STOPPED:
        db.session.add(TicketPause(ticket_id=ticket.id, started_at=now))
    elif ticket.status not in CLOCK_STOPPED and previous in CLOCK_STOPPED:
        running = db.session.scalar(
            select(TicketPause).where(TicketPause.ticket_id == ticket.id, TicketPause.ended_at.is_(None)))
        if running is not None:
            running.ended_at = now
    refresh_deadlines(ticket)


def refresh_deadlines(ticket: Ticket, pauses: list[tuple[datetime, datetime | None]] | None = None) -> None:
    """Recompute the stored deadlines of a question from its policy, calendar and finished pauses
    (`pauses`: the question's, when the caller knows them, e.g. none for a new question).

    A running pause is left out: while the clock is stopped the stored deadlines keep the value they had
    when it stopped, and `next_due_at` is NULL so that the question is neither late nor due soon.
    The first-response deadline is frozen once the first answer is sent; a question answered before service
    levels existed gets the one it had then (the clock stops that ended by the answer).
    """
    policy = policy_for(ticket.priority, ticket.theme_id)
    calendar = calendar_for(ticket.structure.region)
    pauses = [(start, end) for start, end in (pauses_of(ticket) if pauses is None else pauses) if end is not None]
    answered = ticket.first_response_at
    if answered is None or ticket.first_response_due_at is None:
        ticket.first_response_due_at = deadline_with_pauses(
            ticket.created_at, policy.first_response,
            [(start, end) for start, end in pauses if answered is None or end <= answered], calendar)
    ticket.due_at = deadline_with_pauses(ticket.created_at, policy.resolution, pauses, calendar)
    if ticket.status in CLOCK_STOPPED:
        ticket.next_due_at = None
    else:
        ticket.next_due_at = ticket.first_response_due_at if ticket.first_response_at is None else ticket.due_at


def pauses_from_history(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    """The clock stops a question would have, replayed from its status events (the last may still be running).

    Where the history is silent, the time counts (nothing falls through): a stop whose end was not recorded
    is dropped, and a question stopped without a recorded start stops from its last activity.
    """
    events = db.session.scalars(
        select(Event).where(Event.ticket_id == ticket.id, Event.kind.in_(("status_changed", "closed", "reopened")))
        .order_by(Event.created_at, Event.id))
    pauses, started = [], None
    for event in events:
        status = {"closed": "closed", "reopened": "open"}.get(event.kind) or event.data.get("status")
        if status in CLOCK_STOPPED and started is None:
            started = event.created_at
        elif status not in CLOCK_STOPPED and started is not None:
            pauses.append((started, event.created_at))
            started = None
    if ticket.status in CLOCK_STOPPED:
        pauses.append((started or ticket.last_activity_at, None))
    return pauses


def lacking_deadlines():
    """A SELECT of the open questions without stored deadlines (filed before service levels existed)."""
    return select(Ticket).where(Ticket.status != "closed", or_(
        Ticket.first_response_due_at.is_(None), Ticket.due_at.is_(None),
        and_(Ticket.status.in_(("new", "open")), Ticket.next_due_at.is_(None))))


@dataclass(frozen=True)
class Backfilled:
    """A question given its deadlines: the nearest pending one (None while its clock is stopped) and the final one."""

    reference: str
    next_due_at: datetime | None
    due_at: datetime


def backfill_deadlines(*, dry_run: bool = False) -> list[Backfilled]:
    """Give the open questions lacking deadlines those of the current policy, counting the clock stops of their
    history, as their next status change would; report them. Questions that have deadlines are left alone, so a
    second run changes nothing. `dry_run`: compute and report, keep nothing."""
    report = []
    for ticket in db.session.scalars(lacking_deadlines().order_by(Ticket.id)).all():
        pauses = pauses_of(ticket)
        if not pauses:
            pauses = pauses_from_history(ticket)
            db.session.add_all(TicketPause(ticket_id=ticket.id, started_at=start, ended_at=end) for start, end in pauses)
        refresh_deadlines(ticket, pauses)
        report.append(Backfilled(ticket.reference, ticket.next_due_at, ticket.due_at))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


@dataclass(frozen=True)
class RowDeadline:
    """How a queue row shows its deadline: a CSS level plus words (never colour alone), which deadline runs (first
    response or resolution) and its due date and time (empty and None while the clock is stopped)."""

    level: str
    label: str
    text: str
    which: str = ""
    due_at: datetime | None = None


def pause_starts(tickets: list[Ticket]) -> dict[int, datetime]:
    """When the clock of each question stopped (sent an answer, or started waiting for its member), by question id,
    in one query; questions whose clock runs are not listed."""
    ids = [ticket.id for ticket in tickets if ticket.next_due_at is None and ticket.status != "closed"]
    if not ids:
        return {}
    return dict(db.session.execute(select(TicketPause.ticket_id, TicketPause.started_at).where(
        TicketPause.ticket_id.in_(ids), TicketPause.ended_at.is_(None))).all())


def row_deadline(ticket: Ticket, now: datetime, paused_since: datetime | None = None) -> RowDeadline | None:
    """The deadline of a queue row from the stored columns only (no query); None for closed questions. A stopped
    clock says since when the ball is in the member's court (`paused_since`, see pause_starts), when known."""
    if ticket.status == "closed":
        return None
    if ticket.next_due_at is None:
        waiting = ticket.status == "waiting"
        if paused_since is None:
            text = _("en attente du membre") if waiting else _("réponse envoyée")
        elif waiting:
            text = _("en attente du membre depuis %(duration)s", duration=format_elapsed(paused_since, now))
        else:
            text = _("réponse envoyée il y a %(duration)s", duration=format_elapsed(paused_since, now))
        return RowDeadline("paused", _("Délai suspendu"), text)
    state = _state_at(now, ticket.next_due_at, calendar_for(ticket.structure.region))
    which = _("1re réponse") if ticket.first_response_at is None else _("résolution")
    level = "overdue" if state.overdue else "soon" if state.due_soon else "ok"
    return RowDeadline(level, state.label, state.description, which, ticket.next_due_at)


def _state_at(now: datetime, due_at: datetime, calendar: BusinessCalendar) -> DeadlineState:
    """The state of a running deadline: all pauses are behind it, so the business time to `due_at` is what is left."""
    remaining = (business_time_between(now, due_at, calendar) if due_at > now
                 else -business_time_between(due_at, now, calendar))
    overdue = now > due_at
    return DeadlineState(due_at=due_at, remaining=remaining, overdue=overdue,
                         due_soon=not overdue and due_at - now <= DUE_SOON_WINDOW,
                         description=describe_remaining(remaining, day_length=calendar.full_day_length))


@dataclass(frozen=True)
class TicketDeadlines:
    """Both deadlines of a question as its page shows them, with the policy applied."""

    policy: SlaPolicy
    first_response: DeadlineState | None
    resolution: DeadlineState | None


def ticket_deadlines(ticket: Ticket, now: datetime) -> TicketDeadlines:
    """The first-response and resolution states at `now`, counting pauses (None once met)."""
    policy = policy_for(ticket.priority, ticket.theme_id)
    calendar = calendar_for(ticket.structure.region)
    pauses = pauses_of(ticket)
    first = None if ticket.first_response_at else deadline_state(now, ticket.created_at, policy.first_response,
                                                                 pauses, calendar)
    resolution = None if ticket.resolved_at else deadline_state(now, ticket.created_at, policy.resolution,
                                                                pauses, calendar)
    return TicketDeadlines(policy, first, resolution)


def format_business_hours(duration: timedelta) -> str:
    """A business duration in hours, French style ("4 h", "4,5 h")."""
    hours = duration / timedelta(hours=1)
    return f"{hours:g} h".replace(".", ",")


@dataclass(frozen=True)
class PolicyRow:
    """A line of the service-level page: priority, theme (None = all), durations, whether it is the default."""

    priority: int
    theme: Theme | None
    policy: SlaPolicy
    is_default: bool
    rule_id: int | None = None


def policy_table() -> list[PolicyRow]:
    """Every priority's general policy (stored or default), then the theme-specific rules."""
    stored = db.session.scalars(select(SlaRule).order_by(SlaRule.priority.desc(), SlaRule.theme_id)).all()
    general = {rule.priority: rule for rule in stored if rule.theme_id is None}
    rows = []
    for priority in sorted(PRIORITIES, reverse=True):
        rule = general.get(priority)
        rows.append(PolicyRow(priority, None, rules.sla_policy(rule) if rule else default_policy(priority),
                              rule is None, rule.id if rule else None))
    rows += [PolicyRow(rule.priority, rule.theme, rules.sla_policy(rule), False, rule.id)
             for rule in stored if rule.theme_id is not None]
    return rows


def policy_warnings() -> list[str]:
    """Priorities out of order: where a more urgent question would get more time, for the first response or the
    resolution, than a less urgent one, in the general rules and in every theme that has rules of its own (whose
    other priorities follow the general rules; a pair of those is reported once, for all themes)."""
    themes = db.session.scalars(
        select(Theme).where(Theme.id.in_(select(SlaRule.theme_id))).order_by(french_order(Theme.name)))
    levels = rules.current().service_levels
    warnings = []
    for theme in [None, *themes]:
        scope = _("Pour le thème « %(name)s »", name=theme.name) if theme else _("Pour tous les thèmes")
        ordered = [(priority, policy_for(priority, theme.id if theme else None))
                   for priority in sorted(PRIORITIES, reverse=True)]
        for (higher, more_urgent), (lower, less_urgent) in zip(ordered, ordered[1:]):
            if theme and (higher, theme.id) not in levels and (lower, theme.id) not in levels:
                continue
            values = {"scope": scope, "higher": PRIORITIES[higher], "lower": PRIORITIES[lower]}
            if more_urgent.first_response > less_urgent.first_response:
                warnings.append(_(
                    "%(scope)s, une question « %(higher)s » a plus de temps pour sa première réponse (%(slow)s) "
                    "qu'une question « %(lower)s » (%(fast)s).", slow=format_business_hours(more_urgent.first_response),
                    fast=format_business_hours(less_urgent.first_response), **values))
            if more_urgent.resolution > less_urgent.resolution:
                warnings.append(_(
                    "%(scope)s, une question « %(higher)s » a plus de temps pour sa résolution (%(slow)s) "
                    "qu'une question « %(lower)s » (%(fast)s).", slow=format_business_hours(more_urgent.resolution),
                    fast=format_business_hours(less_urgent.resolution), **values))
    return warnings


def save_policy(actor: User, priority: int, theme_id: int | None, first_response_hours: float,
                resolution_hours: float) -> SlaRule:
    """Create or replace the rule of a priority (and theme); applies to questions filed from now on."""
    ensure_admin(actor)
    if priority not in PRIORITIES:
        raise InvalidInput(_("Cette urgence n'existe pas."))
    theme = db.session.get(Theme, theme_id) if theme_id else None
    if theme_id and theme is None:
        raise InvalidInput(_("Ce thème n'existe pas."))
    for hours in (first_response_hours, resolution_hours):
        if hours is None or not 0 < hours <= MAX_HOURS:
            raise InvalidInput(_("Les délais se comptent en heures ouvrées, entre 0 et %(max)d.", max=MAX_HOURS))
    if resolution_hours < first_response_hours:
        raise InvalidInput(_("Le délai de résolution ne peut pas être plus court que celui de première réponse."),
                           field="resolution_hours")
    rule = db.session.scalar(select(SlaRule).where(
        SlaRule.priority == priority,
        SlaRule.theme_id == theme.id if theme else SlaRule.theme_id.is_(None)))
    if rule is None:
        rule = SlaRule(priority=priority, theme=theme)
        db.session.add(rule)
    rule.first_response_minutes = round(first_response_hours * 60)
    rule.resolution_minutes = round(resolution_hours * 60)
    db.session.flush()
    record_event("sla_rule_saved", actor, rule_id=rule.id, priority=priority, theme_id=theme_id,
                 first_response_minutes=rule.first_response_minutes, resolution_minutes=rule.resolution_minutes)
    db.session.commit()
    return rule


def fallback_policy(rule: SlaRule) -> SlaPolicy:
    """The service level that replaces `rule` once it is deleted: its priority's general rule (for a theme's rule)
    or the default."""
    general = rules.current().service_levels.get((rule.priority, None)) if rule.theme_id is not None else None
    return general or default_policy(rule.priority)


def delete_policy(actor: User, rule: SlaRule) -> None:
    """Remove a rule: the priority falls back to its general rule or to the default."""
    ensure_admin(actor)
    record_event("sla_rule_deleted", actor, rule_id=rule.id, priority=rule.priority, theme_id=rule.theme_id)
    db.session.delete(rule)
    db.session.commit()
