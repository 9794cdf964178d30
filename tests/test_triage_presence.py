"""A jurist opening a question sees which colleagues opened it in the last minutes, so two do not answer at once."""
import html
from datetime import timedelta

from helpdesk.audit.services import record_question_read
from helpdesk.extensions import db
from helpdesk.models._types import frozen_time, utcnow
from tests import factories

NOTICE = "Aussi ouverte récemment par :"


def _page(client, ticket) -> str:
    """The question's page as the logged-in user gets it, unescaped."""
    return html.unescape(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))


def test_a_jurist_sees_the_colleague_who_just_opened_the_question(client, login, world):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    assert NOTICE not in _page(client, ticket)  # nobody else yet; one's own visit does not count
    login(world.jurist2)
    page = _page(client, ticket)
    assert f"{NOTICE}\n    <strong>Denis Juriste</strong> (" in page
    assert "Accordez-vous avant de répondre." in page
    assert "Emma Juriste</strong>" not in page


def test_colleagues_are_listed_latest_first_and_forgotten_after_a_quarter_of_an_hour(client, login, world):
    ticket = factories.make_ticket(world.member)
    start = utcnow()
    for user, minutes_ago in ((world.jurist2, 20), (world.admin, 10), (world.jurist2, 2)):
        with frozen_time(start - timedelta(minutes=minutes_ago)):
            record_question_read(user, ticket)
    login(world.jurist)
    page = _page(client, ticket)
    assert page.index("Emma Juriste</strong> (il y a 2 minutes)") < page.index("Fanny Admin</strong> (il y a 10 minutes)")
    with frozen_time(start + timedelta(minutes=9)):
        page = _page(client, ticket)
    assert "Fanny Admin</strong>" not in page  # opened 19 minutes before
    assert "Emma Juriste</strong>" in page  # 11 minutes before


def test_members_never_see_who_opened_their_question(client, login, world):
    ticket = factories.make_ticket(world.member)
    record_question_read(world.jurist, ticket)
    login(world.member)
    page = _page(client, ticket)
    assert NOTICE not in page
    assert "Denis Juriste" not in page


def test_a_colleagues_api_queue_listing_does_not_count_as_opening_the_question(client, login, world):
    """An integration polling the API's queue lists many questions: none of them was opened, no one is shown on them;
    a question fetched by the API on its own was."""
    listed, fetched = factories.make_ticket(world.member), factories.make_ticket(world.member)
    headers = factories.bearer(factories.make_api_token(world.jurist2, scope="read"))
    assert client.get("/api/v1/queue", headers=headers).status_code == 200
    assert client.get(f"/api/v1/questions/{fetched.reference}", headers=headers).status_code == 200
    login(world.jurist)
    assert NOTICE not in _page(client, listed)
    assert "Emma Juriste</strong>" in _page(client, fetched)


def test_a_colleague_who_left_the_team_is_not_shown(client, login, world):
    """A jurist deactivated, or made a member, right after opening the question is no longer working on it."""
    ticket = factories.make_ticket(world.member)
    record_question_read(world.jurist2, ticket)
    record_question_read(world.admin, ticket)
    world.jurist2.active = False
    world.admin.role, world.admin.structure = "member", world.structure
    db.session.commit()
    login(world.jurist)
    assert NOTICE not in _page(client, ticket)
