"""Question services without HTTP: filing, replies, notes, claim, assignment, status, history."""
import re
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.engine.default import CACHE_HIT

from helpdesk.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from helpdesk.events import AUDIT_KINDS, INTERNAL_KINDS
from helpdesk.extensions import db
from helpdesk.models import Event, Message, Ticket, User
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.tickets import services
from helpdesk.triage import following, tagging
from tests import factories

SUBJECT = "Renouvellement d'un CDDI"
BODY = "Pouvons-nous renouveler ce contrat au-delà de 24 mois ?"


def _count(model) -> int:
    """Rows in a table."""
    return db.session.scalar(select(func.count()).select_from(model))


def _kinds(ticket: Ticket) -> list[str]:
    """The ticket's event kinds, oldest first."""
    return db.session.scalars(select(Event.kind).where(Event.ticket_id == ticket.id).order_by(Event.id)).all()


@pytest.fixture
def ticket(world):
    """A new question filed by the world's member."""
    return factories.make_ticket(world.member, theme_id=world.theme.id)


@pytest.fixture
def answered(world, ticket):
    """The question, claimed and answered by the first jurist."""
    services.add_message(ticket, world.jurist, "Voici la réponse.")
    return ticket


def test_filing_gives_a_unique_reference_of_the_year(world):
    first = factories.make_ticket(world.member)
    second = factories.make_ticket(world.colleague)
    year = datetime.now(timezone.utc).year
    assert re.fullmatch(rf"Q-{year}-\d{{5}}", first.reference)
    assert first.reference != second.reference
    assert first.status == "new" and first.structure_id == world.structure.id
    assert _kinds(first) == ["created"]


def test_filing_again_reuses_every_compiled_statement(world):
    """Each statement of a submission is compiled once per process, then taken from SQLAlchemy's cache."""
    factories.make_ticket(world.member, theme_id=world.theme.id)
    outcomes = []

    def record(conn, cursor, statement, parameters, context, executemany):
        """Note whether the statement came from the compiled cache."""
        outcomes.append((context.cache_hit, statement.split("(")[0]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        factories.make_ticket(world.colleague, theme_id=world.theme.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert outcomes and all(hit is CACHE_HIT for hit, _statement in outcomes), outcomes


def _submit_in_own_session(app, member_id: int, theme_id: int, pause: float, started: threading.Event,
                           outcomes: list) -> None:
    """A web submission as the view runs it, from its own thread and database connection: look for the same question
    filed lately, wait `pause` seconds, then file it unless found; note the reference shown to the member."""
    with app.app_context():
        member = db.session.get(User, member_id)
        try:
            resent, _filed = services.recent_filings(member, SUBJECT, BODY)
            started.set()
            time.sleep(pause)
            outcomes.append(resent or services.file_question(member, SUBJECT, BODY, theme_id).reference)
        finally:
            db.session.remove()


def test_a_question_sent_twice_at_once_is_filed_once(app, world):
    """A double click sends the same question twice at the same moment: the second submission waits for the first
    and finds its question, instead of filing a second one (which a check before filing alone would let through)."""
    outcomes: list = []
    first_started = threading.Event()
    first = threading.Thread(target=_submit_in_own_session,
                             args=(app, world.member.id, world.theme.id, 0.5, first_started, outcomes))
    second = threading.Thread(target=_submit_in_own_session,
                              args=(app, world.member.id, world.theme.id, 0, threading.Event(), outcomes))
    first.start()
    assert first_started.wait(10)
    second.start()
    first.join(30)
    second.join(30)
    assert len(outcomes) == 2 and outcomes[0] == outcomes[1], outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.subject == SUBJECT)) == 1


def test_questions_sent_at_once_by_script_keep_to_the_days_maximum(app, world):
    """Submissions sent at once (the API, a script) are counted one after the other: the day's maximum holds."""
    app.config["QUESTIONS_PER_DAY"] = 1
    outcomes: list = []

    def submit(pause: float, started: threading.Event) -> None:
        """Check the pace, wait `pause` seconds, file; note the question's reference or the refusal."""
        with app.app_context():
            member = db.session.get(User, world.member.id)
            try:
                services.ensure_filing_pace(member)
                started.set()
                time.sleep(pause)
                outcomes.append(services.file_question(member, SUBJECT, BODY, world.theme.id).reference)
            except RateLimited as refusal:
                outcomes.append(refusal)
            finally:
                db.session.remove()

    first_started = threading.Event()
    first = threading.Thread(target=submit, args=(0.5, first_started))
    second = threading.Thread(target=submit, args=(0, threading.Event()))
    first.start()
    assert first_started.wait(10)
    second.start()
    first.join(30)
    second.join(30)
    # The first files; the second, held until the first commits, is refused (it may note its refusal first).
    refusals = [outcome for outcome in outcomes if isinstance(outcome, RateLimited)]
    assert len(outcomes) == 2 and len(refusals) == 1, outcomes
    assert "maximum en ligne" in refusals[0].message
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.subject == SUBJECT)) == 1


