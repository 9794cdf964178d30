"""Service levels: deadlines stored when a question is filed, paused while it waits on the member,
admin-configured policies, the queue's "En retard" / "À échéance sous 24 h" views, and the backfill command for
questions filed before service levels existed."""
import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, text, update

from helpdesk.extensions import db
from helpdesk.models import SlaRule, Ticket, TicketPause
from helpdesk.models._types import frozen_time
from helpdesk.tickets import services
from helpdesk.triage import sla
from tests import factories

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    """An aware Europe/Paris moment."""
    return datetime(*args, tzinfo=PARIS)


def _file(author, moment, **overrides) -> Ticket:
    """File a question at a given moment."""
    with frozen_time(moment):
        return factories.make_ticket(author, **overrides)


def test_filing_stores_first_response_and_resolution_deadlines_from_the_default_policy(world):
    # Normal priority: first response within 2 business days (18 h), resolution within 10 (90 h).
    ticket = _file(world.member, paris(2026, 3, 2, 10))
    assert ticket.first_response_due_at == paris(2026, 3, 4, 10)
    assert ticket.due_at == paris(2026, 3, 16, 10)
    assert ticket.next_due_at == ticket.first_response_due_at


def test_deadlines_skip_easter_monday(world):
    # Filed Thursday 2 April 2026 at 10:00; Monday 6 April is Easter Monday.
    ticket = _file(world.member, paris(2026, 4, 2, 10))
    assert ticket.first_response_due_at == paris(2026, 4, 7, 10)


def test_overseas_structure_observes_its_abolition_of_slavery_day(world):
    guadeloupe = factories.make_structure(region="guadeloupe")
    member = factories.make_user("member", guadeloupe)
    metropolitan = _file(world.member, paris(2026, 5, 26, 10))
    overseas = _file(member, paris(2026, 5, 26, 10))
    assert metropolitan.first_response_due_at == paris(2026, 5, 28, 10)
    # Wednesday 27 May is a holiday in Guadeloupe.
    assert overseas.first_response_due_at == paris(2026, 5, 29, 10)


def test_clock_stops_while_waiting_on_the_member_and_resumes_when_they_reply(world):
    ticket = _file(world.member, paris(2026, 3, 2, 10), priority=3)  # urgent: first response in 4 h
    assert ticket.first_response_due_at == paris(2026, 3, 2, 14)
    with frozen_time(paris(2026, 3, 2, 10, 30)):
        services.claim(ticket, world.jurist)
    with frozen_time(paris(2026, 3, 2, 11)):
        services.change_status(ticket, world.jurist, "waiting")
    assert ticket.next_due_at is None
    with frozen_time(paris(2026, 3, 3, 11)):
        services.add_message(ticket, world.member, "Voici la date de début du contrat : 2 février.")
    # 1 h used before the pause, 3 h left after Tuesday 11:00.
    assert ticket.status == "open"
    assert ticket.first_response_due_at == paris(2026, 3, 3, 14)
    assert ticket.next_due_at == paris(2026, 3, 3, 14)
    pauses = db.session.scalars(select(TicketPause).where(TicketPause.ticket_id == ticket.id)).all()
    assert [(pause.started_at, pause.ended_at) for pause in pauses] == [(paris(2026, 3, 2, 11), paris(2026, 3, 3, 11))]


def test_first_answer_freezes_the_first_response_deadline_and_the_resolution_clock_resumes_on_reply(world):
    ticket = _file(world.member, paris(2026, 3, 2, 10))
    first_due = ticket.first_response_due_at
    with frozen_time(paris(2026, 3, 2, 15)):
        services.add_message(ticket, world.jurist, "Voici notre réponse.")
    assert ticket.status == "answered" and ticket.next_due_at is None
    assert ticket.first_response_due_at == first_due
    with frozen_time(paris(2026, 3, 4, 15)):
        services.add_message(ticket, world.member, "Une précision encore, s'il vous plaît.")
    # Answered from Monday 15:00 to Wednesday 15:00: 18 business hours of pause on a 90-hour resolution.
    assert ticket.next_due_at == ticket.due_at == paris(2026, 3, 18, 10)


