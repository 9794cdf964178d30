"""Security headers on every page, and templates that a strict Content-Security-Policy does not break."""
import re
from datetime import UTC, datetime, timedelta

import pytest

import helpdesk
from helpdesk.auth.passwords import make_password_link
from helpdesk.extensions import db
from helpdesk.flash.services import unsubscribe_token
from helpdesk.i18n import PARIS
from helpdesk.kb import services as kb_services
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.webinars import services as webinar_services
from tests import factories

TEMPLATES = sorted((helpdesk.ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("url", ["/connexion", "/ressources/", "/n-existe-pas"])
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'",
                      "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_logged_in_pages_carry_them_too(client, world, login):
    login(world.member)
    ticket = factories.make_ticket(world.member)
    assert "frame-ancestors 'none'" in client.get(f"/questions/{ticket.reference}").headers["Content-Security-Policy"]


def test_hsts_can_be_disabled_for_the_plain_http_development_server(app, client):
    app.config["HSTS_ENABLED"] = False
    assert "Strict-Transport-Security" not in client.get("/connexion").headers
    makefile = (helpdesk.ROOT / "Makefile").read_text()
    assert "HELPDESK_HSTS_ENABLED=false" in makefile


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(helpdesk.ROOT / "templates")))
def test_templates_have_no_inline_script_style_or_event_handler(template):
    """Pages carry no inline code; emails may style inline (mail clients ignore stylesheets) but never script."""
    text = template.read_text(encoding="utf-8")
    is_email = template.parent.name == "emails"
    assert not (is_email and re.search(r"<script\b", text)), "script in an email"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    if not is_email:
        assert not re.search(r"<style\b", text), "inline <style>"
        assert not re.search(r"\bstyle\s*=", text), "style= attribute"
    assert not re.search(r"\son[a-z]+\s*=", text), "event handler attribute"
    assert "javascript:" not in text.lower()


def _no_store(response) -> bool:
    """Whether the response forbids every cache to keep it."""
    return response.cache_control.no_store and response.cache_control.private


def test_jurist_queue_and_member_question_are_never_stored_by_the_browser(app, world, login):
    ticket = factories.make_ticket(world.member, subject="Licenciement d'un salarié en CDDI")
    member, jurist = app.test_client(), app.test_client()
    member.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD})
    jurist.post("/connexion", data={"email": world.jurist.email, "password": factories.PASSWORD})
    for client, url in ((jurist, "/file/"), (member, f"/questions/{ticket.reference}"), (member, "/compte/"),
                        (jurist, "/n-existe-pas")):
        response = client.get(url)
        assert response.status_code in (200, 404)
        assert _no_store(response), url


def test_statistics_charts_exports_and_calendar_files_are_never_stored_by_the_browser(client, world, login):
    webinar = webinar_services.save_webinar(None, webinar_services.WebinarValues(
        title="Réforme IAE", starts_at=utcnow() + timedelta(days=7)), world.jurist)
    year = utcnow().astimezone(PARIS).year - 1
    login(world.admin)
    for url in ("/statistiques/graphiques/questions-par-mois.svg", "/statistiques/export/questions.csv",
                f"/statistiques/rapport/{year}/graphiques/mois.svg", f"/statistiques/rapport/{year}.csv",
                f"/webinaires/{webinar.id}/agenda.ics", "/compte/jetons"):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url


def test_pages_of_secret_links_that_name_the_account_are_never_stored(client, world):
    """Opened without logging in, they show the account's address: a shared computer or proxy must not keep them."""
    for url in (make_password_link(world.member, "reset").removeprefix("https://helpdesk.example.test"),
                f"/flash/desabonnement/{unsubscribe_token(world.member)}"):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url


def test_anonymous_pages_and_static_files_stay_cacheable(client, world, login):
    kb_services.publish_new_article({"slug": "clause-sociale", "title": "Clause sociale", "body": "Texte.",
                                     "visibility": "public", "type": "decryptage"}, world.jurist)
    db.session.commit()
    for url in ("/", "/connexion", "/ressources/", "/ressources/clause-sociale", "/static/style.css"):
        response = client.get(url)
        assert response.status_code == (302 if url == "/" else 200), url
        assert not response.cache_control.no_store, url
    login(world.member)
    assert not client.get("/static/style.css").cache_control.no_store


def test_an_anonymous_page_that_starts_a_session_is_kept_out_of_shared_caches(client):
    """The login page sets the session cookie of its form's token: a shared cache must not hand it to the next
    visitor (the browser may still keep the page); a response that sets no cookie says nothing."""
    response = client.get("/connexion")
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert response.cache_control.private and not response.cache_control.no_store
    plain = client.application.test_client().get("/.well-known/security.txt")  # a visitor without a session
    assert "Set-Cookie" not in plain.headers and not plain.cache_control.private


def test_pages_name_their_icon_so_browsers_do_not_ask_for_a_missing_favicon(client):
    """Every page links the site icon (browsers then never request /favicon.ico, which would be a 404), and it is
    served as an image."""
    page = client.get("/connexion").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon is not None
    response = client.get(icon.group(1))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


def test_security_txt_tells_anyone_where_to_report_a_vulnerability(app, client):
    """RFC 9116: a contact (by default the sender's address), an expiry less than a year ahead, the languages and
    the canonical address, as plain text without logging in."""
    with frozen_time(datetime(2026, 11, 29, 8, 30, tzinfo=UTC)):
        response = client.get("/.well-known/security.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())
    assert fields == {"Contact": "mailto:helpdesk@federation.example.test", "Expires": "2027-11-28T00:00:00Z",
                      "Preferred-Languages": "fr, en",
                      "Canonical": "https://helpdesk.example.test/.well-known/security.txt"}


@pytest.mark.parametrize("configured, published", [
    ("securite@federation.example.test", "mailto:securite@federation.example.test"),
    ("https://federation.example.test/securite", "https://federation.example.test/securite"),
])
def test_security_txt_publishes_the_configured_contact_and_no_canonical_address_without_https(
        app, client, configured, published):
    app.config.update(SECURITY_CONTACT=configured, BASE_URL="http://127.0.0.1:5000")
    text = client.get("/.well-known/security.txt").get_data(as_text=True)
    assert f"Contact: {published}\n" in text and "Canonical" not in text
