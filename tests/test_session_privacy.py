"""What the session cookie (signed, not encrypted: anyone holding it reads it) never carries: the words searched, the
resources read, the client's address."""
import html
import json
import re
import flask
import flask_login

from helpdesk import views
from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.models import ArticleRead, Event, SearchLog
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


def test_logging_out_forgets_the_lists_left(app, client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    client.get("/file/?q=Durand")
    client.post("/deconnexion")
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert back_link(page, "← Retour à la liste") == "/file/"


def test_an_overlong_list_address_is_shown_but_not_remembered(app, client, world):
    client.get("/ressources/?q=rupture")
    response = client.get("/ressources/", query_string={"q": "contrat " * 300})
    assert response.status_code == 200
    assert len(client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost").value) < 1000
    add_article("rupture-cddi", "Rupture anticipée du CDDI", "La rupture anticipée du contrat d'insertion.")
    page = client.get("/ressources/rupture-cddi").get_data(as_text=True)
    assert back_link(page, "← Ressources juridiques") == "/ressources/?q=rupture"


def test_a_way_back_sealed_under_another_secret_key_leads_to_the_lists_first_page(app, client, world, login):
    login(world.jurist)
    client.get("/file/?q=Durand")
    sealed = cookie_session(app, client)["list_pages"]
    assert "durand" not in json.dumps(sealed).lower()
    with app.test_request_context():
        flask.session["list_pages"] = sealed
        assert views.back_to_list_url("queue") == "/file/?q=Durand"
        app.config["SECRET_KEY"], former = "une autre clé secrète", app.config["SECRET_KEY"]
        try:
            assert views.back_to_list_url("queue") == "/file/"
        finally:
            app.config["SECRET_KEY"] = former


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


def test_a_malformed_way_back_in_the_session_leads_to_the_lists_first_page(app, world):
    """A way back that is not valid base64, too short to hold a nonce, or not a string gives the list's first page,
    never a server error."""
    for sealed in ("!!!", "YWJj", "YWJ", "", 12, ["x"]):
        with app.test_request_context():
            flask.session["list_pages"] = {"queue": sealed}
            assert views.back_to_list_url("queue") == "/file/"
    with app.test_request_context():
        flask.session["list_pages"] = "pas un dictionnaire"
        assert views.back_to_list_url("queue") == "/file/"