def test_reference_carries_the_year_of_filing(world):
    with frozen_time(datetime(2031, 1, 2, tzinfo=timezone.utc)):
        ticket = factories.make_ticket(world.member)
    assert ticket.reference.startswith("Q-2031-")


def test_filing_trims_subject_and_body(world):
    ticket = factories.make_ticket(world.member, subject="   Objet avec espaces   ", body=f"  {BODY}  ")
    assert ticket.subject == "Objet avec espaces"
    assert ticket.body == BODY


def test_a_subject_sent_on_several_lines_is_kept_on_one(world):
    ticket = factories.make_ticket(world.member, subject="Objet\r\nBcc: tous@exemple.test\t fin", body=f"{BODY}\nsuite")
    assert ticket.subject == "Objet Bcc: tous@exemple.test fin"
    assert ticket.body == f"{BODY}\nsuite"


@pytest.mark.parametrize("overrides, message", [
    ({"theme_id": 999}, "Ce thème n'existe pas"),
    ({"priority": 7}, "Cette urgence n'existe pas"),
    ({"subject": "   "}, "Le champ « Objet » demande 5 caractères au minimum"),
    ({"subject": "x" * 201}, "Le champ « Objet » accepte 200 caractères au maximum \\(votre texte en compte 201\\)"),
    ({"body": ""}, "Le champ « Description » demande 20 caractères au minimum"),
    ({"body": "x" * 20_001}, "Le champ « Description » accepte 20\u202f000 caractères au maximum"),
])
def test_bad_question_is_refused_and_nothing_is_written(world, overrides, message):
    with pytest.raises(InvalidInput, match=message):
        factories.make_ticket(world.member, **overrides)
    db.session.rollback()
    assert _count(Ticket) == 0
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.ticket_id.is_not(None))) == 0


def test_inactive_theme_is_refused(world):
    retired = factories.make_theme(active=False)
    with pytest.raises(InvalidInput, match="Ce thème n'existe pas"):
        factories.make_ticket(world.member, theme_id=retired.id)
    assert _count(Ticket) == 0


def test_member_of_inactive_structure_cannot_file(world):
    world.structure.active = False
    db.session.commit()
    with pytest.raises(Forbidden, match="adhésion de votre structure n'est pas active"):
        factories.make_ticket(world.member)
    assert _count(Ticket) == 0


def test_jurist_cannot_file_a_question(world):
    with pytest.raises(Forbidden, match="Seuls les membres"):
        factories.make_ticket(world.jurist)


@pytest.mark.parametrize("status", ["waiting", "answered"])
def test_member_reply_reopens_a_waiting_or_answered_question(world, ticket, status):
    services.add_message(ticket, world.jurist, "Une précision ?", status_after=status)
    assert ticket.status == status
    services.add_message(ticket, world.colleague, "Voici la précision demandée.")
    assert ticket.status == "open"
    assert _kinds(ticket)[-2:] == ["status_changed", "reply"]


def test_member_reply_on_a_new_question_keeps_it_new(world, ticket):
    services.add_message(ticket, world.member, "J'ajoute un détail.")
    assert ticket.status == "new"
    assert ticket.assignee_id is None


def test_jurist_reply_claims_answers_and_stamps_first_response(world, ticket):
    with frozen_time(datetime(2026, 5, 4, 10, tzinfo=timezone.utc)):
        services.add_message(ticket, world.jurist, "Voici la réponse.")
    assert ticket.assignee_id == world.jurist.id
    assert ticket.status == "answered"
    assert ticket.first_response_at == datetime(2026, 5, 4, 10, tzinfo=timezone.utc)
    assert ticket.resolved_at is not None
    assert _kinds(ticket) == ["created", "claimed", "status_changed", "status_changed", "reply"]


