"""Accounts over HTTP: login, logout, deactivation, password change, redirects, session fixation."""
import re

import pytest
from sqlalchemy import func, select

from helpdesk.auth.services import load_user, set_active
from helpdesk.extensions import db
from helpdesk.mail.sender import build_message
from helpdesk.models import Event
from helpdesk.tickets import services
from tests import factories
from tests.mail.helpers import outbox

REFUSED = "adresse e-mail ou mot de passe incorrect, ou compte désactivé."  # after « Erreur : »


def _post_login(client, email, password=factories.PASSWORD, next_url=None):
    """Submit the login form."""
    url = "/connexion" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def _is_logged_in(client) -> bool:
    """Whether the client's session opens a page reserved to logged-in users."""
    return client.get("/compte/mot-de-passe").status_code == 200


@pytest.fixture
def second_client(app):
    """Another browser, for sessions running side by side."""
    return app.test_client()


def test_login_opens_a_session_and_greets_the_user(client, world):
    response = _post_login(client, world.member.email)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "bienvenue, Alice." in page
    assert "Questions de la structure Chantier des Tests" in page
    assert world.member.last_login_at is not None


@pytest.mark.parametrize("email, password", [
    ("membre@exemple.test", "mauvais-mot-de-passe"),
    ("inconnu@exemple.test", factories.PASSWORD),
])
def test_wrong_password_and_unknown_email_get_the_same_message(client, world, email, password):
    response = _post_login(client, email, password)
    assert response.status_code == 200
    assert REFUSED in response.get_data(as_text=True)
    assert not _is_logged_in(client)


def test_failed_login_is_recorded_for_known_accounts(client, world):
    _post_login(client, world.member.email, "mauvais-mot-de-passe")
    assert db.session.query(Event).filter_by(kind="login_failed", actor_id=world.member.id).count() == 1


def test_login_ignores_email_case(client, world):
    assert _post_login(client, "  MEMBRE@Exemple.TEST ").status_code == 302
    assert _is_logged_in(client)


def test_empty_login_form_gets_french_messages(client, world):
    page = client.post("/connexion", data={}).get_data(as_text=True)
    assert "Indiquez votre adresse e-mail." in page and "Indiquez votre mot de passe." in page


def test_logged_in_user_visiting_login_is_sent_home(client, world, login):
    login(world.member)
    assert client.get("/connexion").headers["Location"] == "/"


def test_deactivated_user_cannot_log_in(client, world):
    set_active(world.member, False, world.admin)
    response = _post_login(client, world.member.email)
    assert REFUSED in response.get_data(as_text=True)
    assert not _is_logged_in(client)


def test_deactivation_ends_an_open_session_on_the_next_request(client, world, login):
    login(world.member)
    assert _is_logged_in(client)
    set_active(world.member, False, world.admin)
    response = client.get("/questions/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")


def test_reactivated_user_can_log_in_again(client, world):
    set_active(world.member, False, world.admin)
    set_active(world.member, True, world.admin)
    assert _post_login(client, world.member.email).status_code == 302


