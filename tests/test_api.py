"""JSON API: tokens, the same authorisation as the web (route × role), errors, pagination, rate limit."""
import hashlib
import html
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.api import tokens
from helpdesk.auth.services import set_active, update_user
from helpdesk.errors import InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.models import ApiToken, Event, Message, Ticket
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.tickets import services as ticket_services
from tests import factories
from tests.factories import bearer, make_api_token
from tests.test_flash import dated_resources
from tests.test_kb import add_article

NEW_QUESTION = {"subject": "Durée d'un CDDI", "body": "Quelle est la durée maximale d'un CDDI renouvelé ?"}
# (method, url, JSON body); {ref} and {slug} are filled per test.
QUESTION_ENDPOINTS = [
    ("GET", "/api/v1/questions/{ref}", None),
    ("GET", "/api/v1/questions/{ref}/messages", None),
    ("POST", "/api/v1/questions/{ref}/messages", {"body": "Réponse"}),
    ("POST", "/api/v1/questions/{ref}/claim", None),
]
OTHER_ENDPOINTS = [
    ("GET", "/api/v1/me", None),
    ("GET", "/api/v1/questions", None),
    ("POST", "/api/v1/questions", NEW_QUESTION),
    ("GET", "/api/v1/queue", None),
    ("GET", "/api/v1/articles", None),
    ("GET", "/api/v1/articles/{slug}", None),
]
ALL_ENDPOINTS = QUESTION_ENDPOINTS + OTHER_ENDPOINTS
WRITE_ENDPOINTS = [endpoint for endpoint in ALL_ENDPOINTS if endpoint[0] == "POST"]
# The web page and the API endpoint doing the same thing: {ref} and {slug} filled per test.
WEB_AND_API = [
    (("GET", "/questions/{ref}", None), ("GET", "/api/v1/questions/{ref}", None)),
    (("GET", "/questions/{ref}", None), ("GET", "/api/v1/questions/{ref}/messages", None)),
    (("POST", "/questions/{ref}/repondre", {"body": "Une réponse"}), ("POST", "/api/v1/questions/{ref}/messages", {"body": "Une réponse"})),
    (("POST", "/questions/{ref}/prendre", {}), ("POST", "/api/v1/questions/{ref}/claim", None)),
    (("GET", "/questions/", None), ("GET", "/api/v1/questions", None)),
    (("POST", "/questions/nouvelle", {**NEW_QUESTION, "priority": "1"}), ("POST", "/api/v1/questions", NEW_QUESTION)),
    (("GET", "/file/", None), ("GET", "/api/v1/queue", None)),
    (("GET", "/ressources/{slug}", None), ("GET", "/api/v1/articles/{slug}", None)),
]


@pytest.fixture
def api(app):
    """A client without any session: only the bearer token authenticates."""
    return app.test_client()


@pytest.fixture
def setting(world):
    """The world with a question of its structure and a members-only article."""
    world.ticket = factories.make_ticket(world.member)
    world.article = add_article("cddi-membres", "Le CDDI en pratique", "Durée et renouvellement du CDDI.",
                                visibility="members")
    return world


def call(client, endpoint, world, token=None, ticket=None):
    """Send one request of the matrix, placeholders filled."""
    method, url, body = endpoint
    url = url.format(ref=(ticket or world.ticket).reference, slug=world.article.slug)
    headers = bearer(token) if token else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, headers=headers, json=body) if url.startswith("/api/") else client.post(url, data=body)


def snapshot() -> tuple:
    """What a refused request must not change."""
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Message)),
            db.session.scalar(select(func.count()).select_from(Ticket)),
            db.session.execute(select(Ticket.status, Ticket.assignee_id).order_by(Ticket.id)).all())


def assert_error(response, status, code):
    """A JSON error of the stable shape, with a French message."""
    assert response.status_code == status
    assert response.is_json
    assert set(response.json) == {"error"} and set(response.json["error"]) == {"code", "message"}
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


# --- who gets in ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS)
def test_request_without_token_is_refused_with_401(api, setting, endpoint):
    before = snapshot()
    response = call(api, endpoint, setting)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS)
def test_session_cookie_is_never_accepted_by_the_api(client, setting, login, endpoint):
    login(setting.jurist)
    assert client.get("/file/").status_code == 200
    before = snapshot()
    assert_error(call(client, endpoint, setting), 401, "unauthorized")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ALL_ENDPOINTS)
@pytest.mark.parametrize("spoil", ["revoked", "expired", "forged", "deactivated"])
def test_unusable_token_is_refused_with_401(api, setting, endpoint, spoil):
    token = make_api_token(setting.jurist, expires_in_days=1)
    if spoil == "revoked":
        tokens.revoke_token(setting.jurist, db.session.scalar(select(ApiToken.id)))
    elif spoil == "forged":
        token = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    elif spoil == "deactivated":
        set_active(setting.jurist, False, setting.admin)
    before = snapshot()
    if spoil == "expired":
        with frozen_time(utcnow() + timedelta(days=2)):
            response = call(api, endpoint, setting, token)
    else:
        response = call(api, endpoint, setting, token)
    assert_error(response, 401, "unauthorized")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS)
@pytest.mark.parametrize("role", ["member", "jurist"])
def test_read_scope_token_cannot_write(api, setting, endpoint, role):
    token = make_api_token(getattr(setting, role), scope="read")
    before = snapshot()
    response = call(api, endpoint, setting, token)
    assert_error(response, 403, "insufficient_scope")
    message = response.json["error"]["message"]
    assert "« Lecture et écriture »" in message and "write" not in message
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", [endpoint for endpoint in ALL_ENDPOINTS if endpoint[0] == "GET"])
def test_answers_to_a_token_are_kept_out_of_caches(api, setting, endpoint):
    """What the API answers a token holder (confidential questions) is never stored by a browser or a proxy."""
    role = "jurist" if endpoint[1] == "/api/v1/queue" else "member"
    response = call(api, endpoint, setting, make_api_token(getattr(setting, role)))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("endpoint", QUESTION_ENDPOINTS)