def test_jurist_reply_can_wait_on_the_member(world, ticket):
    services.add_message(ticket, world.jurist, "Quelle est la date du contrat ?", status_after="waiting")
    assert ticket.status == "waiting"
    assert ticket.first_response_at is not None


def test_second_reply_keeps_the_first_response_time(world, answered):
    first = answered.first_response_at
    services.add_message(answered, world.member, "Et dans ce cas ?")
    services.add_message(answered, world.jurist, "Même réponse.")
    assert answered.first_response_at == first


def test_reply_by_another_jurist_does_not_steal_the_question(world, answered):
    services.add_message(answered, world.member, "Une autre question.")
    services.add_message(answered, world.jurist2, "Je complète la réponse.")
    assert answered.assignee_id == world.jurist.id
    assert _kinds(answered).count("claimed") == 1


def test_jurist_reply_refuses_an_unknown_status_after(world, ticket):
    with pytest.raises(InvalidInput, match="Après une réponse"):
        services.add_message(ticket, world.jurist, "Réponse.", status_after="closed")
    db.session.rollback()
    assert _count(Message) == 0


def test_note_is_internal_and_changes_no_status(world, ticket):
    message = services.add_message(ticket, world.jurist, "Vérifier la convention collective.", internal=True)
    assert message.internal
    assert ticket.status == "new" and ticket.assignee_id is None and ticket.first_response_at is None
    note_event = db.session.scalars(select(Event).where(Event.kind == "note")).one()
    assert note_event.internal


def test_member_cannot_post_an_internal_note(world, ticket):
    with pytest.raises(InvalidInput, match="réponses publiques"):
        services.add_message(ticket, world.member, "Note ?", internal=True)
    assert _count(Message) == 0


@pytest.mark.parametrize("body", ["", "   ", "x" * 20_001])
def test_empty_or_oversized_message_is_refused(world, ticket, body):
    with pytest.raises(InvalidInput, match="Message"):
        services.add_message(ticket, world.member, body)
    assert _count(Message) == 0


def test_posting_to_a_closed_question_is_refused(world, ticket):
    services.close(ticket, world.member)
    for author, internal in ((world.member, False), (world.jurist, False), (world.jurist, True)):
        with pytest.raises(InvalidInput, match="clôturée"):
            services.add_message(ticket, author, "Encore un mot.", internal=internal)
    assert _count(Message) == 0


def test_other_structure_cannot_post_or_close(world, ticket):
    with pytest.raises(NotFound):
        services.add_message(ticket, world.outsider, "Je m'invite.")
    with pytest.raises(NotFound):
        services.close(ticket, world.outsider)
    assert ticket.status == "new" and _count(Message) == 0


def test_claim_takes_the_question_and_opens_it(world, ticket):
    services.claim(ticket, world.jurist)
    assert ticket.assignee_id == world.jurist.id
    assert ticket.status == "open"
    assert _kinds(ticket) == ["created", "claimed", "status_changed"]


def test_second_claim_is_a_conflict(world, ticket):
    services.claim(ticket, world.jurist)
    with pytest.raises(Conflict, match="vient d'être prise"):
        services.claim(ticket, world.jurist2)
    with pytest.raises(Conflict, match="Vous avez déjà pris cette question"):
        services.claim(ticket, world.jurist)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).assignee_id == world.jurist.id
    assert _kinds(ticket).count("claimed") == 1


def test_member_cannot_claim(world, ticket):
    with pytest.raises(Forbidden, match="réservée aux juristes"):
        services.claim(ticket, world.member)
    assert ticket.assignee_id is None


def test_closed_question_cannot_be_claimed_or_assigned(world, ticket):
    services.close(ticket, world.jurist)
    with pytest.raises(InvalidInput, match="Rouvrez-la"):
        services.claim(ticket, world.jurist)
    with pytest.raises(InvalidInput, match="Rouvrez-la"):
        services.assign(ticket, world.jurist, world.jurist2.id)
    assert ticket.assignee_id is None


def test_assign_to_a_colleague_opens_the_question(world, ticket):
    services.assign(ticket, world.jurist, world.jurist2.id)
    assert ticket.assignee_id == world.jurist2.id
    assert ticket.status == "open"
    assigned = db.session.scalars(select(Event).where(Event.kind == "assigned")).one()
    assert assigned.actor_id == world.jurist.id and assigned.data == {"assignee": world.jurist2.name}


