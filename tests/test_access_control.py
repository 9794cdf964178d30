"""Who reaches what: every protected URL against every kind of visitor."""
import pytest
from sqlalchemy import func, select

from helpdesk.auth.services import set_active
from helpdesk.extensions import db
from helpdesk.models import Event, Message, Ticket
from flask_login import AnonymousUserMixin

from helpdesk.errors import Forbidden
from helpdesk.permissions import can_view_ticket, ensure_admin, visible_tickets
from tests import factories

# (method, url); {ref}, {user} and {theme} are filled per test.
QUESTION_PAGES = [
    ("GET", "/questions/{ref}"),
    ("POST", "/questions/{ref}/repondre"),
    ("POST", "/questions/{ref}/cloturer"),
    ("POST", "/questions/{ref}/prendre"),
    ("POST", "/questions/{ref}/assigner"),
    ("POST", "/questions/{ref}/statut"),
]
MEMBER_PAGES = [("GET", "/questions/"), ("GET", "/questions/nouvelle"), ("POST", "/questions/nouvelle")]
STAFF_PAGES = [("GET", "/file/"), ("GET", "/courriels")]
ADMIN_PAGES = [
    ("GET", "/admin/"), ("GET", "/admin/structures"), ("GET", "/admin/structures/nouvelle"),
    ("POST", "/admin/structures/nouvelle"), ("GET", "/admin/structures/{structure}"),
    ("GET", "/admin/utilisateurs"), ("GET", "/admin/utilisateurs/nouveau"),
    ("POST", "/admin/utilisateurs/nouveau"), ("POST", "/admin/utilisateurs/{user}/activation"),
    ("GET", "/admin/themes"), ("POST", "/admin/themes"), ("POST", "/admin/themes/{theme}/activation"),
    ("GET", "/admin/courriels"), ("POST", "/admin/utilisateurs/{user}/invitation"),
]
ACCOUNT_PAGES = [("GET", "/compte/mot-de-passe"), ("POST", "/compte/mot-de-passe"),
                 ("GET", "/compte/notifications"), ("POST", "/compte/notifications")]
JURIST_ONLY_ACTIONS = [page for page in QUESTION_PAGES if page[1].rsplit("/", 1)[-1] in ("prendre", "assigner", "statut")]

# What a tampering visitor posts: a claim to be someone else, another ticket, a status, a note.
TAMPERING = {"body": "Message forgé", "kind": "note", "status_after": "waiting", "status": "closed",
             "assignee": "0", "structure_id": "2", "ticket_id": "1", "name": "x", "email": "x@y.fr"}


@pytest.fixture
def ticket(world):
    """A new question of the world's structure."""
    return factories.make_ticket(world.member)


def _request(client, method, template, world, ticket):
    """Send the request, with placeholders filled and a tampering form body for POSTs."""
    url = template.format(ref=ticket.reference, user=world.member.id, theme=world.theme.id,
                          structure=world.structure.id)
    if method == "GET":
        return client.get(url)
    return client.post(url, data=TAMPERING)


def _snapshot() -> tuple:
    """Everything a forged request could change, as counts and the question's state."""
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Message)),
        db.session.scalar(select(func.count()).select_from(Event).where(Event.ticket_id.is_not(None))),
        db.session.execute(select(Ticket.status, Ticket.assignee_id, Ticket.closed_at)).all(),
        db.session.execute(select(Event.kind).where(Event.ticket_id.is_(None)).order_by(Event.id)).all(),
    )


@pytest.mark.parametrize("method, url", QUESTION_PAGES + MEMBER_PAGES + STAFF_PAGES + ADMIN_PAGES + ACCOUNT_PAGES)
def test_anonymous_visitor_is_sent_to_login(client, world, ticket, method, url):
    before = _snapshot()
    response = _request(client, method, url, world, ticket)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=")
    assert _snapshot() == before