def test_member_of_another_structure_gets_404_on_every_question_endpoint(api, setting, endpoint):
    token = make_api_token(setting.outsider)
    before = snapshot()
    response = call(api, endpoint, setting, token)
    assert_error(response, 404, "not_found")
    assert setting.ticket.subject not in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", QUESTION_ENDPOINTS)
def test_unknown_reference_looks_the_same_as_a_forbidden_one(api, setting, endpoint):
    token = make_api_token(setting.outsider)
    method, url, body = endpoint
    response = api.open(url.format(ref="Q-2026-99999"), method=method, json=body, headers=bearer(token))
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("endpoint", [QUESTION_ENDPOINTS[3], ("GET", "/api/v1/queue", None)])
def test_member_cannot_use_jurist_endpoints(api, setting, endpoint):
    token = make_api_token(setting.member)
    before = snapshot()
    response = call(api, endpoint, setting, token)
    assert_error(response, 403, "forbidden")
    assert snapshot() == before


def outcome(status: int) -> str:
    """A refusal (404 or 403) or an accepted request, whatever its success code (the web redirects)."""
    return {404: "not found", 403: "forbidden"}.get(status, "allowed")


@pytest.mark.parametrize("web, endpoint", WEB_AND_API)
@pytest.mark.parametrize("role", ["member", "outsider", "jurist", "admin"])
def test_api_refuses_exactly_what_the_web_refuses(client, api, setting, login, web, endpoint, role):
    user = getattr(setting, role)
    web_ticket, api_ticket = factories.make_ticket(setting.member), factories.make_ticket(setting.member)
    login(user)
    web_status = call(client, web, setting, ticket=web_ticket).status_code
    api_status = call(api, endpoint, setting, make_api_token(user), ticket=api_ticket).status_code
    assert outcome(api_status) == outcome(web_status), (web_status, api_status)


def test_jurists_only_article_is_hidden_from_members_as_on_the_web(api, setting):
    add_article("doctrine-interne", "Doctrine interne", "Réponses types.", visibility="jurists")
    assert_error(api.get("/api/v1/articles/doctrine-interne", headers=bearer(make_api_token(setting.member))),
                 404, "not_found")
    response = api.get("/api/v1/articles/doctrine-interne", headers=bearer(make_api_token(setting.jurist)))
    assert response.status_code == 200 and response.json["visibility"] == "jurists"


# --- what members and jurists do ---------------------------------------------------------------------------

def test_member_files_a_question_and_colleague_reads_it(api, setting):
    response = api.post("/api/v1/questions", json={**NEW_QUESTION, "theme_id": setting.theme.id, "priority": 2},
                        headers=bearer(make_api_token(setting.member)))
    assert response.status_code == 201
    reference = response.json["reference"]
    assert response.headers["Location"].endswith(f"/api/v1/questions/{reference}")
    assert response.json["theme"]["name"] == "Réforme IAE" and response.json["priority"] == 2
    listed = api.get("/api/v1/questions", headers=bearer(make_api_token(setting.colleague)))
    assert reference in [item["reference"] for item in listed.json["items"]]
    other = api.get("/api/v1/questions", headers=bearer(make_api_token(setting.outsider)))
    assert reference not in [item["reference"] for item in other.json["items"]]


def test_member_never_sees_internal_notes_but_jurists_do(api, setting):
    ticket_services.add_message(setting.ticket, setting.jurist, "Note confidentielle", internal=True)
    ticket_services.add_message(setting.ticket, setting.jurist, "Réponse publique")
    url = f"/api/v1/questions/{setting.ticket.reference}/messages"
    member_view = api.get(url, headers=bearer(make_api_token(setting.member))).json
    jurist_view = api.get(url, headers=bearer(make_api_token(setting.jurist))).json
    assert [item["body"] for item in member_view["items"]] == ["Réponse publique"]
    assert [item["internal"] for item in jurist_view["items"]] == [True, False]
    second = api.get(f"{url}?per_page=1&page=2", headers=bearer(make_api_token(setting.jurist))).json
    assert [item["body"] for item in second["items"]] == ["Réponse publique"]
    assert (second["total"], second["pages"], second["links"]["next"]) == (2, 2, None)
    assert second["links"]["prev"].endswith("page=1")


def test_member_cannot_post_an_internal_note(api, setting):
    before = snapshot()
    response = api.post(f"/api/v1/questions/{setting.ticket.reference}/messages",
                        json={"body": "Je veux une note", "internal": True}, headers=bearer(make_api_token(setting.member)))
    assert_error(response, 422, "invalid_input")
    assert "publiques" in response.json["error"]["message"]
    assert snapshot() == before


def test_jurist_claims_then_replies_and_second_claim_conflicts(api, setting):
    token = make_api_token(setting.jurist)
    url = f"/api/v1/questions/{setting.ticket.reference}"
    claimed = api.post(f"{url}/claim", headers=bearer(token))
    assert claimed.status_code == 200 and claimed.json["assignee"]["name"] == setting.jurist.name
    assert_error(api.post(f"{url}/claim", headers=bearer(make_api_token(setting.jurist2))), 409, "conflict")
    reply = api.post(f"{url}/messages", json={"body": "Voici la réponse.", "status_after": "waiting"},
                     headers=bearer(token))
    assert reply.status_code == 201 and reply.json["internal"] is False
    assert api.get(url, headers=bearer(token)).json["status"] == "waiting"


