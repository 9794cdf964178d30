"""Two jurists claiming the same question, turning the same kept mail into a question, or merging two questions into
each other, at the same moment: exactly one wins (PostgreSQL only)."""
import threading

import pytest
from sqlalchemy import func, select, update

from helpdesk.errors import Conflict, InvalidInput
from helpdesk.extensions import db
from helpdesk.mail.ingest import ingest
from helpdesk.models import Attachment, Event, InboundEmail, Ticket, User
from helpdesk.tickets import services
from helpdesk.triage import filing, merging
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


def _file_from_mail_in_own_session(app, inbound_id: int, jurist_id: int, member_id: int, subject: str,
                                   barrier: threading.Barrier, outcomes: dict) -> None:
    """Turn the kept mail into a question from a separate thread, app context and database connection."""
    with app.app_context():
        record = db.session.get(InboundEmail, inbound_id)
        jurist, member = db.session.get(User, jurist_id), db.session.get(User, member_id)
        barrier.wait()
        try:
            ticket = filing.file_on_behalf(jurist, member.id, member.structure_id, "email", subject,
                                           "Nos salariés en insertion comptent-ils dans l'effectif du CSE ?", None,
                                           attachments=[("effectif.txt", b"Effectif : 14")], from_mail=record)
        except Conflict as conflict:
            outcomes[jurist_id] = conflict
        else:
            outcomes[jurist_id] = ticket.reference
        finally:
            db.session.remove()