@pytest.mark.parametrize("role", ["member", "jurist"])
@pytest.mark.parametrize("method, url", ADMIN_PAGES)
def test_only_admins_reach_administration(client, world, ticket, login, role, method, url):
    login(getattr(world, role))
    before = _snapshot()
    response = _request(client, method, url, world, ticket)
    assert response.status_code == 403
    assert "Accès refusé" in response.get_data(as_text=True)
    assert _snapshot() == before


@pytest.mark.parametrize("method, url", STAFF_PAGES)
def test_members_do_not_reach_the_queue(client, world, ticket, login, method, url):
    login(world.member)
    assert _request(client, method, url, world, ticket).status_code == 403


@pytest.mark.parametrize("role", ["jurist", "admin"])
@pytest.mark.parametrize("method, url", MEMBER_PAGES)
def test_staff_do_not_use_member_pages(client, world, ticket, login, role, method, url):
    login(getattr(world, role))
    before = _snapshot()
    assert _request(client, method, url, world, ticket).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("role", ["jurist", "admin"])
def test_staff_reach_the_queue_and_admins_administration(client, world, login, role):
    login(getattr(world, role))
    assert client.get("/file/").status_code == 200
    assert client.get("/admin/").status_code == (200 if role == "admin" else 403)


@pytest.mark.parametrize("method, url", QUESTION_PAGES)
def test_member_cannot_touch_other_structures_question(client, world, ticket, login, method, url):
    login(world.outsider)
    before = _snapshot()
    response = _request(client, method, url, world, ticket)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page introuvable" in page and ticket.subject not in page
    assert _snapshot() == before


def _typed_forms(reference: str) -> list[str]:
    """A question's reference as someone may type it: in lower case, without its zeros, both."""
    year, number = reference.split("-")[1:]
    return [reference.lower(), f"Q-{year}-{int(number)}", f"q-{year}-{int(number)}", f"Q{year}-{int(number)}"]


@pytest.mark.parametrize("role", ["member", "colleague", "jurist", "admin"])
def test_a_reference_typed_in_lower_case_or_without_its_zeros_leads_to_the_question(client, world, ticket, login,
                                                                                    role):
    login(getattr(world, role))
    for typed in _typed_forms(ticket.reference):
        response = client.get(f"/questions/{typed}")
        assert response.status_code == 302, typed
        assert response.headers["Location"] == f"/questions/{ticket.reference}"
    assert client.get(f"/questions/{ticket.reference}").status_code == 200


def test_a_typed_reference_of_another_structures_question_is_not_found_as_an_unknown_one(client, world, ticket, login):
    """No redirection betrays that the outsider's typed reference names a question: the same « Page introuvable »."""
    login(world.outsider)
    unknown = ticket.reference[:-5] + "99999"
    for typed in [*_typed_forms(ticket.reference), *_typed_forms(unknown), "q-2026-", "q-abcd-12", "Q-2026-00x1",
                  "q-2026-١٢", "q--2026--1"]:
        response = client.get(f"/questions/{typed}")
        assert response.status_code == 404, typed
        page = response.get_data(as_text=True)
        assert "Page introuvable" in page and ticket.subject not in page


def test_a_typed_reference_of_no_question_is_not_found_for_its_own_member_either(client, world, ticket, login):
    login(world.member)
    unknown = ticket.reference[:-5] + "99999"
    for typed in [*_typed_forms(unknown), "q-2026-" + "9" * 40, "qq-2026-1", "Q-26-1"]:
        assert client.get(f"/questions/{typed}").status_code == 404, typed


def test_the_deletion_page_reached_by_a_typed_reference_leads_to_its_address(client, world, ticket, login):
    """Like the question's page, the admin's « Supprimer » page of « q-2026-1 » answered « Page introuvable »."""
    login(world.admin)
    for typed in _typed_forms(ticket.reference):
        response = client.get(f"/questions/{typed}/supprimer")
        assert response.status_code == 302, typed
        assert response.headers["Location"] == f"/questions/{ticket.reference}/supprimer"
    assert client.get(f"/questions/{ticket.reference}/supprimer").status_code == 200
    assert client.get(f"/questions/{ticket.reference[:-5]}99999/supprimer".lower()).status_code == 404
    assert db.session.get(Ticket, ticket.id) is not None