def test_members_never_get_the_service_level_deadline_that_only_staff_see_on_the_web(api, setting):
    """`due_at` is the jurists' internal deadline: null in every question a member receives (list, detail, a
    question just filed), filled for jurists (detail, queue, claim)."""
    assert setting.ticket.due_at is not None
    member = bearer(make_api_token(setting.member))
    url = f"/api/v1/questions/{setting.ticket.reference}"
    filed = api.post("/api/v1/questions", json=NEW_QUESTION, headers=member)
    assert filed.status_code == 201 and filed.json["due_at"] is None
    listed = api.get("/api/v1/questions", headers=member).json["items"]
    assert len(listed) == 2 and all(item["due_at"] is None for item in listed)
    assert api.get(url, headers=member).json["due_at"] is None
    jurist = bearer(make_api_token(setting.jurist))
    due = setting.ticket.due_at.isoformat()
    assert api.get(url, headers=jurist).json["due_at"] == due
    queued = api.get("/api/v1/queue?view=ouvertes", headers=jurist).json["items"]
    assert queued and all(item["due_at"] for item in queued)
    assert api.post(f"{url}/claim", headers=jurist).json["due_at"] == due


def test_queue_uses_the_web_views_filters_and_pagination(api, setting):
    factories.make_ticket(setting.outsider, subject="Question sur les élections du CSE")
    token = make_api_token(setting.jurist)
    everything = api.get("/api/v1/queue?view=ouvertes", headers=bearer(token)).json
    assert everything["total"] == 2
    occitanie = api.get("/api/v1/queue?view=ouvertes&region=occitanie", headers=bearer(token)).json
    assert [item["subject"] for item in occitanie["items"]] == ["Question sur les élections du CSE"]
    assert_error(api.get("/api/v1/queue?view=toutes", headers=bearer(token)), 422, "invalid_input")


def test_pagination_envelope_and_links(api, setting):
    for number in range(24):
        factories.make_ticket(setting.member, subject=f"Question numéro {number}")
    token = make_api_token(setting.member)
    first = api.get("/api/v1/questions?per_page=10", headers=bearer(token)).json
    assert (first["total"], first["pages"], len(first["items"])) == (25, 3, 10)
    assert first["links"]["prev"] is None and "page=2" in first["links"]["next"]
    last = api.get(first["links"]["last"], headers=bearer(token)).json
    assert len(last["items"]) == 5 and last["links"]["next"] is None
    seen = {item["reference"] for page in (1, 2, 3) for item in
            api.get(f"/api/v1/questions?per_page=10&page={page}", headers=bearer(token)).json["items"]}
    assert len(seen) == 25


@pytest.mark.parametrize("url", ["/api/v1/articles?type=faq&type=<b>hdj_injecté</b>",
                                 "/api/v1/questions?state=<b>hdj_injecté</b>"])
def test_an_unknown_value_is_refused_naming_the_allowed_values_never_echoing_the_input(api, setting, url):
    response = api.get(url, headers=bearer(make_api_token(setting.member)))
    assert_error(response, 422, "invalid_input")
    message = response.json["error"]["message"]
    assert "injecté" not in message and "<b>" not in message
    assert ("decryptage, template" in message) if "articles" in url else ("open, closed, all" in message)


def test_pagination_links_keep_every_filter_value_and_never_take_arguments_as_url_options(api, setting):
    for number in range(3):
        add_article(f"faq-cddi-{number}", f"FAQ CDDI {number}", "Le CDDI.", type="faq")
        add_article(f"modele-cddi-{number}", f"Modèle CDDI {number}", "Le CDDI.", type="template")
    indexing.sync()
    token = make_api_token(setting.member)
    response = api.get("/api/v1/articles?type=faq&type=template&per_page=2&_method=POST&endpoint=x&_anchor=top"
                       "&_external=1&_scheme=javascript", headers=bearer(token))
    assert response.status_code == 200 and response.json["total"] == 6
    following = response.json["links"]["next"]
    assert following.startswith("/api/v1/articles?") and "#" not in following
    assert "type=faq&type=template" in following and "_method=POST" in following
    assert api.get(following, headers=bearer(token)).json["total"] == 6


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=abc", "state=toutes", "page=",
                                   "per_page=", "state=", "mine=", "page=1&page=2", "state=open&state=closed"])
def test_bad_pagination_or_filter_is_a_422(api, setting, query):
    response = api.get(f"/api/v1/questions?{query}", headers=bearer(make_api_token(setting.member)))
    assert_error(response, 422, "invalid_input")
    if "&" in query:
        assert response.json["error"]["message"] == f"Le paramètre « {query[:query.index('=')]} » attend une seule valeur."


@pytest.mark.parametrize("query", ["theme=" + "x" * 81, "&".join(f"theme=theme-{number}" for number in range(11)),
                                   "type=", "sort=date&sort=relevance", "q=CDDI&q=CDI"])
def test_article_search_refuses_what_it_would_cut_or_ignore(api, setting, query):
    assert_error(api.get(f"/api/v1/articles?{query}", headers=bearer(make_api_token(setting.member))),
                 422, "invalid_input")


@pytest.mark.parametrize("query", ["theme=", "view=", "theme=1&theme=2", "assignee=abc", "q=a&q=b"])
def test_queue_refuses_empty_or_repeated_filters(api, setting, query):
    assert_error(api.get(f"/api/v1/queue?{query}", headers=bearer(make_api_token(setting.jurist))),
                 422, "invalid_input")


