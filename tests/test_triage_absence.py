"""A jurist declares an absence: routing rules and team mail pass them by until their return, a member's reply on
their questions goes to the team, and colleagues see it where they assign."""
import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Event, OutboxEmail, RoutingRule
from helpdesk.tickets import services
from helpdesk.triage.absence import paris_today, set_absence
from tests import factories


def _mailed(ticket, kind: str) -> list[str]:
    """Addresses of the mails of this kind queued about the question."""
    return sorted(db.session.scalars(select(OutboxEmail.to_address).where(OutboxEmail.ticket_id == ticket.id,
                                                                          OutboxEmail.kind == kind)))


def _route_all_to(jurist, theme) -> None:
    """One routing rule: the theme's questions go to `jurist`."""
    db.session.add(RoutingRule(position=1, theme_id=theme.id, assignee_id=jurist.id))
    db.session.commit()


def test_a_jurist_declares_an_absence_then_returns(client, login, world):
    login(world.jurist)
    assert 'href="/compte/absence"' in client.get("/compte/").get_data(as_text=True)
    until = paris_today() + timedelta(days=10)
    response = client.post("/compte/absence", data={"until": until.isoformat()}, follow_redirects=True)
    page = html.unescape(response.get_data(as_text=True))
    assert "absence enregistrée jusqu'au" in page and "Actuellement : absence jusqu'au" in page
    db.session.refresh(world.jurist)
    assert world.jurist.absent_until == until
    event = db.session.scalar(select(Event).where(Event.kind == "absence_set"))
    assert event.actor_id == world.jurist.id and event.data["until"] == until.isoformat()
    page = html.unescape(client.post("/compte/absence", data={"until": until.isoformat(), "action": "back"},
                                     follow_redirects=True).get_data(as_text=True))
    assert "Actuellement : présent ou présente." in page
    db.session.refresh(world.jurist)
    assert world.jurist.absent_until is None


@pytest.mark.parametrize("value, message", [
    ("hier", "Indiquez une date existante, au format AAAA-MM-JJ (par exemple 2026-03-31)."),
    ("2026-02-30", "Indiquez une date existante, au format AAAA-MM-JJ"),
    ("PAST", "La date de retour est passée"),
    ("FAR", "Une absence se déclare pour un an au plus."),
])
def test_a_bad_return_date_is_refused_and_changes_nothing(client, login, world, value, message):
    value = {"PAST": (paris_today() - timedelta(days=1)).isoformat(),
             "FAR": (paris_today() + timedelta(days=400)).isoformat()}.get(value, value)
    login(world.jurist)
    response = client.post("/compte/absence", data={"until": value})
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))
    db.session.refresh(world.jurist)
    assert world.jurist.absent_until is None


def test_members_cannot_declare_an_absence(client, login, world):
    login(world.member)
    assert client.post("/compte/absence", data={"until": paris_today().isoformat()}).status_code == 403
    assert 'href="/compte/absence"' not in client.get("/compte/").get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.absent_until is None


def test_routing_passes_an_absent_jurist_by_until_their_last_day_included(world):
    _route_all_to(world.jurist, world.theme)
    set_absence(world.jurist, paris_today())  # away today, back tomorrow
    ticket = factories.make_ticket(world.member, theme_id=world.theme.id)
    assert ticket.assignee is None and ticket.status == "new"
    # The team is told, without the absent jurist.
    assert _mailed(ticket, "question_filed") == ["juriste2@exemple.test"]
    set_absence(world.jurist, None)
    ticket = factories.make_ticket(world.member, theme_id=world.theme.id)
    assert ticket.assignee == world.jurist and _mailed(ticket, "question_filed") == ["juriste@exemple.test"]


def test_a_members_reply_goes_to_the_team_while_the_assignee_is_away(world):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Pouvez-vous préciser ?", status_after="waiting")
    set_absence(world.jurist, paris_today() + timedelta(days=3))
    services.add_message(ticket, world.member, "Voici la précision.")
    assert _mailed(ticket, "member_replied") == ["juriste2@exemple.test"]


