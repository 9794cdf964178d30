"""Routing rules: a question's theme and/or region sends it to a jurist (or the whole team) when filed."""
from sqlalchemy import func, select

from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import format_date
from helpdesk.models import REGIONS, RoutingRule, Theme, Ticket, User
from helpdesk.permissions import ensure_admin
from helpdesk.tickets.workflow import check_transition
from helpdesk.translation import gettext as _, ngettext
from helpdesk.triage import rules
from helpdesk.triage.absence import paris_today


def ordered_rules() -> list[RoutingRule]:
    """The rules in the order they are tried."""
    return db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)).all()


def _matches(rule: rules.RouteEntry, ticket: Ticket) -> bool:
    """Whether every condition of the rule holds for the question."""
    return ((rule.theme_id is None or rule.theme_id == ticket.theme_id)
            and (rule.region is None or rule.region == ticket.structure.region))


def route(ticket: Ticket) -> rules.RouteEntry | None:
    """Apply the first matching rule to a just-filed question; unmatched questions stay unassigned.

    A rule for a jurist who has left (inactive) or is away today is skipped. A rule for the whole team leaves the
    question unassigned (« Nouvelle »), visible to everyone in « Non assignées ». A question given to a
    jurist is « En cours », as after a manual assignment; the routing event records both.
    """
    today = paris_today()
    for rule in rules.current().routing:
        if not _matches(rule, ticket):
            continue
        assignee = db.session.get(User, rule.assignee_id) if rule.assignee_id is not None else None
        if rule.assignee_id is not None and not (assignee is not None and assignee.active and assignee.is_staff
                                                 and not assignee.away_on(today)):
            continue
        ticket.assignee = assignee
        if assignee is not None:
            check_transition(ticket.status, "open", replied=False)
            ticket.status = "open"
        record_event("routed", None, ticket, rule=rule.position, assignee=assignee.name if assignee else None)
        return rule
    return None


def _covers(earlier: RoutingRule, later: RoutingRule) -> bool:
    """Whether every question the later rule retains is already retained by the earlier one."""
    return (earlier.theme_id is None or earlier.theme_id == later.theme_id) and (
        earlier.region is None or earlier.region == later.region)


def _ignored_reason(number: int, rule: RoutingRule) -> str | None:
    """Why a rule can retain no question today (its jurist has left, its theme is retired), or None."""
    if rule.assignee is not None and not (rule.assignee.active and rule.assignee.is_staff):
        return _("La règle %(number)d est ignorée, car %(name)s ne fait plus partie de l'équipe juridique "
                 "(compte désactivé ou rôle changé).", number=number, name=rule.assignee.name)
    if rule.assignee is not None and rule.assignee.away_on(paris_today()):
        return _("La règle %(number)d est ignorée jusqu'au %(date)s inclus, car %(name)s est absent ou absente.",
                 number=number, date=format_date(rule.assignee.absent_until), name=rule.assignee.name)
    if rule.theme is not None and not rule.theme.active:
        return _("La règle %(number)d ne retient plus aucune question, car le thème « %(theme)s » est retiré.",
                 number=number, theme=rule.theme.name)
    return None


def rule_warnings(ordered: list[RoutingRule]) -> list[str]:
    """What an admin should check in the rules, numbered from 1 in the order they are tried: rules that can never
    apply because an earlier, broader rule for the whole team always wins; fallback rules that apply only once the
    jurists of earlier, broader rules have left; rules that are ignored today."""
    warnings, live = [], []
    for number, rule in enumerate(ordered, start=1):
        reason = _ignored_reason(number, rule)
        if reason is not None:
            warnings.append(reason)
            continue
        covering = [(earlier_number, earlier) for earlier_number, earlier in live if _covers(earlier, rule)]
        team = next((earlier_number for earlier_number, earlier in covering if earlier.assignee is None), None)
        if team is not None:
            warnings.append(_("La règle %(number)d ne s'appliquera jamais, car la règle %(earlier)d, placée "
                              "avant, retient déjà toutes ses questions pour toute l'équipe. Montez-la au-dessus si elle "
                              "doit s'appliquer.", number=number, earlier=team))
        elif covering:
            warnings.append(ngettext(
                "La règle %(number)d ne sert que de relais. Ses questions vont d'abord à %(names)s (règle "
                "%(earlier)s, placée avant) ; elle ne s'appliquera que si ce compte est désactivé.",
                "La règle %(number)d ne sert que de relais. Ses questions vont d'abord à %(names)s (règles "
                "%(earlier)s, placées avant) ; elle ne s'appliquera que si ces comptes sont désactivés.",
                len(covering), number=number, names=", ".join(earlier.assignee.name for _n, earlier in covering),
                earlier=", ".join(str(earlier_number) for earlier_number, _r in covering)))
        live.append((number, rule))
    return warnings


def add_rule(actor: User, theme_id: int | None, region: str | None, assignee_id: int | None) -> RoutingRule:
    """Append a rule at the end of the list."""
    ensure_admin(actor)
    region = region or None
    if theme_id is None and region is None:
        raise InvalidInput(_("Une règle porte sur un thème, une région ou les deux."))
    if region is not None and region not in REGIONS:
        raise InvalidInput(_("Cette région n'existe pas."))
    if theme_id is not None and db.session.get(Theme, theme_id) is None:
        raise InvalidInput(_("Ce thème n'existe pas."))
    assignee = None
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id)
        if assignee is None or not assignee.is_staff or not assignee.active:
            raise InvalidInput(_("Cette personne ne fait pas partie de l'équipe juridique."))
    # The same criteria may name another jurist (a fallback while the first one is away), not the same one again.
    same = db.session.scalar(select(RoutingRule.position).where(
        RoutingRule.theme_id.is_(None) if theme_id is None else RoutingRule.theme_id == theme_id,
        RoutingRule.region.is_(None) if region is None else RoutingRule.region == region,
        RoutingRule.assignee_id.is_(None) if assignee is None else RoutingRule.assignee_id == assignee.id))
    if same is not None:
        raise InvalidInput(_("La règle %(number)d fait déjà exactement cela.", number=same))
    last = db.session.scalar(select(func.max(RoutingRule.position))) or 0
    rule = RoutingRule(position=last + 1, theme_id=theme_id, region=region, assignee=assignee)
    db.session.add(rule)
    db.session.flush()
    record_event("routing_rule_added", actor, rule_id=rule.id)
    db.session.commit()
    return rule


def _renumber(ordered: list[RoutingRule]) -> None:
    """Number the rules 1, 2, 3... in their order, as the list page shows them and as messages name them."""
    for position, item in enumerate(ordered, start=1):
        item.position = position


def move_rule(actor: User, rule: RoutingRule, offset: int) -> None:
    """Move a rule one place up (-1) or down (+1) by swapping it with its neighbour."""
    ensure_admin(actor)
    ordered = ordered_rules()
    index = ordered.index(rule)
    other = index + offset
    if offset not in (-1, 1) or not 0 <= other < len(ordered):
        raise InvalidInput(_("Cette règle ne peut pas aller plus loin."))
    _renumber(ordered)
    ordered[index].position, ordered[other].position = ordered[other].position, ordered[index].position
    record_event("routing_rule_moved", actor, rule_id=rule.id, position=rule.position)
    db.session.commit()


def delete_rule(actor: User, rule: RoutingRule) -> None:
    """Remove a rule."""
    ensure_admin(actor)
    record_event("routing_rule_deleted", actor, rule_id=rule.id)
    db.session.delete(rule)
    _renumber(ordered_rules())
    db.session.commit()