def test_admin_policy_per_priority_and_per_theme(world):
    sla.save_policy(world.admin, 1, None, 4, 20)
    sla.save_policy(world.admin, 1, world.theme.id, 2, 10)
    general = _file(world.member, paris(2026, 3, 2, 10))
    themed = _file(world.member, paris(2026, 3, 2, 10), theme_id=world.theme.id)
    urgent = _file(world.member, paris(2026, 3, 2, 10), priority=3)
    assert general.first_response_due_at == paris(2026, 3, 2, 14)
    assert themed.first_response_due_at == paris(2026, 3, 2, 12)
    assert urgent.first_response_due_at == paris(2026, 3, 2, 14)  # default urgent policy: 4 h
    sla.save_policy(world.admin, 1, None, 3, 20)
    assert db.session.scalar(select(SlaRule.first_response_minutes).where(
        SlaRule.priority == 1, SlaRule.theme_id.is_(None))) == 180
    assert _file(world.member, paris(2026, 3, 2, 10)).first_response_due_at == paris(2026, 3, 2, 13), \
        "a changed policy applies to the next question at once"


@pytest.mark.parametrize("first, resolution, message", [
    (10, 5, "ne peut pas être plus court"),
    (0, 5, "entre 0 et"),
    (5, 5000, "entre 0 et"),
])
def test_admin_policy_bad_durations_are_refused(world, first, resolution, message):
    from helpdesk.errors import InvalidInput

    with pytest.raises(InvalidInput, match=message):
        sla.save_policy(world.admin, 1, None, first, resolution)
    assert db.session.scalar(select(SlaRule)) is None


def test_jurist_cannot_change_policies(world):
    from helpdesk.errors import Forbidden

    with pytest.raises(Forbidden):
        sla.save_policy(world.jurist, 1, None, 4, 20)


def test_admin_sets_a_policy_through_the_page(client, world, login):
    login(world.admin)
    page = client.get("/admin/delais").get_data(as_text=True)
    assert "Valeur par défaut" in page and "18 h" in page
    response = client.post("/admin/delais", data={"priority": "2", "theme": "0", "first_response_hours": "6",
                                                  "resolution_hours": "27,5"}, follow_redirects=True)
    assert "délai enregistré" in response.get_data(as_text=True)
    rule = db.session.scalar(select(SlaRule))
    assert (rule.priority, rule.first_response_minutes, rule.resolution_minutes) == (2, 360, 1650)
    bad = client.post("/admin/delais", data={"priority": "2", "theme": "0", "first_response_hours": "8",
                                             "resolution_hours": "2"}, follow_redirects=True)
    assert "ne peut pas être plus court" in bad.get_data(as_text=True)


def test_policy_form_messages_follow_the_interface_language(client, world, login):
    """The range message was a French f-string, shown as is in the English interface."""
    login(world.admin)
    data = {"priority": "2", "theme": "0", "first_response_hours": "0", "resolution_hours": "5000"}
    assert "Entre 0,25 et 2000 heures." in client.post("/admin/delais", data=data).get_data(as_text=True)
    client.post("/langue", data={"locale": "en", "next": "/admin/delais"})
    assert "Between 0.25 and 2000 hours." in client.post("/admin/delais", data=data).get_data(as_text=True)
    assert db.session.scalar(select(SlaRule)) is None


def test_a_number_that_cannot_be_read_gets_one_message_not_two(client, world, login):
    """« N'est pas une valeur décimale valide. Entre 0,25 et 2000 heures. »: the range check ran on a value that
    was not a number and the field showed both messages (a form posted by an old browser or a script)."""
    login(world.admin)
    data = {"priority": "2", "theme": "0", "first_response_hours": "8 h", "resolution_hours": "16"}
    page = client.post("/admin/delais", data=data).get_data(as_text=True)
    errors = re.findall(r'<p class="error" id="first_response_hours-error">(.*?)</p>', page, re.S)
    assert [error.strip() for error in errors] == ["N&#39;est pas une valeur décimale valide."]
    assert "Entre 0,25 et 2000 heures." not in page  # neither under the field nor in the banner
    assert db.session.scalar(select(SlaRule)) is None


