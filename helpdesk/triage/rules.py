"""Routing and service-level rules as each worker keeps them in memory, reloaded when an admin changes them.

Every write to either table replaces the token of `rules_version` in the writer's transaction (mapper
events, so no write path can forget it). A transaction reads the token once; the rules are reloaded when
it differs from the token they were loaded under. The token is read before the rules, so rules cached
under an old token are at worst reloaded once more, never kept past a change.
"""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session, object_session

from helpdesk.extensions import db
from helpdesk.models import RoutingRule, RulesVersion, SlaRule
from helpdesk.triage.deadlines import SlaPolicy

_TOKEN = "rules_token"


@dataclass(frozen=True)
class RouteEntry:
    """A routing rule as plain values: its position, conditions and jurist (None: the whole team)."""

    position: int
    theme_id: int | None
    region: str | None
    assignee_id: int | None


@dataclass(frozen=True)
class TriageRules:
    """The routing rules in the order they are tried, and the service levels by (priority, theme or None)."""

    routing: tuple[RouteEntry, ...]
    service_levels: dict[tuple[int, int | None], SlaPolicy]


def sla_policy(rule: SlaRule) -> SlaPolicy:
    """A stored service-level rule as a policy."""
    return SlaPolicy(timedelta(minutes=rule.first_response_minutes), timedelta(minutes=rule.resolution_minutes))


_loaded: dict[str, tuple[str, TriageRules]] = {}  # database URL -> (token, rules)
_READ_TOKEN = select(RulesVersion.token)  # read once per transaction: built once


def current() -> TriageRules:
    """The rules as this transaction sees them, from memory unless they changed since they were loaded."""
    token = db.session.info.get(_TOKEN)
    if token is None:
        token = db.session.info[_TOKEN] = db.session.scalar(_READ_TOKEN) or ""
    key = db.engine.url.render_as_string()
    cached = _loaded.get(key)
    if cached is not None and token and cached[0] == token:
        return cached[1]
    rules = TriageRules(
        routing=tuple(RouteEntry(rule.position, rule.theme_id, rule.region, rule.assignee_id) for rule in
                      db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id))),
        service_levels={(rule.priority, rule.theme_id): sla_policy(rule)
                        for rule in db.session.scalars(select(SlaRule))},
    )
    _loaded[key] = (token, rules)
    return rules


def _replace_token(mapper, connection, target) -> None:
    """A rule was written: give the rules a new token, in the same transaction."""
    token = uuid.uuid4().hex
    if connection.execute(update(RulesVersion).values(token=token)).rowcount == 0:
        connection.execute(insert(RulesVersion).values(id=1, token=token))
    session = object_session(target)
    if session is not None:
        session.info.pop(_TOKEN, None)


for _model in (RoutingRule, SlaRule):
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _replace_token)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_token(session, *args) -> None:
    """The next transaction reads the token again."""
    session.info.pop(_TOKEN, None)