def test_logout_requires_post(client, world, login):
    login(world.member)
    assert client.get("/deconnexion").status_code == 405
    assert _is_logged_in(client)
    response = client.post("/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté(e) sur tous vos appareils." in response.get_data(as_text=True)
    assert not _is_logged_in(client)


def test_logout_has_the_browser_drop_its_cached_pages(client, world, login):
    """Logging out asks the browser to clear this site's cache, so no page or chart of the session is shown again."""
    login(world.member)
    assert client.post("/deconnexion").headers["Clear-Site-Data"] == '"cache"'


def test_a_session_cookie_copied_before_logout_is_dead_afterwards(app, client, world, login):
    login(world.member)
    copied = client.get_cookie("session").value
    assert client.post("/deconnexion").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    response = replay.get("/compte/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")


def test_logout_ends_the_users_sessions_on_other_devices_only(app, client, second_client, world, login):
    login(world.member)
    assert _post_login(second_client, world.member.email).status_code == 302
    colleague = app.test_client()
    assert _post_login(colleague, world.colleague.email).status_code == 302
    token_before = world.member.session_token
    second_client.post("/deconnexion")
    assert not _is_logged_in(second_client)
    assert not _is_logged_in(client), "the same user's other session ends too"
    assert _is_logged_in(colleague), "another user's session is untouched"
    db.session.refresh(world.member)
    assert world.member.session_token != token_before
    assert _post_login(client, world.member.email).status_code == 302, "logging in again works"
    assert _is_logged_in(client)


def test_the_login_page_after_a_logout_in_this_browser_alone_has_the_drafts_forgotten(
        app, client, second_client, world, login):
    login(world.member)
    assert _post_login(second_client, world.member.email).status_code == 302
    second_client.post("/deconnexion")
    assert "data-clear-drafts" not in client.get("/compte/", follow_redirects=True).get_data(as_text=True), \
        "a session ended from another device keeps this browser's drafts, to be sent after logging in again"
    login(world.member)
    after_logout = client.post("/deconnexion", follow_redirects=True).get_data(as_text=True)
    assert "data-clear-drafts" in after_logout
    assert "data-clear-drafts" not in client.get("/connexion").get_data(as_text=True), "said once"


def test_logout_without_a_session_changes_nothing(client, world):
    token_before = world.member.session_token
    response = client.post("/deconnexion", follow_redirects=True)
    assert "Vous êtes déconnecté(e)" in response.get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.session_token == token_before
    assert db.session.query(Event).filter_by(kind="logout").count() == 0


def _change_password(client, current, new, confirm=None):
    """Submit the password form."""
    return client.post("/compte/mot-de-passe",
                       data={"current": current, "new": new, "confirm": new if confirm is None else confirm})


def test_password_change_ends_other_sessions_but_keeps_this_one(client, second_client, world, login):
    login(world.member)
    assert _post_login(second_client, world.member.email).status_code == 302
    assert _is_logged_in(second_client)

    response = _change_password(client, factories.PASSWORD, "un-nouveau-mot-de-passe")
    assert response.status_code == 302
    assert _is_logged_in(client)
    assert not _is_logged_in(second_client)

    client.post("/deconnexion")
    assert REFUSED in _post_login(client, world.member.email).get_data(as_text=True)
    assert _post_login(client, world.member.email, "un-nouveau-mot-de-passe").status_code == 302


@pytest.mark.parametrize("current, new, confirm, message", [
    ("pas-le-bon-mot-de-passe", "un-nouveau-mot-de-passe", None, "Le mot de passe actuel est incorrect."),
    (factories.PASSWORD, "court", None, "12 caractères au minimum (votre texte en compte 5)."),
    (factories.PASSWORD, "cheval agrafe batterie " * 9, None, "200 caractères au maximum (votre texte en compte 207)."),
    (factories.PASSWORD, "un-nouveau-mot-de-passe", "un-autre-mot-de-passe", "ne sont pas identiques"),
    (factories.PASSWORD, factories.PASSWORD, None, "Le nouveau mot de passe doit être différent de l&#39;actuel."),
])
def test_password_change_refused_leaves_the_password_unchanged(client, world, login, current, new, confirm, message):
    login(world.member)
    hash_before = world.member.password_hash
    response = _change_password(client, current, new, confirm)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and message in text and "rien n'a été enregistré. Voyez l'erreur" in text
    db.session.refresh(world.member)
    assert world.member.password_hash == hash_before


@pytest.mark.parametrize("current, new, field, message", [
    ("pas-le-bon-mot-de-passe", "un-nouveau-mot-de-passe", "current", "Le mot de passe actuel est incorrect."),
    (factories.PASSWORD, factories.PASSWORD, "new", "Le nouveau mot de passe doit être différent de l&#39;actuel."),
    (factories.PASSWORD, "motdepasse123", "new", "trop courant"),
])
def test_a_refused_password_change_says_so_under_the_field_at_fault(client, world, login, current, new, field, message):
    """The service's refusal stands under the field it concerns (the banner links to it), not only at the top."""
    login(world.member)
    page = _change_password(client, current, new).get_data(as_text=True)
    under = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert under and message in under.group(1)
    assert f'href="#{field}"' in page and "rien n'a été enregistré" in page


def test_too_long_password_gets_the_maximum_message_not_the_minimum(client, world, login):
    login(world.member)
    page = _change_password(client, factories.PASSWORD, "x" * 201).get_data(as_text=True)
    assert "200 caractères au maximum (votre texte en compte 201)." in page and "au minimum" not in page


def test_password_of_exactly_the_maximum_length_is_accepted(client, world, login):
    login(world.member)
    password = ("cheval agrafe batterie " * 9)[:200]
    assert _change_password(client, factories.PASSWORD, password).status_code == 302
    db.session.refresh(world.member)
    assert world.member.check_password(password)


def test_too_long_password_at_login_gets_the_maximum_message(client, world):
    page = _post_login(client, world.member.email, "x" * 201).get_data(as_text=True)
    assert "200 caractères au maximum (votre texte en compte 201)." in page
    assert not _is_logged_in(client)


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example/", "/%09/evil.example", "/\\evil.example", "javascript:alert(1)",
])
def test_login_never_redirects_off_site(client, world, target):
    response = _post_login(client, world.member.email, next_url=target)
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next_page(client, world):
    anonymous = client.get("/questions/")
    assert anonymous.headers["Location"] == "/connexion?next=%2Fquestions%2F"
    response = _post_login(client, world.member.email, next_url="/questions/?etat=closes")
    assert response.headers["Location"] == "/questions/?etat=closes"