def test_default_policies_are_in_order(world):
    assert sla.policy_warnings() == []


def test_more_urgent_priority_with_more_time_is_reported(world):
    sla.save_policy(world.admin, 2, None, 24, 45)
    sla.save_policy(world.admin, 3, None, 4, 60)
    sla.save_policy(world.admin, 0, world.theme.id, 50, 200)  # in order; the general pairs are not repeated for it
    assert sla.policy_warnings() == [
        "Pour tous les thèmes, une question « Urgente » a plus de temps pour sa résolution (60 h) qu'une question "
        "« Élevée » (45 h).",
        "Pour tous les thèmes, une question « Élevée » a plus de temps pour sa première réponse (24 h) qu'une question "
        "« Normale » (18 h)."]


def test_theme_rule_is_compared_with_the_general_rules_it_sits_among(world):
    sla.save_policy(world.admin, 3, world.theme.id, 12, 30)
    assert sla.policy_warnings() == [
        "Pour le thème « Réforme IAE », une question « Urgente » a plus de temps pour sa première réponse (12 h) qu'une "
        "question « Élevée » (9 h)."]
    sla.save_policy(world.admin, 2, world.theme.id, 12, 40)
    assert sla.policy_warnings() == []


def test_admin_is_warned_of_priorities_out_of_order_when_saving_and_on_the_page(client, world, login):
    login(world.admin)
    page = client.post("/admin/delais", data={"priority": "1", "theme": "0", "first_response_hours": "50",
                                              "resolution_hours": "100"}, follow_redirects=True).get_data(as_text=True)
    assert "délai enregistré" in page  # saved: the admin may be about to fix the other priority
    assert "Attention : la configuration comporte 1 point à vérifier, détaillé ci-dessous." in page
    assert ("Pour tous les thèmes, une question « Normale » a plus de temps pour sa première réponse (50 h) "
            "qu&#39;une question « Basse » (45 h).") in page
    assert "À vérifier" in client.get("/admin/delais").get_data(as_text=True)
    rule = db.session.scalar(select(SlaRule))
    cleared = client.post(f"/admin/delais/{rule.id}/supprimer", follow_redirects=True).get_data(as_text=True)
    assert "règle supprimée." in cleared and "À vérifier" not in cleared and "Attention" not in cleared


def test_priorities_in_order_raise_no_warning_when_saving(client, world, login):
    login(world.admin)
    page = client.post("/admin/delais", data={"priority": "3", "theme": "0", "first_response_hours": "2",
                                              "resolution_hours": "9"}, follow_redirects=True).get_data(as_text=True)
    assert "délai enregistré" in page and "Attention" not in page and "À vérifier" not in page


@pytest.mark.parametrize("url", ["/admin/delais", "/admin/routage"])
def test_admin_pages_are_refused_to_jurists_and_members(client, world, login, url):
    for user in (world.jurist, world.member):
        login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, data={"priority": "1", "theme": "0", "first_response_hours": "1",
                                      "resolution_hours": "2", "region": "bretagne", "assignee": "0"}).status_code == 403
    assert db.session.scalar(select(SlaRule)) is None


def _queue_rows(client, query: str) -> dict[str, str]:
    """Rows of the queue table keyed by reference."""
    page = client.get(f"/file/?{query}").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    return {re.search(r"Q-\d{4}-\d{5}", row).group(0): row for row in rows if re.search(r"Q-\d{4}-\d{5}", row)}


