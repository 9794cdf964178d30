"""Two jurists claiming the same question at the same moment: exactly one wins (PostgreSQL only)."""
import threading

import pytest
from sqlalchemy import func, select, update

from helpdesk.errors import Conflict
from helpdesk.extensions import db
from helpdesk.models import Event, Ticket, User
from helpdesk.tickets import services
from tests import factories
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="needs concurrent writers: set TEST_DATABASE_URL to a PostgreSQL server (SQLite serialises writes)",
)
ROUNDS = 20


def _claim_in_own_session(app, ticket_id: int, jurist_id: int, barrier: threading.Barrier, outcomes: dict) -> None:
    """Claim from a separate thread, app context and database connection, starting with the other thread."""
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        jurist = db.session.get(User, jurist_id)
        barrier.wait()
        try:
            services.claim(ticket, jurist)
        except Conflict as conflict:
            outcomes[jurist_id] = conflict
        else:
            outcomes[jurist_id] = "won"
        finally:
            db.session.remove()


def test_simultaneous_claims_have_exactly_one_winner(app, world):
    jurists = (world.jurist.id, world.jurist2.id)
    for _ in range(ROUNDS):
        ticket_id = factories.make_ticket(world.member).id
        barrier = threading.Barrier(2, timeout=10)
        outcomes: dict = {}
        threads = [threading.Thread(target=_claim_in_own_session, args=(app, ticket_id, jurist, barrier, outcomes))
                   for jurist in jurists]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        winners = [jurist for jurist, outcome in outcomes.items() if outcome == "won"]
        losers = [outcome for outcome in outcomes.values() if isinstance(outcome, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert "vient d'être prise" in losers[0].message
        db.session.expire_all()
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket.assignee_id == winners[0]
        assert ticket.status == "open"
        claimed = db.session.scalar(
            select(func.count()).select_from(Event).where(Event.ticket_id == ticket_id, Event.kind == "claimed"))
        assert claimed == 1


def test_second_claim_waits_for_the_first_and_then_finds_nothing_to_take(app, world):
    ticket_id = factories.make_ticket(world.member).id
    jurist_id, other_jurist_id = world.jurist.id, world.jurist2.id

    def claim_by(jurist_id: int):
        """The claim's conditional UPDATE, as services.claim issues it."""
        return (update(Ticket).where(Ticket.id == ticket_id, Ticket.assignee_id.is_(None), Ticket.status != "closed")
                .values(assignee_id=jurist_id))

    first, second = db.engine.connect(), db.engine.connect()
    try:
        first.begin()
        assert first.execute(claim_by(jurist_id)).rowcount == 1

        second_rows: list[int] = []
        second.begin()
        waiting = threading.Thread(target=lambda: second_rows.append(
            second.execute(claim_by(other_jurist_id)).rowcount))
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive(), "the second UPDATE should wait for the first transaction's row lock"

        first.commit()
        waiting.join(timeout=10)
        second.commit()
        assert second_rows == [0]
    finally:
        first.close()
        second.close()
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).assignee_id == jurist_id