def test_article_search_beyond_the_last_page_is_empty_like_every_list(api, setting):
    indexing.sync()
    token = make_api_token(setting.member)
    first = api.get("/api/v1/articles?per_page=5", headers=bearer(token)).json
    assert first["total"] == 1 and len(first["items"]) == 1
    beyond = api.get("/api/v1/articles?per_page=5&page=50", headers=bearer(token)).json
    assert (beyond["page"], beyond["total"], beyond["items"]) == (50, 1, [])
    assert beyond["links"]["next"] is None


def test_article_search_respects_visibility(api, setting):
    add_article("cddi-doctrine", "CDDI : doctrine interne", "Le CDDI vu par les juristes.", visibility="jurists")
    indexing.sync()
    member_hits = api.get("/api/v1/articles?q=CDDI", headers=bearer(make_api_token(setting.member))).json
    jurist_hits = api.get("/api/v1/articles?q=CDDI", headers=bearer(make_api_token(setting.jurist))).json
    assert {hit["slug"] for hit in member_hits["items"]} == {"cddi-membres"}
    assert {hit["slug"] for hit in jurist_hits["items"]} == {"cddi-membres", "cddi-doctrine"}
    assert member_hits["total"] == 1


def test_article_search_gives_and_sorts_by_the_date_the_lists_show(api, world):
    """A search result's date was the resource's last edit (a fiche published a month ago and corrected today said
    today, and came first with sort=date); it is now the date the lists show: « à jour au », else the publication."""
    days = dated_resources(world)
    hits = api.get("/api/v1/articles?q=PASS%20IAE&sort=date", headers=bearer(make_api_token(world.member))).json
    assert [(hit["slug"], hit["updated_on"]) for hit in hits["items"]] == sorted(
        days.items(), key=lambda item: item[1], reverse=True)


# --- errors ----------------------------------------------------------------------------------------------------

def test_malformed_json_body_is_a_400(api, setting):
    response = api.post("/api/v1/questions", data="{pas du json", content_type="application/json",
                        headers=bearer(make_api_token(setting.member)))
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("body", [{"subject": 42, "body": "x" * 30}, {"subject": "Objet correct"},
                                  {**NEW_QUESTION, "priority": 9}, {**NEW_QUESTION, "priority": True},
                                  {**NEW_QUESTION, "theme_id": 999999}, {**NEW_QUESTION, "theme_id": -3707098387687},
                                  {**NEW_QUESTION, "theme_id": 2**40}, {"subject": "abc", "body": "trop court"}])
def test_invalid_question_is_a_422_and_nothing_is_filed(api, setting, body):
    before = snapshot()
    response = api.post("/api/v1/questions", json=body, headers=bearer(make_api_token(setting.member)))
    assert_error(response, 422, "invalid_input")
    assert snapshot() == before


@pytest.mark.parametrize("method, url", [("GET", "/api/v1/nulle-part"), ("DELETE", "/api/v1/questions"),
                                         ("GET", "/api/v1/questions/Q-1/rien")])
def test_unknown_routes_and_methods_answer_json_not_html(api, setting, method, url):
    response = api.open(url, method=method, headers=bearer(make_api_token(setting.member)))
    assert response.status_code in (404, 405)
    assert response.is_json and "<html" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url, body", [("/api/v1/questions", {**NEW_QUESTION, "theme": 1}),
                                       ("/api/v1/questions/{ref}/messages", {"body": "Réponse", "intern": True})])
def test_a_body_field_the_document_does_not_list_is_refused_and_nothing_is_written(api, setting, url, body):
    before = snapshot()
    response = api.post(url.format(ref=setting.ticket.reference), json=body,
                        headers=bearer(make_api_token(setting.member)))
    assert_error(response, 422, "invalid_input")
    assert "Les champs possibles sont " in response.json["error"]["message"]
    assert snapshot() == before


def test_a_body_over_the_api_limit_is_a_413_and_nothing_is_filed(app, api, setting):
    app.config["API_MAX_BODY_SIZE"] = 1000
    before = snapshot()
    response = api.post("/api/v1/questions", json={**NEW_QUESTION, "body": "é" * 1000},
                        headers=bearer(make_api_token(setting.member)))
    assert_error(response, 413, "payload_too_large")
    assert snapshot() == before
    assert api.post("/api/v1/questions", json=NEW_QUESTION, headers=bearer(make_api_token(setting.member))
                    ).status_code == 201


def test_integral_numbers_and_nulls_the_document_allows_are_accepted(api, setting):
    token = make_api_token(setting.member)
    response = api.post("/api/v1/questions", json={**NEW_QUESTION, "theme_id": float(setting.theme.id),
                                                   "priority": None}, headers=bearer(token))
    assert response.status_code == 201
    assert response.json["theme"]["name"] == "Réforme IAE" and response.json["priority"] == 1
    reply = api.post(f"/api/v1/questions/{setting.ticket.reference}/messages",
                     json={"body": "Merci", "internal": None}, headers=bearer(token))
    assert reply.status_code == 201 and reply.json["internal"] is False
    half = api.post("/api/v1/questions", json={**NEW_QUESTION, "theme_id": 1.5}, headers=bearer(token))
    assert_error(half, 422, "invalid_input")
    assert half.json["error"]["message"] == "Le champ « theme_id » doit être un nombre entier."
    note = api.post(f"/api/v1/questions/{setting.ticket.reference}/messages", json={"body": 3, "internal": "oui"},
                    headers=bearer(token))
    assert note.json["error"]["message"] == "Le champ « body » doit être une chaîne de caractères."
    assert api.post(f"/api/v1/questions/{setting.ticket.reference}/messages", json={"body": "Merci", "internal": "oui"},
                    headers=bearer(token)).json["error"]["message"] == "Le champ « internal » doit être true ou false."