def test_queue_views_overdue_and_due_within_24_hours_with_text_and_sort(client, world, login):
    late = _file(world.member, paris(2026, 3, 2, 10), priority=3)     # due Monday 14:00
    soon = _file(world.member, paris(2026, 3, 3, 9), priority=3)      # due Tuesday 13:00
    later = _file(world.member, paris(2026, 3, 3, 9))                 # due Wednesday 18:00
    waiting = _file(world.member, paris(2026, 3, 2, 9), priority=3)
    with frozen_time(paris(2026, 3, 2, 9, 30)):
        services.change_status(waiting, world.jurist, "open")
        services.change_status(waiting, world.jurist, "waiting")
    login(world.jurist)
    with frozen_time(paris(2026, 3, 3, 11)):
        overdue_rows = _queue_rows(client, "vue=en-retard")
        soon_rows = _queue_rows(client, "vue=sous-24h")
        page = client.get("/file/?vue=ouvertes&tri=echeance").get_data(as_text=True)
    assert list(overdue_rows) == [late.reference]
    assert "En retard" in overdue_rows[late.reference] and "en retard de 6 h ouvrées" in overdue_rows[late.reference]
    assert list(soon_rows) == [soon.reference]
    assert "échéance dans 2 h ouvrées" in soon_rows[soon.reference]
    assert "En retard <span class=\"count\">(1)</span>" in page
    references = list(dict.fromkeys(re.findall(r"Q-\d{4}-\d{5}", page.split('<table class="queue cards">')[1])))
    assert references == [late.reference, soon.reference, later.reference, waiting.reference]
    assert "Délai suspendu" in page and "deadline-overdue" in page
    assert later.first_response_due_at == paris(2026, 3, 4, 18)


@pytest.fixture
def late_questions(world):
    """Three late questions (filed Monday 9:00, 10:00, 11:00, the last one urgent and claimed, so its activity is
    the latest) and one late then put on hold, seen Wednesday at noon."""
    first = _file(world.member, paris(2026, 3, 2, 9))
    second = _file(world.member, paris(2026, 3, 2, 10))
    third = _file(world.member, paris(2026, 3, 2, 11), priority=3)
    held = _file(world.member, paris(2026, 3, 2, 8))
    with frozen_time(paris(2026, 3, 3, 9)):
        services.claim(third, world.jurist)
        services.change_status(held, world.jurist, "open")
        services.change_status(held, world.jurist, "waiting")
    return SimpleNamespace(first=first.reference, second=second.reference, third=third.reference, held=held.reference)


@pytest.mark.parametrize("sort, expected", [
    ("recentes", ["third", "second", "first"]),
    ("anciennete", ["first", "second", "third"]),
    ("priorite", ["third", "first", "second"]),
    ("activite", ["third", "second", "first"]),
])
def test_late_view_sorts_its_questions(client, world, login, late_questions, sort, expected):
    """The late view's sorts walk the running-deadline indexes: same order as the other views, held question out."""
    login(world.jurist)
    with frozen_time(paris(2026, 3, 4, 12)):
        assert list(_queue_rows(client, f"vue=en-retard&tri={sort}")) == [
            getattr(late_questions, name) for name in expected]


@pytest.mark.parametrize("status, expected", [("new", ["first", "second"]), ("open", ["third"]), ("waiting", []),
                                              ("answered", []), ("closed", [])])
def test_late_view_filtered_by_status_holds_only_running_clocks(client, world, login, late_questions, status,
                                                                expected):
    """A status whose clock is stopped has no late question: the filtered late view is empty and says so."""
    login(world.jurist)
    with frozen_time(paris(2026, 3, 4, 12)):
        page = client.get(f"/file/?vue=en-retard&statut={status}").get_data(as_text=True)
        assert list(_queue_rows(client, f"vue=en-retard&statut={status}")) == [
            getattr(late_questions, name) for name in expected]
    assert ("Aucune question de cette vue ne correspond aux filtres." in page) == (not expected)