def test_assigning_the_same_person_again_is_refused_and_records_nothing(world, ticket):
    services.assign(ticket, world.jurist, world.jurist2.id)
    before = _kinds(ticket)
    with pytest.raises(InvalidInput, match=f"La question est déjà assignée à {world.jurist2.name}."):
        services.assign(ticket, world.jurist, world.jurist2.id)
    assert _kinds(ticket) == before


@pytest.mark.parametrize("who", ["member", "inactive_jurist", "nobody"])
def test_assign_to_someone_outside_the_legal_team_is_refused(world, ticket, who):
    if who == "member":
        target = world.member.id
    elif who == "inactive_jurist":
        target = factories.make_user("jurist", active=False).id
        db.session.get(type(world.jurist), target).active = False
        db.session.commit()
    else:
        target = 987654
    with pytest.raises(InvalidInput, match="équipe juridique"):
        services.assign(ticket, world.jurist, target)
    assert ticket.assignee_id is None and ticket.status == "new"


def test_member_cannot_assign(world, ticket):
    with pytest.raises(Forbidden):
        services.assign(ticket, world.member, world.jurist.id)


def test_unassign_records_who_had_it(world, ticket):
    services.claim(ticket, world.jurist)
    services.assign(ticket, world.jurist2, None)
    assert ticket.assignee_id is None
    unassigned = db.session.scalars(select(Event).where(Event.kind == "unassigned")).one()
    assert unassigned.data == {"previous": world.jurist.name}


def test_unassigning_keeps_the_status_the_flow_allows(world, ticket):
    """Unassigned, a question « En cours » stays so (no way back to « Nouvelle » in the flow) and can be taken."""
    services.assign(ticket, world.jurist, world.jurist2.id)
    assert ticket.status == "open"
    services.assign(ticket, world.jurist, None)
    assert ticket.status == "open" and ticket.assignee_id is None
    assert _kinds(ticket)[-1] == "unassigned"
    services.claim(ticket, world.jurist2)
    assert ticket.status == "open" and ticket.assignee_id == world.jurist2.id


def test_unassigning_an_unassigned_question_is_refused_and_records_nothing(world, ticket):
    with pytest.raises(InvalidInput, match="La question n'est déjà assignée à personne."):
        services.assign(ticket, world.jurist, None)
    assert _kinds(ticket) == ["created"]


def test_illegal_status_change_is_refused(world, ticket):
    with pytest.raises(InvalidInput, match="Impossible de passer une question « Nouvelle » au statut « Répondue »"):
        services.change_status(ticket, world.jurist, "answered")
    with pytest.raises(InvalidInput, match="déjà ce statut"):
        services.change_status(ticket, world.jurist, "new")
    assert ticket.status == "new" and _kinds(ticket) == ["created"]


ANSWER_FIRST = "Répondez d'abord au membre, car le statut « Répondue » suit une réponse publique."


@pytest.mark.parametrize("before", ["open", "waiting"])
def test_answered_is_refused_before_any_public_reply(world, ticket, before):
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Je vérifie les textes.", internal=True)
    if before == "waiting":
        services.change_status(ticket, world.jurist, "waiting")
    kinds_before = _kinds(ticket)
    with pytest.raises(InvalidInput, match=ANSWER_FIRST):
        services.change_status(ticket, world.jurist, "answered")
    db.session.rollback()
    db.session.refresh(ticket)
    assert ticket.status == before and ticket.resolved_at is None and ticket.first_response_at is None
    assert _kinds(ticket) == kinds_before


def test_answered_is_allowed_once_the_member_got_a_public_reply(world, answered):
    services.add_message(answered, world.member, "Une précision : le contrat a commencé en mars.")
    assert answered.status == "open"
    services.change_status(answered, world.jurist, "answered")
    assert answered.status == "answered" and answered.resolved_at is not None
    assert _kinds(answered)[-1] == "status_changed"


def test_reply_marking_the_question_answered_still_works_on_a_new_question(world, ticket):
    services.add_message(ticket, world.jurist, "Voici la réponse.", status_after="answered")
    assert ticket.status == "answered"
    assert ticket.first_response_at is not None and ticket.resolved_at == ticket.first_response_at