def test_a_method_the_address_refuses_is_a_json_405_naming_the_allowed_ones(api, setting):
    response = api.open("/api/v1/questions", method="TRACE", headers=bearer(make_api_token(setting.member)))
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_unexpected_failure_is_a_json_500_and_rolls_back(app, api, setting, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode(ticket, viewer):
        raise RuntimeError("boom")

    monkeypatch.setattr("helpdesk.api.routes.ticket_json", explode)
    before = snapshot()
    response = api.post("/api/v1/questions", json=NEW_QUESTION, headers=bearer(make_api_token(setting.member)))
    assert_error(response, 500, "server_error")
    assert "boom" not in response.get_data(as_text=True)
    # The question was committed by the service before serialisation failed: it exists, nothing half-written.
    assert snapshot()[1] == before[1] + 1


def test_rate_limit_answers_429_with_retry_after_then_resets(app, api, setting):
    app.config.update(API_RATE_LIMIT=3, API_RATE_WINDOW_SECONDS=60)
    token = make_api_token(setting.member)
    start = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=5)
    with frozen_time(start):
        statuses = [api.get("/api/v1/me", headers=bearer(token)).status_code for _ in range(4)]
        limited = api.get("/api/v1/me", headers=bearer(token))
    assert statuses == [200, 200, 200, 429]
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    other = api.get("/api/v1/me", headers=bearer(make_api_token(setting.colleague)))
    assert other.status_code == 200
    with frozen_time(start + timedelta(seconds=61)):
        assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_requests_with_invalid_tokens_are_throttled_per_address(app, api, setting):
    """Trying tokens from one address is answered 429 (JSON, in French, Retry-After) past the configured rate, without
    looking tokens up any more; requests with a valid token do not count, and other addresses are not held back."""
    app.config["API_INVALID_TOKEN_RATE_LIMIT"] = "3 per minute"
    valid = bearer(make_api_token(setting.member))
    for _ in range(5):
        assert api.get("/api/v1/me", headers=valid).status_code == 200
    wrong = [api.get("/api/v1/me", headers=bearer(f"hd_faux{number}")) for number in range(2)]
    wrong.append(api.get("/api/v1/me"))  # no token at all counts too
    assert [response.status_code for response in wrong] == [401, 401, 401]
    limited = api.get("/api/v1/me", headers=bearer("hd_encore-un"))
    assert_error(limited, 429, "rate_limited")
    assert "sans jeton valide" in limited.json["error"]["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    assert api.get("/api/v1/me", headers=valid).status_code == 429, "held back until the window passes"
    assert api.post("/api/v1/questions", json=NEW_QUESTION, headers=valid).status_code == 429
    elsewhere = {"REMOTE_ADDR": "198.51.100.20"}
    assert api.get("/api/v1/me", headers=valid, environ_base=elsewhere).status_code == 200
    assert api.get("/api/v1/me", headers=bearer("hd_faux"), environ_base=elsewhere).status_code == 401


def test_invalid_tokens_count_an_ipv6_network_as_one_client(app, api, setting):
    app.config["API_INVALID_TOKEN_RATE_LIMIT"] = "2 per minute"
    for number in range(2):
        api.get("/api/v1/me", headers=bearer("hd_faux"), environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{number + 1}"})
    assert api.get("/api/v1/me", headers=bearer("hd_faux"),
                   environ_base={"REMOTE_ADDR": "2001:db8:1:2:ffff::1"}).status_code == 429
    assert api.get("/api/v1/me", headers=bearer("hd_faux"),
                   environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"}).status_code == 401


# --- tokens ----------------------------------------------------------------------------------------------------

def test_token_is_stored_hashed_and_stamped_when_used(api, setting):
    token, plain = tokens.create_token(setting.member, "Tableur", "read", 30)
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain.startswith(f"hdj_{token.prefix}_")
    stored = json.dumps([list(row) for row in db.session.execute(select(ApiToken.__table__)).all()], default=str)
    secret = plain.removeprefix(f"hdj_{token.prefix}_")  # the secret itself may hold "_" (URL-safe base64)
    assert plain not in stored and secret not in stored
    assert token.last_used_at is None
    assert api.get("/api/v1/me", headers=bearer(plain)).json["email"] == setting.member.email
    db.session.refresh(token)
    assert token.last_used_at is not None


@pytest.mark.parametrize("name, scope, days", [("", "read", 30), ("x" * 101, "read", 30), ("Ok", "admin", 30),
                                               ("Ok", "read", 0), ("Ok", "read", 400)])
def test_bad_token_requests_are_refused(setting, name, scope, days):
    with pytest.raises(InvalidInput):
        tokens.create_token(setting.member, name, scope, days)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_token_name_too_long_is_refused_with_its_length(setting):
    """The service said « Donnez au jeton un nom de 1 à 100 caractères. » without the typed length the forms give."""
    with pytest.raises(InvalidInput) as refused:
        tokens.create_token(setting.member, "x" * 130, "read", 30)
    assert refused.value.message == ("Le champ « Nom du jeton » accepte 100 caractères au maximum (votre texte en compte "
                                     "130).")


def test_a_token_name_with_line_breaks_writes_no_line_of_its_own_in_the_owners_notice(client, setting, login):
    """The token's name is quoted in the notice mailed to the account's owner: with line breaks, whoever created the
    token in the owner's stead wrote lines of their own there (« rien à faire »), defusing the alert."""
    login(setting.member)
    name = "Sauvegarde\r\n\r\nCréé par la maintenance : rien à faire.\r\n\r\nAncien"
    client.post("/compte/jetons", data={"name": name, "scope": "read", "expires_in_days": "90",
                                        "password": factories.PASSWORD})
    assert db.session.scalar(select(ApiToken.name)) == "Sauvegarde Créé par la maintenance : rien à faire. Ancien"
    token, _plain = tokens.create_token(setting.member, "  Tableur\n  mensuel\u2028", "read", 30)
    assert token.name == "Tableur mensuel"


@pytest.mark.parametrize("days", [None, 0, -5, 366, 3650, "90", True])
def test_a_token_without_expiry_or_living_more_than_a_year_is_refused_in_french(setting, days):
    """Tokens made « Sans expiration » lived until someone thought of revoking them: every new one now expires."""
    with pytest.raises(InvalidInput) as refused:
        tokens.create_token(setting.member, "Tableur", "read", days)
    assert refused.value.message == "Un jeton doit expirer. Choisissez une durée de validité de 1 à 365 jours."
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


@pytest.mark.parametrize("days", [1, 365])
def test_a_token_may_live_from_one_day_to_a_year(setting, days):
    token, _ = tokens.create_token(setting.member, "Tableur", "read", days)
    assert token.expires_at == token.created_at + timedelta(days=days)


def test_the_token_form_offers_30_90_or_365_days_90_by_default_and_never_never(client, setting, login):
    login(setting.member)
    page = html.unescape(client.get("/compte/jetons").get_data(as_text=True))
    options = page.split('name="expires_in_days"')[1].split("</select>")[0]
    assert '<option selected value="90">90 jours</option>' in options
    assert 'value="30"' in options and 'value="365"' in options
    assert "Sans expiration" not in page and 'value="0"' not in options
    created = client.post("/compte/jetons", data={"name": "Annuel", "scope": "read", "expires_in_days": "365",
                                                  "password": factories.PASSWORD})
    assert 'id="new-token"' in created.get_data(as_text=True)
    token = db.session.scalar(select(ApiToken))
    assert token.expires_at == token.created_at + timedelta(days=365)


@pytest.mark.parametrize("days", ["0", "400", "jamais", ""])
def test_the_token_form_refuses_any_other_lifetime_and_creates_nothing(client, setting, login, days):
    login(setting.member)
    page = client.post("/compte/jetons", data={"name": "Éternel", "scope": "read", "expires_in_days": days,
                                               "password": factories.PASSWORD})
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400 and 'id="new-token"' not in text and "rien n'a été enregistré" in text
    assert "Choisissez une durée de validité." in text or "Choisissez l'une des valeurs proposées pour « Validité »." in text
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_token_made_without_expiry_before_still_works_and_is_shown_as_such(client, api, setting, login):
    """Tokens created when « Sans expiration » was offered are not cut off, but their page says what they are."""
    token, plain = tokens.create_token(setting.member, "Ancien outil", "read", 30)
    token.expires_at = None
    db.session.commit()
    with frozen_time(utcnow() + timedelta(days=3 * 365)):
        assert api.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    login(setting.member)
    row = html.unescape(client.get("/compte/jetons").get_data(as_text=True)).split("Ancien outil")[1].split("</tr>")[0]
    assert "Sans expiration" in row and "remplacez-le puis révoquez-le" in row


def test_user_cannot_revoke_someone_elses_token(setting):
    token, _ = tokens.create_token(setting.member, "Le mien", "read", 30)
    with pytest.raises(NotFound):
        tokens.revoke_token(setting.colleague, token.id)
    assert token.revoked_at is None


def test_changing_the_password_revokes_the_api_tokens_someone_who_had_the_session_may_have_made(
        client, api, setting, login):
    login(setting.member)
    planted = [make_api_token(setting.member), make_api_token(setting.member, scope="read")]
    colleague = make_api_token(setting.colleague)
    new = "Une phrase de passe toute neuve"
    response = client.post("/compte/mot-de-passe", data={"current": factories.PASSWORD, "new": new, "confirm": new},
                           follow_redirects=True)
    assert "Vos 2 jetons d'accès à l'API ont été révoqués" in html.unescape(response.get_data(as_text=True))
    for plain in planted:
        assert_error(api.get("/api/v1/me", headers=bearer(plain)), 401, "unauthorized")
    assert api.get("/api/v1/me", headers=bearer(colleague)).status_code == 200


def test_a_password_chosen_through_a_reset_link_revokes_the_api_tokens(client, api, setting):
    from helpdesk.auth.passwords import make_password_link
    planted = make_api_token(setting.member)
    link = make_password_link(setting.member, "reset").removeprefix("https://helpdesk.example.test")
    new = "Une phrase de passe toute neuve"
    response = client.post(link, data={"new": new, "confirm": new}, follow_redirects=True)
    assert "Votre jeton d'accès à l'API a été révoqué" in html.unescape(response.get_data(as_text=True))
    assert_error(api.get("/api/v1/me", headers=bearer(planted)), 401, "unauthorized")
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None))) == 0


