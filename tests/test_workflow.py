"""The status flow: every (from, to) pair, and random sequences of actions that never leave the flow."""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from helpdesk.errors import InvalidInput, ServiceError
from helpdesk.extensions import db
from helpdesk.models import STATUSES, Event, Ticket
from helpdesk.tickets import services
from helpdesk.tickets.workflow import allowed_targets, check_transition
from tests import factories

# The flow of DESIGN.md, written out independently of the code under test.
ALLOWED = {
    ("new", "open"), ("new", "closed"),
    ("open", "waiting"), ("open", "answered"), ("open", "closed"),
    ("waiting", "open"), ("waiting", "answered"), ("waiting", "closed"),
    ("answered", "open"), ("answered", "waiting"), ("answered", "closed"),
    ("closed", "open"),
}
PAIRS = list(itertools.product(STATUSES, STATUSES))


ANSWER_FIRST = "Répondez d'abord au membre, car le statut « Répondue » suit une réponse publique."


@pytest.mark.parametrize("current, target", PAIRS)
def test_transition_is_allowed_exactly_when_the_flow_says_so(current, target):
    if (current, target) in ALLOWED:
        check_transition(current, target, replied=True)
    else:
        with pytest.raises(InvalidInput, match=f"Impossible de passer une question « {STATUSES[current]} »"):
            check_transition(current, target, replied=True)


@pytest.mark.parametrize("current, target", sorted(ALLOWED))
def test_answered_needs_a_public_reply_and_nothing_else_does(current, target):
    if target == "answered":
        with pytest.raises(InvalidInput, match=ANSWER_FIRST):
            check_transition(current, target, replied=False)
    else:
        check_transition(current, target, replied=False)


def test_unknown_status_is_refused_in_french():
    with pytest.raises(InvalidInput, match="Ce statut n'existe pas"):
        check_transition("open", "archived", replied=True)


def test_allowed_targets_follow_the_order_of_the_flow():
    assert allowed_targets("open", replied=True) == ["waiting", "answered", "closed"]
    assert allowed_targets("open", replied=False) == ["waiting", "closed"]
    assert allowed_targets("closed", replied=True) == ["open"]


def bring_to(status: str, world) -> Ticket:
    """A question taken to `status` through the services, as users would."""
    ticket = factories.make_ticket(world.member)
    if status == "new":
        return ticket
    if status == "closed":
        services.close(ticket, world.member)
        return ticket
    services.claim(ticket, world.jurist)
    if status in ("waiting", "answered"):
        services.add_message(ticket, world.jurist, "Une réponse du service juridique.", status_after=status)
    return ticket


@pytest.mark.parametrize("current, target", PAIRS)
def test_jurist_status_change_follows_the_flow(world, current, target):
    ticket = bring_to(current, world)
    assert ticket.status == current
    if (current, target) in ALLOWED and (target != "answered" or ticket.has_reply):
        services.change_status(ticket, world.jurist, target)
        db.session.expire_all()
        assert db.session.get(Ticket, ticket.id).status == target
    else:
        events_before = db.session.scalars(select(Event.id).where(Event.ticket_id == ticket.id)).all()
        with pytest.raises(InvalidInput) as refused:
            services.change_status(ticket, world.jurist, target)
        assert refused.value.message  # a French sentence for the flash message
        db.session.rollback()
        assert db.session.get(Ticket, ticket.id).status == current
        assert db.session.scalars(select(Event.id).where(Event.ticket_id == ticket.id)).all() == events_before


ACTIONS = st.sampled_from([
    ("claim", "jurist"), ("claim", "jurist2"),
    ("assign", "jurist2"), ("assign", "member"), ("unassign", "jurist"),
    ("reply", "member"), ("reply", "outsider"), ("note", "member"),
    ("answer", "answered"), ("answer", "waiting"), ("answer", "closed"), ("note", "jurist"),
    ("status", "new"), ("status", "open"), ("status", "waiting"), ("status", "answered"),
    ("status", "closed"), ("status", "archived"), ("status_by_member", "closed"),
    ("close", "member"), ("close", "jurist"), ("close", "outsider"),
])


def _play(action: tuple[str, str], ticket: Ticket, world) -> None:
    """Run one service action as a user would trigger it."""
    kind, arg = action
    if kind == "claim":
        services.claim(ticket, getattr(world, arg))
    elif kind == "assign":
        services.assign(ticket, world.jurist, getattr(world, arg).id)
    elif kind == "unassign":
        services.assign(ticket, world.jurist, None)
    elif kind == "reply":
        services.add_message(ticket, getattr(world, arg), "Une précision du membre.")
    elif kind == "note":
        services.add_message(ticket, getattr(world, arg), "Note interne.", internal=True)
    elif kind == "answer":
        services.add_message(ticket, world.jurist2, "Réponse du juriste.", status_after=arg)
    elif kind == "status":
        services.change_status(ticket, world.jurist, arg)
    elif kind == "status_by_member":
        services.change_status(ticket, world.member, arg)
    else:
        services.close(ticket, getattr(world, arg))


def _status_replayed_from_history(ticket: Ticket) -> str:
    """The status obtained by replaying the ticket's events, checking each step against the flow."""
    status = "new"
    for event in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id).order_by(Event.id)):
        if event.kind in ("status_changed", "closed", "reopened"):
            target = {"closed": "closed", "reopened": "open"}.get(event.kind) or event.data["status"]
            assert (status, target) in ALLOWED, f"history shows {status} → {target}"
            status = target
    return status


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=st.lists(ACTIONS, max_size=10))
def test_random_action_sequences_stay_in_the_flow(world, actions):
    ticket = factories.make_ticket(world.member)
    for action in actions:
        try:
            _play(action, ticket, world)
        except ServiceError:
            db.session.rollback()  # what the end of a request does
        db.session.expire_all()
        stored = db.session.get(Ticket, ticket.id)
        assert stored.status in STATUSES
        assert (stored.closed_at is not None) == (stored.status == "closed")
        assert stored.status != "answered" or stored.first_response_at is not None, "« Répondue » without a reply"
        assert stored.status != "new" or stored.first_response_at is None, "« Nouvelle » after an answer"
        assert _status_replayed_from_history(stored) == stored.status