def _file_one_mail_at_once(app, world, round_number: int, same_member: bool, same_subject: bool) -> tuple:
    """A mail kept for the jurists, which both turn into a question at the same instant (for the same member and
    subject or not): the mail's record and each jurist's outcome (the question's reference, or the Conflict)."""
    record = ingest(f"From: {world.member.email}\r\nTo: questions@exemple.test\r\nSubject: Effectif\r\n"
                    f"Message-ID: <race-{round_number}@exemple.test>\r\n\r\nEffectif du CSE ?\r\n".encode())
    barrier = threading.Barrier(2, timeout=10)
    outcomes: dict = {}
    subject = f"Effectif et CSE, courriel {round_number}"  # not a question filed in an earlier round again
    filers = [(world.jurist.id, world.member.id, subject),
              (world.jurist2.id, world.member.id if same_member else world.colleague.id,
               subject if same_subject else f"{subject}, reformulé")]
    threads = [threading.Thread(target=_file_from_mail_in_own_session,
                                args=(app, record.id, *filer, barrier, outcomes)) for filer in filers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return record, outcomes


@pytest.mark.parametrize("same_member, same_subject", [(True, True), (True, False), (False, False)])
def test_simultaneous_filings_of_one_mail_make_exactly_one_question(app, world, same_member, same_subject):
    """Whether the two jurists chose the same member and subject or not, one question is filed and the mail linked to
    it; the other jurist is refused, naming it, with nothing of theirs stored."""
    for round_number in range(ROUNDS // 4):
        record, outcomes = _file_one_mail_at_once(app, world, round_number, same_member, same_subject)
        [reference] = [outcome for outcome in outcomes.values() if isinstance(outcome, str)]
        [refusal] = [outcome for outcome in outcomes.values() if isinstance(outcome, Conflict)]
        assert refusal.message == f"Ce courriel a déjà été transformé en question {reference}."
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == round_number + 1
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == round_number + 1
        ticket = db.session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        record = db.session.get(InboundEmail, record.id)
        assert (record.status, record.ticket_id) == ("attached", ticket.id)
        winner = next(jurist for jurist, outcome in outcomes.items() if outcome == reference)
        assert record.handled_by_id == winner


@pytest.mark.parametrize("same_member, same_subject", [(True, True), (False, False)])
def test_the_refused_filing_of_a_mail_uses_up_no_question_number(app, world, same_member, same_subject):
    """The jurist refused is refused before the question is numbered: the next question filed gets the next number
    (the references of the year have no gap)."""
    for round_number in range(ROUNDS // 4):
        _record, outcomes = _file_one_mail_at_once(app, world, round_number, same_member, same_subject)
        [reference] = [outcome for outcome in outcomes.values() if isinstance(outcome, str)]
        following = filing.file_on_behalf(world.jurist, world.member.id, world.member.structure_id, "phone",
                                          f"Appel sur l'effectif {round_number}",
                                          "Un membre demande si ses salariés en insertion comptent dans l'effectif.",
                                          None)
        assert int(following.reference.rsplit("-", 1)[1]) == int(reference.rsplit("-", 1)[1]) + 1


def _merge_in_own_session(app, source_id: int, target_id: int, jurist_id: int, barrier: threading.Barrier,
                          outcomes: dict) -> None:
    """Merge `source_id` into `target_id` from a separate thread, app context and database connection."""
    with app.app_context():
        source, target = db.session.get(Ticket, source_id), db.session.get(Ticket, target_id)
        jurist = db.session.get(User, jurist_id)
        source.messages, target.messages  # loaded before the start, as a page shown first would have them
        barrier.wait()
        try:
            merging.merge(source, target, jurist)
        except InvalidInput as refusal:
            outcomes[(source_id, target_id)] = refusal
        else:
            outcomes[(source_id, target_id)] = "merged"
        finally:
            db.session.remove()


def _merge_at_once(app, merges: list[tuple[int, int, int]]) -> dict:
    """Run each (source, target, jurist) merge in its own thread, all starting together; their outcomes."""
    barrier = threading.Barrier(len(merges), timeout=10)
    outcomes: dict = {}
    threads = [threading.Thread(target=_merge_in_own_session, args=(app, *merge, barrier, outcomes))
               for merge in merges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_merging_a_into_b_while_a_colleague_merges_b_into_a_refuses_one(app, world):
    """The second merge to reach the questions finds the other one merged and is refused in French; the case stays
    open in the question that was kept."""
    for _ in range(ROUNDS):
        a = factories.make_ticket(world.member, subject="CDDI au-delà de 24 mois").id
        b = factories.make_ticket(world.colleague, subject="Renouveler un CDDI de 24 mois").id
        outcomes = _merge_at_once(app, [(a, b, world.jurist.id), (b, a, world.jurist2.id)])

        [(source, target)] = [pair for pair, outcome in outcomes.items() if outcome == "merged"]
        [refusal] = [outcome for outcome in outcomes.values() if isinstance(outcome, InvalidInput)]
        db.session.expire_all()
        merged, kept = db.session.get(Ticket, source), db.session.get(Ticket, target)
        assert refusal.message == (f"{merged.reference} est clôturée ou fusionnée. Fusionnez avec la question qui "
                                   "reste ouverte.")
        assert (merged.merged_into_id, merged.status) == (kept.id, "closed")
        assert kept.merged_into_id is None and kept.status != "closed"
        assert db.session.scalar(select(func.count()).select_from(Event).where(
            Event.kind == "merged_into", Event.ticket_id.in_((a, b)))) == 1


def test_merging_a_into_b_while_a_colleague_merges_c_into_a_never_merges_into_a_merged_question(app, world):
    """A question merged away at the instant another is merged into it: either C joined A before A joined B (a chain
    the jurists may build one step after the other), or C's merge is refused; C never joins A after A was merged."""
    for _ in range(ROUNDS // 2):
        a, b, c = (factories.make_ticket(world.member, subject=f"Mutuelle obligatoire, cas {letter}").id
                   for letter in "abc")
        outcomes = _merge_at_once(app, [(a, b, world.jurist.id), (c, a, world.jurist2.id)])

        assert outcomes[(a, b)] == "merged", outcomes
        db.session.expire_all()
        assert db.session.get(Ticket, a).merged_into_id == b
        question_c = db.session.get(Ticket, c)
        if outcomes[(c, a)] == "merged":
            kinds_on_a = db.session.scalars(select(Event.kind).where(Event.ticket_id == a).order_by(Event.id)).all()
            assert kinds_on_a.index("merged_from") < kinds_on_a.index("merged_into"), kinds_on_a
        else:
            assert outcomes[(c, a)].message.startswith(f"{db.session.get(Ticket, a).reference} est clôturée")
            assert question_c.merged_into_id is None and question_c.status != "closed"
