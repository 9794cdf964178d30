"""What the session cookie (signed, not encrypted: anyone holding it reads it) never carries: the words searched, the
resources read, the client's address."""
import html
import json
import re
from datetime import timedelta

import flask_login

from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.models import ArticleRead, Event, ListPage, SearchLog
from helpdesk.models._types import utcnow
from tests import factories
from tests.test_kb import add_article


def cookie_session(app, client) -> dict:
    """The client's session cookie, decoded as anyone holding it can."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost")
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def cookie_text(app, client) -> str:
    """What the client's session cookie says (lower case)."""
    return json.dumps(cookie_session(app, client)).lower()


def back_link(page: str, label: str) -> str:
    """Where the page's back link labelled `label` leads."""
    return html.unescape(re.search(rf'<a href="([^"]*)">{label}</a>', page).group(1))


def test_resource_search_words_stay_out_of_the_session_cookie_and_the_way_back_keeps_them(app, client, world):
    add_article("rupture-cddi", "Rupture anticipée du CDDI", "La rupture anticipée du contrat d'insertion.")
    indexing.sync()
    for url in ("/ressources/?q=rupture+licorne", "/ressources/?q=Rupture  licorne&tri=date"):
        assert client.get(url).status_code == 200
    assert "licorne" not in cookie_text(app, client) and "rupture" not in cookie_text(app, client)
    page = client.get("/ressources/rupture-cddi").get_data(as_text=True)
    assert back_link(page, "← Ressources juridiques") == "/ressources/?q=Rupture  licorne&tri=date"
    assert db.session.scalars(db.select(SearchLog.query)).all() == ["rupture licorne"], "a re-sort is logged once"


def test_resources_read_stay_out_of_the_session_cookie_and_count_once(app, client, world, login):
    read = add_article("rupture-cddi", "Rupture anticipée du CDDI", "La rupture anticipée du contrat d'insertion.")
    login(world.member)
    for _ in range(2):
        assert client.get("/ressources/rupture-cddi").status_code == 200
    remembered = cookie_session(app, client)["kb_read"]
    assert len(remembered) == 1 and read.id not in remembered and str(read.id) not in remembered
    assert db.session.scalar(db.select(db.func.count()).select_from(ArticleRead)) == 1


def test_queue_search_words_stay_out_of_the_session_cookie_and_the_way_back_keeps_them(app, client, world, login):
    ticket = factories.make_ticket(world.member, body="Rupture conventionnelle de Mme Durand")
    login(world.jurist)
    for url in ("/file/?q=Durand&tri=recentes", "/file/?q=durand&tri=recentes"):
        assert client.get(url).status_code == 200
    assert "durand" not in cookie_text(app, client)
    assert db.session.scalar(db.select(db.func.count()).select_from(Event).where(Event.kind == "queue_searched")) == 1
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert back_link(page, "← Retour à la liste") == "/file/?q=durand&tri=recentes"


def test_a_list_left_by_one_session_is_not_the_way_back_of_another(app, client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    client.get("/file/?q=Durand")
    other = app.test_client()
    other.post("/connexion", data={"email": world.jurist2.email, "password": factories.PASSWORD})
    page = other.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert back_link(page, "← Retour à la liste") == "/file/"


def test_logging_out_forgets_the_lists_left_and_the_words_searched(app, client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    client.get("/file/?q=Durand")
    assert db.session.scalar(db.select(ListPage.path)) == "/file/?q=Durand"
    client.post("/deconnexion")
    assert db.session.scalar(db.select(db.func.count()).select_from(ListPage)) == 0
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert back_link(page, "← Retour à la liste") == "/file/"


def test_lists_left_longer_than_a_session_lasts_are_deleted(app, client, world):
    db.session.add(ListPage(session_key="0" * 64, name="resources", path="/ressources/?q=ancienne",
                            updated_at=utcnow() - app.permanent_session_lifetime - timedelta(minutes=1)))
    db.session.add(ListPage(session_key="1" * 64, name="resources", path="/ressources/?q=recente",
                            updated_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    client.get("/ressources/?q=nouvelle")
    kept = db.session.scalars(db.select(ListPage.path).order_by(ListPage.path)).all()
    assert kept == ["/ressources/?q=nouvelle", "/ressources/?q=recente"]


def test_an_overlong_list_address_is_shown_but_not_remembered(app, client, world):
    response = client.get("/ressources/", query_string={"q": "contrat " * 300})
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(ListPage)) == 0


def test_the_session_fingerprint_of_the_browser_does_not_give_away_its_address(app, client, world, login):
    """« Strong » session protection keeps a fingerprint of the client's address and browser in the cookie: keyed,
    not Flask-Login's plain SHA-512, which hashing the 2^32 IPv4 addresses would reverse."""
    headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}
    client.environ_base.update({"HTTP_USER_AGENT": headers["User-Agent"], "REMOTE_ADDR": "198.51.100.7"})
    login(world.member)
    with app.test_request_context(headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        plain = flask_login.utils._create_identifier()
    assert cookie_session(app, client)["_id"] != plain
    assert client.get("/compte/").status_code == 200, "the same browser stays logged in"
