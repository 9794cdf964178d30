"""Idempotency-Key on every API POST: a retried request answers with what the first one created or changed."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk.api import idempotency
from helpdesk.extensions import db
from helpdesk.models import Event, IdempotencyKey, Message, OutboxEmail, Ticket
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.tickets.services import delete_question
from tests import factories
from tests.factories import bearer, make_api_token

NEW_QUESTION = {"subject": "Durée d'un CDDI", "body": "Quelle est la durée maximale d'un CDDI renouvelé ?"}


@pytest.fixture
def api(app):
    """A client without any session: only the bearer token authenticates."""
    return app.test_client()


def _headers(token: str, key: str | None = "7f1c1d2e-0b7a-4a39-9d1e-6b8f3c2a5e10") -> dict:
    """Bearer token plus an Idempotency-Key header (none when `key` is None)."""
    return {**bearer(token), **({"Idempotency-Key": key} if key is not None else {})}


def _count(model, *where) -> int:
    """Rows of `model` matching `where`, read afresh."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_question_sent_again_with_the_same_key_is_filed_once(api, world):
    token = make_api_token(world.member)
    first = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    mails = _count(OutboxEmail)
    again = api.post("/api/v1/questions", json=dict(reversed(NEW_QUESTION.items())), headers=_headers(token))
    assert first.status_code == again.status_code == 201
    assert again.json["reference"] == first.json["reference"] and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _count(Ticket, Ticket.subject == NEW_QUESTION["subject"]) == 1
    assert _count(OutboxEmail) == mails, "nobody is notified twice"


def test_without_a_key_a_retried_question_is_filed_again(api, world):
    token = make_api_token(world.member)
    for _ in range(2):
        assert api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token, None)).status_code == 201
    assert _count(Ticket, Ticket.subject == NEW_QUESTION["subject"]) == 2


def test_a_key_sent_with_another_body_or_address_is_refused_and_files_nothing(api, world):
    token = make_api_token(world.member)
    first = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    other = api.post("/api/v1/questions", json={**NEW_QUESTION, "subject": "Un autre sujet"}, headers=_headers(token))
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert "déjà servi pour une autre requête" in other.json["error"]["message"]
    elsewhere = api.post(f"/api/v1/questions/{first.json['reference']}/messages", json={"body": "Merci"},
                         headers=_headers(token))
    assert elsewhere.status_code == 422 and elsewhere.json["error"]["code"] == "idempotency_key_reused"
    assert _count(Ticket) == 1 and _count(Message) == 0


def test_keys_belong_to_their_user(api, world):
    """Another member's request with the same key is theirs: filed, and they never see the first one's question."""
    first = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(make_api_token(world.member)))
    other = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(make_api_token(world.outsider)))
    assert other.status_code == 201 and other.json["reference"] != first.json["reference"]
    assert "Idempotent-Replayed" not in other.headers


def test_a_key_is_remembered_for_the_configured_hours_then_serves_again(app, api, world):
    token = make_api_token(world.member)
    start = utcnow()
    with frozen_time(start):
        first = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    with frozen_time(start + timedelta(hours=app.config["IDEMPOTENCY_KEY_HOURS"]) - timedelta(minutes=1)):
        assert api.post("/api/v1/questions", json=NEW_QUESTION,
                        headers=_headers(token)).json["reference"] == first.json["reference"]
    with frozen_time(start + timedelta(hours=app.config["IDEMPOTENCY_KEY_HOURS"], minutes=1)):
        later = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    assert later.status_code == 201 and later.json["reference"] != first.json["reference"]
    assert _count(IdempotencyKey) == 1, "the expired key's row is replaced, not kept"


@pytest.mark.parametrize("key", ["", "x" * 256, "clé-accentuée", "a\tb"])
def test_a_malformed_key_is_refused_and_files_nothing(api, world, key):
    response = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(make_api_token(world.member), key))
    assert response.status_code == 422 and "Idempotency-Key" in response.json["error"]["message"]
    assert _count(Ticket) == 0


def test_a_refused_request_does_not_use_up_its_key(api, world):
    token = make_api_token(world.member)
    refused = api.post("/api/v1/questions", json={**NEW_QUESTION, "subject": "ab"}, headers=_headers(token))
    assert refused.status_code == 422 and _count(IdempotencyKey) == 0
    assert api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token)).status_code == 201