def test_member_cannot_change_status(world, ticket):
    with pytest.raises(Forbidden):
        services.change_status(ticket, world.member, "closed")
    assert ticket.status == "new"


def test_close_stamps_the_date_and_records_it(world, answered):
    services.close(answered, world.colleague)
    assert answered.status == "closed" and answered.closed_at is not None
    assert _kinds(answered)[-1] == "closed"
    with pytest.raises(InvalidInput, match="déjà clôturée"):
        services.close(answered, world.member)


def test_reopen_clears_closing_dates_and_records_reopened(world, answered):
    services.close(answered, world.member)
    services.change_status(answered, world.jurist, "open")
    assert answered.status == "open"
    assert answered.closed_at is None and answered.resolved_at is None
    assert _kinds(answered)[-1] == "reopened"


def test_every_state_change_writes_an_event(world, ticket):
    services.claim(ticket, world.jurist)
    services.assign(ticket, world.jurist, world.jurist2.id)
    services.add_message(ticket, world.jurist2, "Note.", internal=True)
    services.add_message(ticket, world.jurist2, "Réponse.", status_after="waiting")
    services.change_status(ticket, world.jurist2, "answered")
    services.assign(ticket, world.jurist2, None)
    services.close(ticket, world.member)
    services.change_status(ticket, world.jurist, "open")
    assert set(_kinds(ticket)) == {"created", "claimed", "assigned", "note", "reply", "status_changed",
                                   "unassigned", "closed", "reopened"}
    for event in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)):
        assert event.internal == (event.kind in {"claimed", "assigned", "unassigned", "note"})
    assert INTERNAL_KINDS == {"claimed", "assigned", "unassigned", "note", "routed", "tagged", "faq_proposed",
                              "rated", "followed", "unfollowed"} | AUDIT_KINDS


def _timeline_texts(ticket: Ticket, viewer) -> list[str]:
    """What a viewer's timeline shows: message bodies and event kinds, in order."""
    return [entry.message.body if entry.message else entry.event.kind for entry in services.timeline(ticket, viewer)]


def test_timeline_hides_internal_notes_and_events_from_members(world):
    with frozen_time(datetime(2026, 1, 1, 8, tzinfo=timezone.utc)):
        ticket = factories.make_ticket(world.member)
    with frozen_time(datetime(2026, 1, 1, 9, tzinfo=timezone.utc)):
        services.claim(ticket, world.jurist)
    with frozen_time(datetime(2026, 1, 1, 10, tzinfo=timezone.utc)):
        services.add_message(ticket, world.jurist, "Note secrète : vérifier l'avenant.", internal=True)
    with frozen_time(datetime(2026, 1, 1, 11, tzinfo=timezone.utc)):
        services.add_message(ticket, world.jurist, "Réponse publique.")
    with frozen_time(datetime(2026, 1, 1, 12, tzinfo=timezone.utc)):
        services.add_message(ticket, world.member, "Merci !")

    member_view = _timeline_texts(ticket, world.member)
    assert "Note secrète : vérifier l'avenant." not in member_view
    assert "claimed" not in member_view and "note" not in member_view
    assert member_view[-4:] == ["Réponse publique.", "status_changed", "Merci !", "status_changed"]

    jurist_view = _timeline_texts(ticket, world.jurist)
    assert "Note secrète : vérifier l'avenant." in jurist_view and "claimed" in jurist_view
    assert jurist_view.index("claimed") < jurist_view.index("Note secrète : vérifier l'avenant.")
    assert "reply" not in jurist_view  # replies appear as messages, not twice


def _waiting_for_31_days(world) -> Ticket:
    """A question the jurist left waiting for its member 31 days ago."""
    with frozen_time(utcnow() - timedelta(days=31)):
        ticket = factories.make_ticket(world.member)
        services.add_message(ticket, world.jurist, "Pouvez-vous nous envoyer le contrat ?", status_after="waiting")
    return ticket