def test_colleagues_see_the_absence_where_they_assign(client, login, world):
    """Colleagues are told to reassign; the absent assignee reads that they may, not an order meant for them."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    set_absence(world.jurist, paris_today() + timedelta(days=3))
    login(world.jurist2)
    page = html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert "Denis Juriste : absence jusqu'au" in page and "Réassignez la question si elle ne peut pas attendre." in page
    assert "Denis Juriste (absence jusqu'au" in page  # in the assignment choices
    login(world.jurist)
    own = html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert "Vous : absence jusqu'au" in own
    assert "Vos collègues voient cet avis et peuvent réassigner la question si elle ne peut pas attendre." in own
    assert "Réassignez la question" not in own and "Denis Juriste : absence" not in own
    login(world.member)
    assert "absence" not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)


def test_the_queue_shows_the_absence_under_the_absent_jurists_name(client, login, world):
    """Colleagues going through « Toutes ouvertes » see which questions wait for someone away, row by row."""
    away, present = factories.make_ticket(world.member, subject="Chez l'absent"), factories.make_ticket(world.member)
    services.claim(away, world.jurist)
    services.claim(present, world.jurist2)
    until = paris_today() + timedelta(days=3)
    set_absence(world.jurist, until)
    login(world.jurist2)
    table = html.unescape(client.get("/file/?vue=ouvertes").get_data(as_text=True)).split("<tbody>")[1]
    rows = {reference: row for row in table.split("</tbody>")[0].split("<tr>")
            for reference in (away.reference, present.reference) if reference in row}
    assert "absence jusqu'au" in rows[away.reference] and "absence jusqu'au" not in rows[present.reference]
    hint = rows[away.reference].split("absence jusqu'au ")[1].split("<")[0]
    assert hint.startswith(f"{until.day} ") and str(until.year) not in hint  # « 4 déc. »: the column is narrow
    set_absence(world.jurist, None)
    table = html.unescape(client.get("/file/?vue=ouvertes").get_data(as_text=True)).split("<tbody>")[1]
    assert "absence jusqu'au" not in table.split("</tbody>")[0]


def test_the_routing_page_says_a_rule_is_skipped_during_an_absence(client, login, world):
    _route_all_to(world.jurist, world.theme)
    set_absence(world.jurist, paris_today() + timedelta(days=3))
    login(world.admin)
    page = html.unescape(client.get("/admin/routage").get_data(as_text=True))
    assert "La règle 1 est ignorée jusqu'au" in page and "Denis Juriste est absent ou absente." in page


def test_when_the_whole_team_is_away_a_new_question_and_a_reply_still_reach_every_jurist(world):
    """Nobody present: the mail goes to all active jurists rather than to nobody."""
    back = paris_today() + timedelta(days=3)
    set_absence(world.jurist, back)
    set_absence(world.jurist2, back)
    ticket = factories.make_ticket(world.member)
    assert _mailed(ticket, "question_filed") == ["juriste2@exemple.test", "juriste@exemple.test"]
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.member, "Une précision.")
    assert _mailed(ticket, "member_replied") == ["juriste2@exemple.test", "juriste@exemple.test"]


def test_an_absence_over_is_neither_offered_again_nor_ended_twice(client, login, world):
    world.jurist.absent_until = paris_today() - timedelta(days=1)
    db.session.commit()
    login(world.jurist)
    page = html.unescape(client.get("/compte/absence").get_data(as_text=True))
    assert "Actuellement : présent ou présente." in page
    assert "Je suis de retour" not in page
    assert (paris_today() - timedelta(days=1)).isoformat() not in page


def test_an_unreadable_date_is_refused_with_the_banner_of_every_refused_form(client, login, world):
    """Where the browser offers no date picker, a date typed wrong was only pointed at under the field: the page now
    says at the top, as every refused form does, that nothing was saved."""
    login(world.jurist)
    response = client.post("/compte/absence", data={"until": "le 5 décembre"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert ("rien n'a été enregistré. Voyez l'erreur sous « <a href=\"#until\">Absent ou absente jusqu'au (inclus)</a> "
            "»." in page)
    db.session.refresh(world.jurist)
    assert world.jurist.absent_until is None


def test_the_queue_reminds_an_away_jurist_of_their_absence(client, login, world):
    """A jurist back before the date they gave kept being passed by without knowing it: their queue says they are
    marked away and links to the page where they announce their return; colleagues' queues say nothing of it."""
    set_absence(world.jurist, paris_today() + timedelta(days=3))
    login(world.jurist)
    page = client.get("/file/").get_data(as_text=True)
    assert 'id="own-absence"' in page and "Vous : absence jusqu&#39;au" in page
    assert 'href="/compte/absence">Modifier ou annoncer votre retour</a>' in page
    login(world.jurist2)
    assert 'id="own-absence"' not in client.get("/file/").get_data(as_text=True)
    set_absence(world.jurist, None)
    login(world.jurist)
    assert 'id="own-absence"' not in client.get("/file/").get_data(as_text=True)