def test_a_replay_is_not_held_back_by_the_days_maximum(app, api, world):
    """The member's pace counts questions filed: answering again with the one filed files nothing."""
    app.config["QUESTIONS_PER_DAY"] = 1
    token = make_api_token(world.member)
    first = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    again = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    assert again.status_code == 201 and again.json["reference"] == first.json["reference"]
    assert api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token, "autre")).status_code == 429


@pytest.mark.parametrize("role, body", [("member", {"body": "Merci pour la réponse."}),
                                        ("jurist", {"body": "Note pour l'équipe.", "internal": True})])
def test_a_message_sent_again_with_the_same_key_is_posted_once(api, world, role, body):
    ticket = factories.make_ticket(world.member)
    token = make_api_token(getattr(world, role))
    url = f"/api/v1/questions/{ticket.reference}/messages"
    first, again = (api.post(url, json=body, headers=_headers(token)) for _ in range(2))
    assert first.status_code == again.status_code == 201 and again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(Message, Message.ticket_id == ticket.id) == 1


def test_a_replay_shows_nothing_the_user_may_no_longer_see(api, world):
    """A member moved to another structure retries: the question stays with the former one, the replay is a 404."""
    token = make_api_token(world.member)
    first = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    world.member.structure = world.other_structure
    db.session.commit()
    again = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    assert again.status_code == 404 and first.json["subject"] not in again.get_data(as_text=True)


def _sent_twice_at_once(app, monkeypatch, post) -> list[tuple[int, dict | None]]:
    """Run `post(client)` from two threads whose first key lookups wait for each other; (status, JSON) of each."""
    looked_up = threading.Barrier(2, timeout=10)
    first_lookup = threading.local()
    recorded = idempotency._recorded

    def lookup_together(user, key):
        """The first lookup of each request waits for the other's."""
        found = recorded(user, key)
        if not getattr(first_lookup, "done", False):
            first_lookup.done = True
            looked_up.wait()
        return found

    monkeypatch.setattr(idempotency, "_recorded", lookup_together)

    def send():
        """One request, from its own client."""
        response = post(app.test_client())
        return response.status_code, response.json

    return factories.twice_at_once(app, send)


def test_a_question_sent_twice_at_once_with_one_key_is_filed_once(app, world, monkeypatch):
    """Both requests look the key up before either files: the second one's insert breaks the (user, key) uniqueness,
    it rolls back and answers with the first one's question."""
    token = make_api_token(world.member)
    answers = _sent_twice_at_once(
        app, monkeypatch, lambda client: client.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token)))
    assert [status for status, _body in answers] == [201, 201], answers
    assert answers[0][1]["reference"] == answers[1][1]["reference"]
    assert _count(Ticket, Ticket.subject == NEW_QUESTION["subject"]) == 1


def test_a_claim_sent_twice_at_once_with_one_key_is_told_the_same(app, world, monkeypatch):
    """Both requests look the key up before either claims: the second one is refused for the first one's claim, finds
    its key and answers as it did, not with a 409."""
    ticket = factories.make_ticket(world.member)
    url = f"/api/v1/questions/{ticket.reference}/claim"  # read before the threads, which have no app context
    token = make_api_token(world.jurist)
    answers = _sent_twice_at_once(app, monkeypatch, lambda client: client.post(url, headers=_headers(token)))
    assert [status for status, _body in answers] == [200, 200], answers
    assert _claims(ticket) == 1


def test_a_key_whose_question_was_deleted_serves_again(api, world):
    """Deleting a question (admins) deletes its key with it: nothing left points at a missing question."""
    token = make_api_token(world.member)
    first = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    delete_question(db.session.scalar(select(Ticket).where(Ticket.reference == first.json["reference"])), world.admin)
    assert _count(IdempotencyKey) == 0
    again = api.post("/api/v1/questions", json=NEW_QUESTION, headers=_headers(token))
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers


def _claims(ticket) -> int:
    """The question's « claimed » events, read afresh."""
    return _count(Event, Event.ticket_id == ticket.id, Event.kind == "claimed")