@pytest.mark.parametrize("bookkeeping", [
    lambda ticket, world: services.classify(ticket, world.jurist, world.theme.id, 3),
    lambda ticket, world: services.assign(ticket, world.jurist, world.jurist2.id),
    lambda ticket, world: services.assign(ticket, world.jurist, None),
    lambda ticket, world: services.add_message(ticket, world.jurist2, "Relancer par téléphone.", internal=True),
    lambda ticket, world: tagging.add_tags(ticket, world.jurist, ["relance"]),
    lambda ticket, world: following.follow(ticket, world.jurist2),
], ids=["reclassified", "reassigned", "unassigned", "noted", "tagged", "followed"])
def test_the_teams_bookkeeping_does_not_postpone_the_automatic_closing(world, bookkeeping):
    """Reclassifying, (un)assigning, noting, tagging or following a question waiting for its member is the team's
    business: the member was not heard from, and the question closes 30 days after its last exchange all the same."""
    ticket = _waiting_for_31_days(world)
    exchanged = ticket.last_activity_at
    with frozen_time(utcnow() - timedelta(days=1)):
        bookkeeping(ticket, world)
    db.session.refresh(ticket)
    assert ticket.last_activity_at == exchanged
    assert services.close_inactive(30) == [ticket.reference]


def test_a_question_unassigned_then_taken_again_still_closes_on_time(world):
    ticket = _waiting_for_31_days(world)
    services.assign(ticket, world.jurist, None)
    services.claim(ticket, world.jurist2)
    assert services.close_inactive(30) == [ticket.reference]


@pytest.mark.parametrize("exchange", [
    lambda ticket, world: services.add_message(ticket, world.member, "Voici le contrat signé."),
    lambda ticket, world: services.add_message(ticket, world.jurist, "Et l'avenant ?", status_after="waiting"),
    lambda ticket, world: services.change_status(ticket, world.jurist, "answered"),
], ids=["member_reply", "jurist_reply", "status_change"])
def test_an_exchange_with_the_member_restarts_the_clock(world, exchange):
    ticket = _waiting_for_31_days(world)
    exchange(ticket, world)
    assert services.close_inactive(30) == []
    assert ticket.last_activity_at > utcnow() - timedelta(minutes=1)


def test_questions_left_answered_or_waiting_are_closed_after_the_inactivity_period(app, world, runner, client,
                                                                                    login):
    answered, waiting, recent, in_progress = (factories.make_ticket(world.member) for _ in range(4))
    for ticket, status in ((answered, "answered"), (waiting, "waiting"), (recent, "answered")):
        services.add_message(ticket, world.jurist, "Réponse.", status_after=status)
    services.claim(in_progress, world.jurist)
    month_ago = utcnow() - timedelta(days=31)
    for ticket in (answered, waiting, in_progress):
        ticket.last_activity_at = month_ago
    db.session.commit()
    result = runner.invoke(args=["triage", "close-inactive"])
    assert result.exit_code == 0 and "2 question(s) sans activité depuis 30 jours clôturée(s)." in result.output
    db.session.expire_all()
    assert [ticket.status for ticket in (answered, waiting, recent, in_progress)] == ["closed", "closed", "answered",
                                                                                       "open"]
    event = db.session.scalar(select(Event).where(Event.ticket_id == answered.id, Event.kind == "closed"))
    assert (event.actor_id, event.data["inactive_days"], event.data["previous"]) == (None, 30, "answered")
    assert answered.closed_at is not None
    assert runner.invoke(args=["triage", "close-inactive"]).output.startswith("0 question(s)")
    login(world.member)
    page = client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    assert "Question clôturée automatiquement : aucune nouvelle depuis 30 jours." in page


def test_a_question_its_member_answers_while_the_automatic_closing_runs_stays_open(world, monkeypatch):
    """The closing loop lists its questions first, then closes them one commit each: a member who replies meanwhile
    (on another worker) keeps their question open instead of seeing it closed right after their reply."""
    first, answered = _waiting_for_31_days(world), _waiting_for_31_days(world)
    set_status = services._set_status

    def member_replies_to_the_second_meanwhile(ticket, *args, **kwargs):
        """Close as usual; while the first closes, the second's member answers, as another worker would commit it."""
        set_status(ticket, *args, **kwargs)
        if ticket.id == first.id:
            db.session.execute(update(Ticket).where(Ticket.id == answered.id)
                               .values(status="open", last_activity_at=utcnow()))

    monkeypatch.setattr(services, "_set_status", member_replies_to_the_second_meanwhile)
    assert services.close_inactive(30) == [first.reference]
    db.session.expire_all()
    assert (first.status, answered.status) == ("closed", "open")