def test_account_page_shows_a_new_token_once_and_revokes_it(client, api, setting, login):
    login(setting.member)
    page = client.post("/compte/jetons", data={"name": "Outil de suivi", "scope": "write", "expires_in_days": "90",
                                               "password": factories.PASSWORD})
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"
    plain = text.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert api.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    assert plain not in client.get("/compte/jetons").get_data(as_text=True)
    token_id = db.session.scalar(select(ApiToken.id))
    url = f"/compte/jetons/{token_id}/revoquer"
    page = factories.confirmation_page(client, "/compte/jetons", url)
    assert "Révoquer le jeton « Outil de suivi » ?" in page and "Révoquer le jeton</button>" in page
    assert "perdront aussitôt l'accès à l'API" in page and "ne peut pas être rétabli" in page
    assert api.get("/api/v1/me", headers=bearer(plain)).status_code == 200, "asking revokes nothing"
    response = client.post(url)
    assert response.status_code == 302
    assert "révoqué" in client.get("/compte/jetons").get_data(as_text=True)
    assert_error(api.get("/api/v1/me", headers=bearer(plain)), 401, "unauthorized")


def test_an_open_session_alone_cannot_create_an_api_token(app, client, api, setting, login):
    """Whoever sat at a session left open could plant a token that outlived every logout: the password is asked."""
    login(setting.member)
    wanted = {"name": "Outil caché", "scope": "write", "expires_in_days": "365"}
    page = client.post("/compte/jetons", data=wanted)
    assert "Indiquez votre mot de passe pour créer un jeton." in html.unescape(page.get_data(as_text=True))
    page = client.post("/compte/jetons", data={**wanted, "password": "pas le bon mot de passe"})
    text = html.unescape(page.get_data(as_text=True))
    assert "Le mot de passe actuel est incorrect." in text and 'id="new-token"' not in text
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    for attempt in range(app.config["LOCKOUT_ACCOUNT_FAILURES"] - 1):
        client.post("/compte/jetons", data={**wanted, "password": f"essai numéro {attempt}"})
    page = client.post("/compte/jetons", data={**wanted, "password": factories.PASSWORD})
    assert page.status_code == 429, "guessing the password from an open session is locked out, as on login"
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    with frozen_time(utcnow() + timedelta(seconds=app.config["LOCKOUT_SECONDS"] + 1)):
        page = client.post("/compte/jetons", data={**wanted, "password": factories.PASSWORD})
    assert page.status_code == 200 and 'id="new-token"' in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1