def test_a_claim_sent_again_with_the_same_key_answers_as_the_first_and_changes_nothing(api, world):
    """A jurist's tool retrying « Je prends » after a lost answer is told it has the question (not a 409), once."""
    ticket = factories.make_ticket(world.member)
    token = make_api_token(world.jurist)
    url = f"/api/v1/questions/{ticket.reference}/claim"
    first, again = (api.post(url, headers=_headers(token)) for _ in range(2))
    assert first.status_code == again.status_code == 200
    assert again.json["assignee"]["name"] == world.jurist.name and again.json["status"] == "open"
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _claims(ticket) == 1
    without_key = api.post(url, headers=_headers(token, None))
    assert without_key.status_code == 409 and "déjà pris" in without_key.json["error"]["message"]


def test_a_claim_key_sent_for_another_question_or_with_a_body_is_refused_and_claims_nothing(api, world):
    first, second = factories.make_ticket(world.member), factories.make_ticket(world.member)
    token = make_api_token(world.jurist)
    assert api.post(f"/api/v1/questions/{first.reference}/claim", headers=_headers(token)).status_code == 200
    for response in (api.post(f"/api/v1/questions/{second.reference}/claim", headers=_headers(token)),
                     api.post(f"/api/v1/questions/{first.reference}/claim", json={"assignee": "moi"},
                              headers=_headers(token))):
        assert response.status_code == 422 and response.json["error"]["code"] == "idempotency_key_reused"
    db.session.expire_all()
    assert second.assignee_id is None and _claims(second) == 0


def test_a_claim_key_is_the_jurists_own(api, world):
    """A colleague's claim with the same key is theirs: it runs, and is told the question was taken."""
    ticket = factories.make_ticket(world.member)
    url = f"/api/v1/questions/{ticket.reference}/claim"
    assert api.post(url, headers=_headers(make_api_token(world.jurist))).status_code == 200
    colleague = api.post(url, headers=_headers(make_api_token(world.jurist2)))
    assert colleague.status_code == 409 and "Idempotent-Replayed" not in colleague.headers
    assert "vient d'être prise" in colleague.json["error"]["message"]


@pytest.mark.parametrize("key", ["", "x" * 256, "clé"])
def test_a_claim_with_a_malformed_key_is_refused_and_claims_nothing(api, world, key):
    ticket = factories.make_ticket(world.member)
    response = api.post(f"/api/v1/questions/{ticket.reference}/claim", headers=_headers(make_api_token(world.jurist),
                                                                                         key))
    assert response.status_code == 422 and "Idempotency-Key" in response.json["error"]["message"]
    db.session.expire_all()
    assert ticket.assignee_id is None and _count(IdempotencyKey) == 0


def test_a_refused_claim_does_not_use_up_its_key(api, world):
    """A member cannot claim (403): the key stays free for the member's next request."""
    ticket = factories.make_ticket(world.member)
    token = make_api_token(world.member)
    refused = api.post(f"/api/v1/questions/{ticket.reference}/claim", headers=_headers(token))
    assert refused.status_code == 403 and _count(IdempotencyKey) == 0
    reply = api.post(f"/api/v1/questions/{ticket.reference}/messages", json={"body": "Merci"}, headers=_headers(token))
    assert reply.status_code == 201


# Every POST of the API, with what a user of each would send: a POST added without the decorator fails below.
POSTS = {
    "api.create_question": ("member", lambda ticket: "/api/v1/questions", NEW_QUESTION),
    "api.post_message": ("member", lambda ticket: f"/api/v1/questions/{ticket.reference}/messages", {"body": "Merci"}),
    "api.claim_question": ("jurist", lambda ticket: f"/api/v1/questions/{ticket.reference}/claim", None),
}


def test_every_api_post_is_listed_here(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("api.") and "POST" in rule.methods}
    assert posts == set(POSTS)


@pytest.mark.parametrize("endpoint", sorted(POSTS))
def test_every_api_post_honours_the_key_and_documents_it(app, api, world, endpoint):
    role, url, body = POSTS[endpoint]
    ticket = factories.make_ticket(world.member)
    token = make_api_token(getattr(world, role))
    first, again = (api.post(url(ticket), json=body, headers=_headers(token)) for _ in range(2))
    assert first.status_code in (200, 201) and again.status_code == first.status_code, first.json
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    other = api.post(url(ticket), json={"autre": True}, headers=_headers(token))
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    path = rule.rule.removeprefix("/api/v1").replace("<reference>", "{reference}")
    operation = api.get("/api/v1/openapi.json").json["paths"][path]["post"]
    assert "Idempotency-Key" in [parameter["name"] for parameter in operation["parameters"]]