def test_login_starts_a_fresh_session(client, world):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _post_login(client, world.member.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{world.member.id}:")


def test_forged_session_identifier_is_anonymous(client, world):
    with client.session_transaction() as session:
        session["_user_id"] = f"{world.member.id}:not-the-token"
        session["_fresh"] = True
    assert not _is_logged_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = "abc"
    assert not _is_logged_in(client)


def test_session_identifier_holds_the_current_token_only(world):
    assert load_user(world.member.get_id()) is world.member
    assert load_user(f"{world.member.id}:not-the-token") is None
    assert load_user("abc:def") is None
    assert load_user("987654:x") is None
    set_active(world.member, False, world.admin)
    assert load_user(world.member.get_id()) is None


def test_user_corrects_their_own_name_from_the_account_page(client, login, world):
    login(world.member)
    assert 'action="/compte/nom"' in client.get("/compte/").get_data(as_text=True)
    text = client.post("/compte/nom", data={"name": "  Alice Membre-Durand "},
                       follow_redirects=True).get_data(as_text=True)
    assert "votre nom « Alice Membre-Durand » est enregistré." in text
    db.session.refresh(world.member)
    assert world.member.name == "Alice Membre-Durand"
    event = db.session.scalars(select(Event).where(Event.kind == "user_updated")).one()
    assert (event.actor, event.data) == (world.member, {"user_id": world.member.id, "changed": ["name"]})


def test_a_name_stays_on_one_line_so_that_it_cannot_write_lines_of_its_own_in_mails(client, login, world):
    """A name typed with line breaks (posted by hand: the field has one line) would otherwise put text of the member's
    choosing on lines of its own in the plain-text mails that name them, such as those to the jurist."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    login(world.member)
    client.post("/compte/nom", data={"name": "Alice\r\n\r\nVotre mot de passe expire : https://evil.example\r\n"})
    db.session.refresh(world.member)
    assert world.member.name == "Alice Votre mot de passe expire : https://evil.example"
    services.add_message(ticket, world.member, "Une précision.")
    [row] = outbox(kind="member_replied")
    text = build_message(row).get_body(preferencelist=("plain",)).get_content()
    assert "Alice Votre mot de passe expire" in text
    assert not any(line.startswith("Votre mot de passe expire") for line in text.splitlines())


@pytest.mark.parametrize(("name", "error"), [
    ("   ", "Indiquez votre nom."), ("x" * 121, "120 caractères au maximum (votre texte en compte 121).")])
def test_refused_name_comes_back_in_the_field_and_changes_nothing(client, login, world, name, error):
    login(world.jurist)
    response = client.post("/compte/nom", data={"name": name})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and error in text and "rien n'a été enregistré" in text
    db.session.refresh(world.jurist)
    assert world.jurist.name == "Denis Juriste"


def test_same_name_again_records_nothing(client, login, world):
    login(world.member)
    text = client.post("/compte/nom", data={"name": "Alice Membre"}, follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash flash-info">Votre nom n&#39;a pas changé.</p>' in text
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "user_updated")) == 0


def _autocomplete(page: str, name: str) -> str | None:
    """The autocomplete attribute of the input named `name` on a page."""
    box = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    found = re.search(r'autocomplete="([^"]*)"', box)
    return found.group(1) if found else None


def test_password_managers_fill_the_login_and_offer_a_new_password_where_one_is_chosen(client, world, login):
    """The password boxes said nothing of their purpose: a browser's password manager could fill the old password in
    « Nouveau mot de passe », and offered no strong one. Login and current boxes say current-password, new ones
    new-password (WCAG 1.3.5)."""
    page = client.get("/connexion").get_data(as_text=True)
    assert _autocomplete(page, "email") == "username" and _autocomplete(page, "password") == "current-password"
    assert _autocomplete(client.get("/mot-de-passe-oublie").get_data(as_text=True), "email") == "username"
    login(world.member)
    page = client.get("/compte/mot-de-passe").get_data(as_text=True)
    assert [_autocomplete(page, name) for name in ("current", "new", "confirm")] == [
        "current-password", "new-password", "new-password"]