def test_account_page_refuses_revoking_another_users_token(client, setting, login):
    token, _ = tokens.create_token(setting.colleague, "Celui du collègue", "read", 30)
    login(setting.member)
    assert client.get(f"/compte/jetons/{token.id}/revoquer").status_code == 404
    assert client.post(f"/compte/jetons/{token.id}/revoquer").status_code == 404
    assert client.get("/compte/jetons/999999/revoquer").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_account_pages_need_login(client):
    for url in ("/compte/", "/compte/jetons"):
        assert client.get(url).headers["Location"].startswith("/connexion")


@pytest.mark.parametrize("method, url, body, status", [
    ("POST", "/api/v1/questions", {"subject": "Objet\u0000nul", "body": "Une description assez longue."}, 422),
    ("POST", "/api/v1/questions/{ref}/messages", {"body": "Réponse\u0000"}, 422),
    ("GET", "/api/v1/questions/Q-2026%0000001", None, 400),
    ("GET", "/api/v1/articles?q=cddi%00", None, 400),
])
def test_nul_characters_are_refused_not_a_server_error(api, setting, method, url, body, status):
    before = snapshot()
    response = api.open(url.format(ref=setting.ticket.reference), method=method, json=body,
                        headers=bearer(make_api_token(setting.member)))
    assert_error(response, status, "invalid_input" if status == 422 else "bad_request")
    assert snapshot() == before


def test_control_characters_are_dropped_from_a_question_filed_through_the_api(api, setting):
    body = {"subject": "Durée\u0007 d'un CDDI\u001b", "body": "Quelle est la durée\u000bmaximale\u0001 d'un CDDI ?"}
    response = api.post("/api/v1/questions", json=body, headers=bearer(make_api_token(setting.member)))
    assert response.status_code == 201
    assert response.json["subject"] == "Durée d'un CDDI"
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == response.json["reference"]))
    assert ticket.body == "Quelle est la durée\nmaximale d'un CDDI ?"


def test_nul_character_is_refused_by_the_question_service_used_by_the_web_too(setting):
    with pytest.raises(InvalidInput, match="caractère nul"):
        ticket_services.file_question(setting.member, "Objet\u0000nul", "Une description assez longue.", None)


@pytest.mark.parametrize("url", ["/api/v1/questions", "/api/v1/questions/{ref}/messages"])
def test_deeply_nested_json_body_is_a_400_not_a_server_error(api, setting, url):
    before = snapshot()
    nested = '{"body": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = api.post(url.format(ref=setting.ticket.reference), data=nested, content_type="application/json",
                        headers=bearer(make_api_token(setting.member)))
    assert_error(response, 400, "bad_request")
    assert "objet JSON" in response.json["error"]["message"]
    assert snapshot() == before


@pytest.mark.parametrize("url, raw", [
    ("/api/v1/questions", r'{"subject": "Sujet \ud800 x", "body": "Description assez longue \udc00 pour passer"}'),
    ("/api/v1/questions", r'{"subject": "Sujet correct", "body": "Description assez longue \udc00 pour passer"}'),
    ("/api/v1/questions/{ref}/messages", r'{"body": "Une r\u00e9ponse \udbff avec une demi-paire"}'),
])
def test_lone_surrogate_in_a_json_string_is_a_422_not_a_server_error(api, setting, url, raw):
    before = snapshot()
    response = api.post(url.format(ref=setting.ticket.reference), data=raw, content_type="application/json",
                        headers=bearer(make_api_token(setting.member)))
    assert_error(response, 422, "invalid_input")
    assert "caractère Unicode invalide" in response.json["error"]["message"]
    assert snapshot() == before