def test_late_view_walks_a_running_deadline_index_on_sqlite(app, world):
    """EXPLAIN: the late view's filing-date sort reads the partial index of running deadlines, not every question."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan")
    from helpdesk.queue.services import QueueFilters, queue_query
    query = queue_query(world.jurist, QueueFilters(view="en-retard", sort="recentes"), paris(2026, 3, 4, 12))
    compiled = query.limit(25).compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_ticket_running_created" in plan and "TEMP B-TREE" not in plan


def test_question_put_on_hold_after_its_deadline_says_its_clock_is_stopped_as_the_queue_does(client, world, login):
    """Late, then waiting on the member: the queue row says « Délai suspendu » (the question left the « En retard »
    view), and so does the question's page beside the lateness."""
    ticket = _file(world.member, paris(2026, 3, 2, 10), priority=3)   # first response due Monday 14:00
    with frozen_time(paris(2026, 3, 3, 11)):
        services.change_status(ticket, world.jurist, "open")
        services.change_status(ticket, world.jurist, "waiting")
    login(world.jurist)
    with frozen_time(paris(2026, 3, 3, 12)):
        assert "Délai suspendu" in _queue_rows(client, "vue=en-attente")[ticket.reference]
        page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    first_response = re.search(r"<dt>Première réponse</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert "en retard de" in first_response and "délai suspendu, en attente du membre" in first_response



def test_question_page_says_since_when_it_waits_for_its_member_as_the_queue_does(client, world, login):
    """« en attente du membre depuis 3 jours » on the jurist's question page, the words of its queue row; not once
    the member has replied, not for the member, not for an answered question."""
    ticket = _file(world.member, paris(2026, 3, 2, 10))
    answered = _file(world.member, paris(2026, 3, 2, 10))
    with frozen_time(paris(2026, 3, 2, 11)):
        services.add_message(ticket, world.jurist, "Pouvez-vous préciser la date du contrat ?", status_after="waiting")
        services.add_message(answered, world.jurist, "Voici la règle.")
    login(world.jurist)
    with frozen_time(paris(2026, 3, 5, 11)):
        row = _queue_rows(client, "vue=en-attente")[ticket.reference]
        page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
        other = client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    waiting = re.search(r'<div id="waiting-since"><dt>Attente du membre</dt><dd>(.*?)</dd>', page, re.S).group(1)
    since = "en attente du membre depuis 3\u00a0jours"  # the number held to its unit
    assert since in waiting and since in row
    assert "Délai suspendu" in waiting
    assert 'id="waiting-since"' not in other
    login(world.member)
    with frozen_time(paris(2026, 3, 5, 11)):
        assert 'id="waiting-since"' not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
        services.add_message(ticket, world.member, "Le contrat a commencé le 2 février.")
    login(world.jurist)
    with frozen_time(paris(2026, 3, 5, 12)):
        assert 'id="waiting-since"' not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)

def test_queue_shows_the_due_date_and_counts_remaining_time_in_business_hours(client, world, login):
    """Filed on a Saturday evening, an urgent question is due Monday 13:00: the row says so, and its « 4 h » are
    business hours, not four hours from now."""
    saturday = _file(world.member, paris(2026, 3, 7, 20, 17), priority=3)
    login(world.jurist)
    with frozen_time(paris(2026, 3, 7, 20, 30)):
        row = _queue_rows(client, "vue=ouvertes")[saturday.reference]
    # Three short lines: which deadline, how long is left, and when it falls.
    assert ("<strong>Dans les délais</strong><span> ·</span> <span>1re réponse</span></span><br>échéance dans 4 h "
            "ouvrées<br>") in row
    assert '<time datetime="2026-03-09T12:00:00+00:00">le lun. 9 mars à 13:00</time>' in row


def test_question_page_shows_deadlines_to_jurists_only(client, world, login):
    ticket = _file(world.member, paris(2026, 3, 2, 10))
    login(world.jurist)
    with frozen_time(paris(2026, 3, 2, 11)):
        page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Dans les délais" in page and "échéance dans 1 j ouvré 8 h (le " in page
    assert "(échéance le" not in page  # the word once per line, as in the queue's rows
    login(world.member)
    assert "Dans les délais" not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)


def test_met_resolution_says_when_and_whether_in_time_even_closed_without_an_answer(client, world, login):
    """The resolution read « Répondue le … » for a question closed without any answer, and never said whether it
    was on time, unlike the first response."""
    answered = _file(world.member, paris(2026, 3, 2, 10))
    with frozen_time(paris(2026, 3, 2, 15)):
        services.add_message(answered, world.jurist, "Voici la réponse.")
    closed = _file(world.member, paris(2026, 3, 2, 10))
    with frozen_time(paris(2026, 4, 20, 10)):
        services.close(closed, world.member)
    login(world.jurist)
    page = client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    assert "Résolue le 2 mars 2026 à 15:00 (dans les délais)" in page
    page = client.get(f"/questions/{closed.reference}").get_data(as_text=True)
    assert "Résolue le 20 avril 2026 à 10:00 (après l'échéance)" in page and "Répondue le" not in page