@pytest.mark.parametrize("path", ["", "/messages"])
@pytest.mark.parametrize("role", ["member", "colleague", "jurist"])
def test_the_api_reads_a_question_by_its_typed_reference_as_the_web_does(app, world, ticket, role, path):
    """GET /api/v1/questions/q-2026-1 answered 404 where the web page leads to the question: now the question, its
    reference written as questions carry it."""
    api, token = app.test_client(), factories.make_api_token(getattr(world, role))
    exact = api.get(f"/api/v1/questions/{ticket.reference}{path}", headers=factories.bearer(token))
    for typed in _typed_forms(ticket.reference):
        response = api.get(f"/api/v1/questions/{typed}{path}", headers=factories.bearer(token))
        assert response.status_code == 200, typed
        assert response.json == exact.json
    if not path:
        assert exact.json["reference"] == ticket.reference


@pytest.mark.parametrize("path", ["", "/messages"])
def test_the_api_answers_a_typed_reference_of_another_structures_question_as_an_unknown_one(app, world, ticket,
                                                                                             path):
    api, token = app.test_client(), factories.make_api_token(world.outsider)
    unknown = ticket.reference[:-5] + "99999"
    for typed in [*_typed_forms(ticket.reference), *_typed_forms(unknown), "q-2026-", "q-abcd-12"]:
        response = api.get(f"/api/v1/questions/{typed}{path}", headers=factories.bearer(token))
        assert response.status_code == 404, typed
        assert response.json["error"]["code"] == "not_found" and ticket.subject not in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url", QUESTION_PAGES)
def test_unknown_reference_looks_the_same_as_a_forbidden_one(client, world, ticket, login, method, url):
    login(world.outsider)
    assert client.open(url.format(ref="Q-2026-99999"), method=method, data=TAMPERING).status_code == 404


@pytest.mark.parametrize("method, url", JURIST_ONLY_ACTIONS)
def test_member_cannot_use_jurist_actions_on_own_question(client, world, ticket, login, method, url):
    login(world.member)
    before = _snapshot()
    response = _request(client, method, url, world, ticket)
    assert response.status_code == 403
    assert "Cette action est réservée aux juristes." in response.get_data(as_text=True)
    assert _snapshot() == before


def test_member_reading_other_structures_question_sees_no_data(client, world, login):
    theirs = factories.make_ticket(world.outsider, subject="Sujet confidentiel d'ailleurs")
    login(world.member)
    assert theirs.reference not in client.get("/questions/").get_data(as_text=True)
    assert client.get(f"/questions/{theirs.reference}").status_code == 404


def test_deactivated_staff_loses_access_immediately(client, world, login):
    login(world.jurist)
    set_active(world.jurist, False, world.admin)
    assert client.get("/file/").status_code == 302


def test_anonymous_home_goes_to_login(client):
    assert client.get("/").headers["Location"] == "/connexion"


def test_visibility_rules_without_http(world):
    ours = factories.make_ticket(world.member)
    theirs = factories.make_ticket(world.outsider)
    assert can_view_ticket(world.colleague, ours) and not can_view_ticket(world.colleague, theirs)
    assert can_view_ticket(world.jurist, theirs)
    assert set(db.session.scalars(visible_tickets(world.member))) == {ours}
    assert set(db.session.scalars(visible_tickets(world.jurist))) == {ours, theirs}
    set_active(world.member, False, world.admin)
    assert not can_view_ticket(world.member, ours)


def test_only_an_active_logged_in_admin_passes_the_admin_check(world):
    ensure_admin(world.admin)
    second_admin = factories.make_user("admin", email="admin2@exemple.test", name="Gilles Admin")
    set_active(second_admin, False, world.admin)
    for refused in (world.jurist, world.member, second_admin, AnonymousUserMixin()):
        with pytest.raises(Forbidden, match="réservée aux administrateurs"):
            ensure_admin(refused)