def test_a_complete_surrogate_pair_is_an_ordinary_character(api, setting):
    response = api.post("/api/v1/questions", data=r'{"subject": "Sujet \ud83d\udcc4 joint", "body": "'
                        + "Une description assez longue." + '"}', content_type="application/json",
                        headers=bearer(make_api_token(setting.member)))
    assert response.status_code == 201
    assert response.json["subject"] == "Sujet \U0001F4C4 joint"
    assert db.session.scalar(select(Ticket.subject).order_by(Ticket.id.desc()).limit(1)) == "Sujet \U0001F4C4 joint"


def test_percent_encoded_surrogate_in_web_form_and_search_is_refused_in_french_not_a_server_error(client, setting,
                                                                                                   login):
    login(setting.member)
    before = snapshot()
    response = client.post("/questions/nouvelle", content_type="application/x-www-form-urlencoded",
                           data="subject=Sujet+%ED%A0%80+x&body=Description+assez+longue+%ED%B0%80+pour+passer"
                                f"&priority=2&theme={setting.theme.id}")
    assert response.status_code == 400 and "caractères illisibles" in response.get_data(as_text=True)
    assert snapshot() == before
    assert client.get("/ressources/?q=cddi%ED%A0%80").status_code == 400
    assert client.get("/ressources/suggestions?q=cddi%ED%A0%80").status_code == 400
    response = client.get("/api/v1/articles?q=cddi%ED%A0%80", headers=bearer(make_api_token(setting.member)))
    assert_error(response, 400, "bad_request")
    assert "caractères illisibles" in response.json["error"]["message"]


@pytest.mark.parametrize("change", [
    {"structure": "other_structure"}, {"email": "nouvelle.personne@exemple.test"}, {"role": "jurist"}])
def test_an_admin_changing_who_an_account_is_revokes_its_api_tokens(api, setting, change):
    # A script of the former structure (or of the address's former holder) must not read what the account now may.
    planted = make_api_token(setting.member, scope="read")
    colleague = make_api_token(setting.colleague)
    member = setting.member
    values = {"email": member.email, "name": member.name, "role": member.role, "structure_id": member.structure_id}
    if "structure" in change:
        values["structure_id"] = setting.other_structure.id
    else:
        values.update({key: value for key, value in change.items()})
        if values["role"] != "member":
            values["structure_id"] = None
    update_user(member, setting.admin, **values)
    assert_error(api.get("/api/v1/questions", headers=bearer(planted)), 401, "unauthorized")
    assert api.get("/api/v1/me", headers=bearer(colleague)).status_code == 200
    revoked = db.session.scalar(select(Event).where(Event.kind == "api_token_revoked"))
    assert revoked.actor_id == setting.admin.id and revoked.data["user_id"] == member.id


def test_correcting_only_an_accounts_name_keeps_its_api_tokens(api, setting):
    planted = make_api_token(setting.member)
    member = setting.member
    update_user(member, setting.admin, email=member.email, name="Alice Membre-Durand", role=member.role,
                structure_id=member.structure_id)
    assert api.get("/api/v1/me", headers=bearer(planted)).status_code == 200


def test_a_reactivated_account_does_not_get_its_former_api_tokens_back(api, setting):
    planted = make_api_token(setting.member)
    set_active(setting.member, False, setting.admin)
    set_active(setting.member, True, setting.admin)
    assert_error(api.get("/api/v1/me", headers=bearer(planted)), 401, "unauthorized")


@pytest.mark.parametrize("path, body, message", [
    ("/api/v1/questions", {**NEW_QUESTION, "subject": "  "}, "Le champ « subject » demande 5 caractères au minimum (votre texte en compte 0)."),
    ("/api/v1/questions", {**NEW_QUESTION, "body": "Trop court"}, "Le champ « body » demande 20 caractères au minimum (votre texte en compte 10)."),
    ("messages", {"body": "   "}, "Le champ « body » demande 1 caractère au minimum (votre texte en compte 0)."),
])
def test_a_refused_text_is_named_by_its_api_field_and_changes_nothing(api, setting, path, body, message):
    """The API's refusal of a text names the body field the client sent, never the web form's label."""
    if path == "messages":
        path = f"/api/v1/questions/{setting.ticket.reference}/messages"
    counts = (db.session.scalar(select(func.count()).select_from(Ticket)),
              db.session.scalar(select(func.count()).select_from(Message)))
    response = api.post(path, json=body, headers=bearer(make_api_token(setting.member, scope="write")))
    assert_error(response, 422, "invalid_input")
    assert response.json["error"]["message"] == message
    assert (db.session.scalar(select(func.count()).select_from(Ticket)),
            db.session.scalar(select(func.count()).select_from(Message))) == counts


@pytest.mark.parametrize("path, allowed", [
    ("/api/v1/questions", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("/api/v1/questions/Q-2026-00001/messages", {"GET", "HEAD", "OPTIONS", "POST"}),
    ("/api/v1/me", {"GET", "HEAD", "OPTIONS"}),
])
def test_options_without_a_token_answers_the_allowed_methods_without_a_body(api, path, allowed):
    """OPTIONS is answered as Flask answers it anywhere (Allow, no body), without a token: the public OpenAPI
    description tells as much."""
    response = api.open(path, method="OPTIONS")
    assert response.status_code == 200 and response.data == b""
    assert set(response.headers["Allow"].split(", ")) == allowed


def test_options_does_not_open_the_other_methods_without_a_token(api, setting):
    """Only OPTIONS goes without a token: the same address still refuses a read or a write without one."""
    assert_error(api.get("/api/v1/questions"), 401, "unauthorized")
    assert_error(api.post("/api/v1/questions", json=NEW_QUESTION), 401, "unauthorized")
    assert_error(api.open("/api/v1/nulle-part", method="OPTIONS"), 404, "not_found")