def test_a_question_closed_without_an_answer_says_so_under_first_response(client, world, login):
    """Closed while it waited on its member, a question never answered kept « En retard · … délai suspendu, en
    attente du membre » under « Première réponse », as if still open: it now says no answer went before closing."""
    ticket = _file(world.member, paris(2026, 3, 2, 10), priority=3)
    with frozen_time(paris(2026, 3, 3, 11)):
        services.change_status(ticket, world.jurist, "open")
        services.change_status(ticket, world.jurist, "waiting")
    with frozen_time(paris(2026, 3, 4, 11)):
        services.close(ticket, world.jurist)
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    first_response = re.search(r"<dt>Première réponse</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert "Aucune réponse envoyée avant la clôture" in first_response
    assert "en attente du membre" not in first_response and "En retard" not in first_response
    with frozen_time(paris(2026, 3, 5, 11)):
        services.change_status(ticket, world.jurist, "open")
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    first_response = re.search(r"<dt>Première réponse</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert "En retard" in first_response and "Aucune réponse" not in first_response


def _as_before_service_levels(*tickets) -> None:
    """Make questions look filed before service levels existed: no stored deadline, no recorded clock stop."""
    ids = [ticket.id for ticket in tickets]
    db.session.execute(update(Ticket).where(Ticket.id.in_(ids))
                       .values(first_response_due_at=None, due_at=None, next_due_at=None))
    db.session.execute(delete(TicketPause).where(TicketPause.ticket_id.in_(ids)))
    db.session.commit()
    db.session.expire_all()


def _deadlines(ticket) -> tuple:
    """The stored deadlines and clock stops of a question, read afresh."""
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    pauses = db.session.scalars(select(TicketPause).where(TicketPause.ticket_id == ticket.id)
                                .order_by(TicketPause.started_at)).all()
    return (ticket.first_response_due_at, ticket.due_at, ticket.next_due_at,
            [(pause.started_at, pause.ended_at) for pause in pauses])


@pytest.fixture
def legacy(world):
    """Open questions as the live service levels timed them, then stripped of their deadlines; a closed one."""
    fresh = _file(world.member, paris(2026, 3, 2, 10), priority=3)
    waiting = _file(world.member, paris(2026, 3, 2, 9), priority=3)
    with frozen_time(paris(2026, 3, 2, 9, 30)):
        services.claim(waiting, world.jurist)
    with frozen_time(paris(2026, 3, 2, 11)):
        services.change_status(waiting, world.jurist, "waiting")
    reopened = _file(world.member, paris(2026, 3, 2, 10))
    with frozen_time(paris(2026, 3, 2, 15)):
        services.add_message(reopened, world.jurist, "Voici notre réponse.")
    with frozen_time(paris(2026, 3, 3, 9)):
        services.close(reopened, world.member)
    with frozen_time(paris(2026, 3, 4, 15)):
        services.change_status(reopened, world.jurist, "open")
    closed = _file(world.member, paris(2026, 3, 2, 10))
    services.close(closed, world.member)
    tickets = {"fresh": fresh, "waiting": waiting, "reopened": reopened, "closed": closed}
    timed = {name: _deadlines(ticket) for name, ticket in tickets.items()}
    _as_before_service_levels(*tickets.values())
    return SimpleNamespace(tickets=tickets, timed=timed)


def test_backfill_gives_open_questions_the_deadlines_their_history_implies(runner, legacy):
    tickets = legacy.tickets
    result = runner.invoke(args=["triage", "backfill-deadlines"])
    assert result.exit_code == 0, result.output
    assert "3 question(s) ouverte(s) sans échéance ont reçu leurs échéances." in result.output
    assert f"{tickets['fresh'].reference} : échéance le 02/03/2026 à 14:00" in result.output
    assert f"{tickets['waiting'].reference} : délai suspendu" in result.output
    for name in ("fresh", "waiting", "reopened"):
        assert _deadlines(tickets[name]) == legacy.timed[name], name
    # The waiting question's running stop was rebuilt from its history: the member's reply resumes its clock.
    waiting = db.session.get(Ticket, tickets["waiting"].id)
    with frozen_time(paris(2026, 3, 3, 11)):
        services.add_message(waiting, waiting.author, "Voici la date de début du contrat.")
    assert waiting.next_due_at == paris(2026, 3, 3, 13)  # 2 h used before the stop (9:00-11:00), 2 h left
    assert _deadlines(tickets["closed"])[:3] == (None, None, None), "closed questions are left alone"


def test_backfill_is_idempotent_and_leaves_existing_deadlines_alone(runner, world, legacy):
    timed = _file(world.member, paris(2026, 3, 2, 10))
    before = _deadlines(timed)
    sla.save_policy(world.admin, 1, None, 4, 20)  # a policy change must not move deadlines already given
    runner.invoke(args=["triage", "backfill-deadlines"])
    after_first = {name: _deadlines(ticket) for name, ticket in legacy.tickets.items()}
    again = runner.invoke(args=["triage", "backfill-deadlines"])
    assert again.exit_code == 0 and again.output.startswith("0 question(s) ouverte(s) sans échéance")
    assert {name: _deadlines(ticket) for name, ticket in legacy.tickets.items()} == after_first
    assert _deadlines(timed) == before


def test_backfill_dry_run_lists_the_questions_and_changes_nothing(runner, legacy):
    result = runner.invoke(args=["triage", "backfill-deadlines", "--dry-run"])
    assert result.exit_code == 0
    assert "3 question(s) ouverte(s) sans échéance recevraient leurs échéances." in result.output
    assert legacy.tickets["reopened"].reference in result.output
    assert all(_deadlines(ticket) == (None, None, None, []) for ticket in legacy.tickets.values())


def test_backfilled_question_appears_in_the_overdue_view(client, runner, world, login, legacy):
    login(world.jurist)
    with frozen_time(paris(2026, 3, 3, 11)):
        assert legacy.tickets["fresh"].reference not in _queue_rows(client, "vue=en-retard")
        runner.invoke(args=["triage", "backfill-deadlines"])
        assert list(_queue_rows(client, "vue=en-retard")) == [legacy.tickets["fresh"].reference]


def test_deleting_a_rule_asks_to_confirm_and_says_which_delays_follow(client, world, login):
    """The list links to a confirmation page (no JavaScript needed) telling what replaces the rule; only its button
    deletes."""
    general = sla.save_policy(world.admin, 3, None, 2, 9)
    themed = sla.save_policy(world.admin, 3, world.theme.id, 1, 5)
    login(world.admin)
    page = factories.confirmation_page(client, "/admin/delais", f"/admin/delais/{themed.id}/supprimer")
    assert "Supprimer le délai « Urgente » du thème « Réforme IAE » ?" in page
    assert "suivront la règle générale de l'urgence" in page and "première réponse en 2 h, résolution en 9 h" in page
    default = sla.default_policy(3)
    page = client.get(f"/admin/delais/{general.id}/supprimer").get_data(as_text=True)
    assert "Supprimer le délai général « Urgente » ?" in page and "suivront les délais par défaut" in page
    assert (f"première réponse en {sla.format_business_hours(default.first_response)}, "
            f"résolution en {sla.format_business_hours(default.resolution)}") in page
    assert db.session.scalar(select(func.count()).select_from(SlaRule)) == 2, "asking deletes nothing"
    done = client.post(f"/admin/delais/{themed.id}/supprimer", follow_redirects=True).get_data(as_text=True)
    assert "règle supprimée." in done
    assert [rule.id for rule in db.session.scalars(select(SlaRule))] == [general.id]
    assert client.get(f"/admin/delais/{themed.id}/supprimer").status_code == 404
    login(world.jurist)
    assert client.get(f"/admin/delais/{general.id}/supprimer").status_code == 403
