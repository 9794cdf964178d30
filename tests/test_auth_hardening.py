"""Authentication hardening: rate limits, progressive lock-out, password policy, cookies, idle timeout."""
from datetime import timedelta

import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

import helpdesk.config
from helpdesk.auth.services import check_password_strength, common_passwords
from helpdesk.auth.throttling import DEVICE_COOKIE, LOCKED_MESSAGE, rate_limit
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.flash import services
from helpdesk.models import AuthThrottle, Event, OutboxEmail, Ticket, User
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.templating import after_colon
from tests import factories

REFUSED = "adresse e-mail ou mot de passe incorrect, ou compte désactivé."  # after « Erreur : »


def post_login(client, email, password=factories.PASSWORD, address="192.0.2.10"):
    """Submit the login form from a given client address."""
    return client.post("/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def logged_in(client, address="192.0.2.10") -> bool:
    """Whether the client's session opens a page reserved to logged-in users, from the address it logged in from."""
    return client.get("/compte/mot-de-passe", environ_base={"REMOTE_ADDR": address}).status_code == 200


def set_cookie(response, name: str) -> str:
    """The response's Set-Cookie header for this cookie."""
    return next(header for header in response.headers.getlist("Set-Cookie") if header.startswith(f"{name}="))


def fail(client, email, times, address="192.0.2.10"):
    """Several wrong passwords."""
    for _ in range(times):
        post_login(client, email, "pas-le-bon-mot-de-passe", address)


# --- rate limit (Flask-Limiter) -----------------------------------------------------------------------------

def test_login_posts_beyond_the_rate_get_a_french_429_page(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for number in range(3):
        assert post_login(client, f"inconnu{number}@exemple.test").status_code == 200
    response = post_login(client, world.member.email)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert not logged_in(client)
    assert client.get("/connexion").status_code == 200  # reading the form is not limited


def test_successful_logins_do_not_use_up_the_rate_of_an_office_sharing_one_address(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(4):
        assert post_login(client, world.member.email).status_code == 302
        client.post("/deconnexion")
    fail(client, "inconnu@exemple.test", 2)
    assert post_login(client, world.member.email).status_code == 429


def test_rate_limit_counts_each_address_separately(app, client, world):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    fail(client, "inconnu@exemple.test", 2, address="192.0.2.1")
    assert post_login(client, world.member.email, address="192.0.2.2").status_code == 302


def test_rate_limit_counts_an_ipv6_network_not_each_of_its_addresses(app, client, world):
    """A machine routinely holds a whole IPv6 /64: changing address within it must not give it a fresh rate."""
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for number in range(2):
        post_login(client, f"inconnu{number}@exemple.test", "mauvais-mot-de-passe", address=f"2001:db8:5:6::{number + 1}")
    assert post_login(client, world.member.email, address="2001:db8:5:6:abcd::9").status_code == 429
    assert post_login(client, world.member.email, address="2001:db8:5:7::1").status_code == 302


def test_rate_limit_decorator_serves_other_views(app, client):
    app.config["PASSWORD_RESET_RATE_LIMIT"] = "2 per minute"

    @rate_limit("PASSWORD_RESET_RATE_LIMIT")
    def forgotten():
        """A stand-in for the password-reset view."""
        return "ok"

    app.add_url_rule("/essai-oubli", "forgotten", forgotten, methods=["GET", "POST"])
    assert [client.post("/essai-oubli").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/essai-oubli").status_code == 200


def test_limiter_storage_is_configurable(app):
    from helpdesk.extensions import limiter

    assert helpdesk.config.RATELIMIT_STORAGE_URI == "memory://"
    assert type(limiter.storage).__name__ == "MemoryStorage"


# --- progressive lock-out (database) ------------------------------------------------------------------------

def test_account_is_locked_after_the_limit_even_for_the_right_password(app, client, world):
    fail(client, world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"])
    response = post_login(client, world.member.email, address="198.51.100.7")
    assert response.status_code == 429
    assert after_colon(str(LOCKED_MESSAGE)) in response.get_data(as_text=True)
    assert not logged_in(client)


def test_locked_account_is_unlocked_after_the_delay_then_locked_longer(app, client, world):
    fail(client, world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"])
    start = utcnow()
    with frozen_time(start + timedelta(seconds=app.config["LOCKOUT_SECONDS"] + 1)):
        fail(client, world.member.email, 1)  # one more failure: locked twice as long
    with frozen_time(start + timedelta(seconds=app.config["LOCKOUT_SECONDS"] * 2 + 2)):
        assert post_login(client, world.member.email).status_code == 429
    with frozen_time(start + timedelta(seconds=app.config["LOCKOUT_SECONDS"] * 3 + 2)):
        assert post_login(client, world.member.email).status_code == 302


def test_unknown_account_is_locked_the_same_way_and_the_message_reveals_nothing(app, client, world):
    fail(client, "personne@exemple.test", app.config["LOCKOUT_ACCOUNT_FAILURES"])
    fail(client, world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"], address="192.0.2.99")
    unknown = post_login(client, "personne@exemple.test").get_data(as_text=True)
    known = post_login(client, world.member.email).get_data(as_text=True)
    assert after_colon(str(LOCKED_MESSAGE)) in unknown and after_colon(str(LOCKED_MESSAGE)) in known


def test_an_address_trying_many_accounts_is_locked(app, client, world):
    app.config["LOCKOUT_ADDRESS_FAILURES"] = 4
    for number in range(4):
        post_login(client, f"cible{number}@exemple.test", "mauvais-mot-de-passe", address="203.0.113.5")
    assert post_login(client, world.member.email, address="203.0.113.5").status_code == 429
    assert post_login(client, world.member.email, address="203.0.113.6").status_code == 302


def test_an_ipv6_network_trying_many_accounts_is_locked_whatever_its_addresses(app, client, world):
    app.config["LOCKOUT_ADDRESS_FAILURES"] = 4
    for number in range(4):
        post_login(client, f"cible{number}@exemple.test", "mauvais-mot-de-passe", address=f"2001:db8:9:9::{number + 1}")
    locked = post_login(client, world.member.email, address="2001:db8:9:9:ffff:ffff:ffff:fffe")
    assert locked.status_code == 429 and after_colon(str(LOCKED_MESSAGE)) in locked.get_data(as_text=True)
    assert post_login(client, world.member.email, address="2001:db8:9:a::1").status_code == 302


def test_a_success_resets_the_accounts_failures(app, client, world):
    fail(client, world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"] - 1)
    assert post_login(client, world.member.email).status_code == 302
    client.post("/deconnexion")
    fail(client, world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"] - 1)
    assert post_login(client, world.member.email).status_code == 302


def test_old_failures_are_forgotten(app, client, world):
    fail(client, world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"] - 1)
    with frozen_time(utcnow() + timedelta(seconds=app.config["LOCKOUT_WINDOW_SECONDS"] + 1)):
        fail(client, world.member.email, 1)
        assert post_login(client, world.member.email).status_code == 302


# --- device cookies: someone guessing elsewhere does not lock the real user out --------------------------------

def device_of(app, user, address="192.0.2.20"):
    """A browser where `user` logged in once (it holds their device cookie), logged out since."""
    browser = app.test_client()
    assert post_login(browser, user.email, address=address).status_code == 302
    browser.post("/deconnexion")
    return browser


def lock_account_from_elsewhere(app, user):
    """An attacker's browser, without device cookie, locks the account with wrong passwords."""
    attacker = app.test_client()
    fail(attacker, user.email, app.config["LOCKOUT_ACCOUNT_FAILURES"], address="203.0.113.66")
    assert post_login(attacker, user.email, address="203.0.113.67").status_code == 429
    return attacker


def test_successful_login_leaves_a_signed_httponly_device_cookie_for_the_login_page(app, client, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD},
                           base_url="https://helpdesk.exemple.test")
    cookie = set_cookie(response, DEVICE_COOKIE)
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie and "Path=/connexion" in cookie
    assert "Max-Age=31536000" in cookie
    assert world.member.email not in cookie
    failed = post_login(client, world.member.email, "mauvais-mot-de-passe").headers.getlist("Set-Cookie")
    assert not any(header.startswith(f"{DEVICE_COOKIE}=") for header in failed), "a failure gives no device cookie"


@pytest.mark.parametrize("role", ["member", "jurist", "admin"])
def test_real_user_with_their_device_cookie_logs_in_while_an_attacker_locked_the_account(app, world, role):
    user = getattr(world, role)
    browser = device_of(app, user)
    attacker = lock_account_from_elsewhere(app, user)
    assert post_login(browser, user.email).status_code == 302
    assert logged_in(browser)
    assert post_login(attacker, user.email, address="203.0.113.68").status_code == 429, \
        "the account stays locked for browsers without its device cookie"


def test_device_cookie_of_another_account_does_not_lift_the_lock(app, world):
    browser = device_of(app, world.colleague)
    lock_account_from_elsewhere(app, world.member)
    assert post_login(browser, world.member.email).status_code == 429
    assert not logged_in(browser)


@pytest.mark.parametrize("tamper", ["flip", "unsigned", "other_key", "expired"])
def test_forged_altered_or_expired_device_cookie_does_not_lift_the_lock(app, world, tamper):
    browser = device_of(app, world.member)
    genuine = browser.get_cookie(DEVICE_COOKIE, path="/connexion").value
    payload = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="login-device").loads(genuine)
    days = app.config["DEVICE_COOKIE_DAYS"]

    class LongAgoSigner(TimestampSigner):
        """Signs as if the login had happened more than DEVICE_COOKIE_DAYS ago."""

        def get_timestamp(self):
            return super().get_timestamp() - (days + 1) * 86400

    forged = {
        "flip": genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB"),
        "unsigned": genuine.split(".")[0],
        "other_key": URLSafeTimedSerializer("une-autre-cle", salt="login-device").dumps(payload),
        "expired": URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="login-device",
                                          signer=LongAgoSigner).dumps(payload),
    }[tamper]
    browser.set_cookie(DEVICE_COOKIE, forged, path="/connexion")
    lock_account_from_elsewhere(app, world.member)
    assert post_login(browser, world.member.email).status_code == 429
    assert not logged_in(browser)


def test_failures_with_a_device_cookie_lock_that_device_only(app, world):
    browser = device_of(app, world.member)
    fail(browser, world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"])
    response = post_login(browser, world.member.email, address="192.0.2.21")
    assert response.status_code == 429 and after_colon(str(LOCKED_MESSAGE)) in response.get_data(as_text=True)
    other_browser = app.test_client()
    assert post_login(other_browser, world.member.email).status_code == 302, "the account itself is not locked"
    assert post_login(browser, world.member.email).status_code == 429, "another device's success does not free it"
    with frozen_time(utcnow() + timedelta(seconds=app.config["LOCKOUT_SECONDS"] + 1)):
        assert post_login(browser, world.member.email).status_code == 302


def test_address_lockout_applies_to_a_trusted_device_too(app, world):
    app.config["LOCKOUT_ADDRESS_FAILURES"] = 4
    browser = device_of(app, world.member, address="203.0.113.5")
    for number in range(4):
        post_login(app.test_client(), f"cible{number}@exemple.test", "mauvais-mot-de-passe", address="203.0.113.5")
    assert post_login(browser, world.member.email, address="203.0.113.5").status_code == 429


def test_lockout_table_keeps_no_email_or_address(app, client, world):
    fail(client, world.member.email, 2, address="192.0.2.44")
    stored = " ".join(row.key_hash for row in db.session.scalars(select(AuthThrottle)))
    assert stored and world.member.email not in stored and "192.0.2.44" not in stored


def test_failed_and_successful_logins_are_recorded_with_the_address(client, world):
    post_login(client, world.member.email, "mauvais-mot-de-passe", address="192.0.2.8")
    post_login(client, "inconnu@exemple.test", "mauvais-mot-de-passe", address="192.0.2.8")
    post_login(client, world.member.email, address="192.0.2.8")
    events = db.session.scalars(select(Event).where(Event.kind.in_(("login", "login_failed"))).order_by(Event.id)).all()
    assert [(event.kind, event.actor_id, event.data["address"]) for event in events] == [
        ("login_failed", world.member.id, "192.0.2.8"), ("login_failed", None, "192.0.2.8"),
        ("login", world.member.id, "192.0.2.8")]


# --- password policy ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "qwerty123456", "1qaz2wsx3edc", "MotDePasse123!", "azertyuiop12", "abcabcabcabc", "aaaaaaaaaaaaaaaa",
    "Bienvenue2026!!",
])
def test_common_or_predictable_passwords_are_refused(app, password):
    with pytest.raises(InvalidInput, match="trop courant"):
        check_password_strength(password)


@pytest.mark.parametrize("password", ["cheval-agrafe-batterie", "Le CDDI de Paul finit en mai", "mot-de-passe-de-test"])
def test_uncommon_passwords_of_twelve_characters_are_accepted(app, password):
    check_password_strength(password)


@pytest.mark.parametrize("password, message", [("x" * 11, "12 caractères au minimum"),
                                               ("x" * 201, "200 caractères au maximum")])
def test_passwords_outside_the_length_bounds_are_refused(app, password, message):
    with pytest.raises(InvalidInput, match=message):
        check_password_strength(password)


def test_common_password_list_is_vendored_with_its_source(app):
    assert len(common_passwords()) > 10_000 and "password" in common_passwords()
    assert "motdepasse" in common_passwords()


def test_password_change_form_refuses_a_common_password(client, world, login):
    login(world.member)
    response = client.post("/compte/mot-de-passe", data={
        "current": factories.PASSWORD, "new": "qwerty123456", "confirm": "qwerty123456"})
    assert "trop courant" in response.get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.check_password(factories.PASSWORD)


def test_password_change_refuses_the_accounts_own_email(client, world, login):
    """The member's email address was accepted as their new password (it is the login's other half)."""
    login(world.member)
    for password in (world.member.email, world.member.email.upper() + " 2026!"):
        response = client.post("/compte/mot-de-passe", data={
            "current": factories.PASSWORD, "new": password, "confirm": password})
        assert "ne doit pas reprendre l&#39;adresse e-mail du compte" in response.get_data(as_text=True), password
    db.session.refresh(world.member)
    assert world.member.check_password(factories.PASSWORD)


@pytest.mark.parametrize("password", ["membre.tremplin@exemple.fr", "Membre.Tremplin@exemple.fr 2026!",
                                      "membre.tremplin2026!"])
def test_password_repeating_the_email_is_refused_wherever_it_is_chosen(app, password):
    with pytest.raises(InvalidInput, match="adresse e-mail du compte"):
        check_password_strength(password, "Membre.Tremplin@exemple.fr")
    check_password_strength("cheval-agrafe-batterie", "membre.tremplin@exemple.fr")


def test_guessing_the_current_password_from_an_open_session_is_locked_out(app, client, world, login):
    login(world.member)
    new = {"new": "Une phrase de passe assez longue", "confirm": "Une phrase de passe assez longue"}
    for attempt in range(app.config["LOCKOUT_ACCOUNT_FAILURES"]):
        response = client.post("/compte/mot-de-passe", data={"current": f"essai numéro {attempt}", **new})
        assert "actuel est incorrect" in response.get_data(as_text=True)
    response = client.post("/compte/mot-de-passe", data={"current": factories.PASSWORD, **new})
    assert response.status_code == 429 and after_colon(str(LOCKED_MESSAGE)) in response.get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.check_password(factories.PASSWORD)
    assert post_login(app.test_client(), world.member.email, address="198.51.100.7").status_code == 302, \
        "the lock-out is the session's: it does not lock the account's owner out of logging in"
    with frozen_time(utcnow() + timedelta(seconds=app.config["LOCKOUT_SECONDS"] + 1)):
        assert client.post("/compte/mot-de-passe", data={"current": factories.PASSWORD, **new}).status_code == 302
    db.session.refresh(world.member)
    assert world.member.check_password(new["new"])


# --- session cookie and lifetime ----------------------------------------------------------------------------

def test_session_cookie_is_httponly_samesite_lax_and_secure_by_default(app, client, world):
    app.config["SESSION_COOKIE_SECURE"] = helpdesk.config.SESSION_COOKIE_SECURE
    response = client.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD},
                           base_url="https://helpdesk.exemple.test")
    cookie = set_cookie(response, "__Host-session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Path=/;" in cookie and "Domain" not in cookie, "the __Host- prefix needs both, or browsers drop it"


def test_a_session_cookie_planted_without_the_host_prefix_is_ignored(app, world):
    """A neighbouring subdomain can set a « session » cookie for the whole domain (an attacker's own logged-in
    session, where the victim would then file questions): only the __Host- one, which it cannot set, counts."""
    app.config["SESSION_COOKIE_SECURE"] = True
    attacker, victim = app.test_client(), app.test_client()
    assert post_login(attacker, world.colleague.email, address="127.0.0.1").status_code == 302
    planted = attacker.get_cookie("__Host-session", domain="localhost").value
    assert attacker.get("/compte/", base_url="https://localhost").status_code == 200
    victim.set_cookie("session", planted, domain="localhost")
    assert victim.get("/compte/", base_url="https://localhost").status_code == 302, "the planted session is ignored"
    victim.set_cookie("__Host-session", planted, domain="localhost")
    assert victim.get("/compte/", base_url="https://localhost").status_code == 200, "the genuine name still works"


def test_development_server_runs_without_secure_cookies():
    makefile = (helpdesk.ROOT / "Makefile").read_text()
    assert "HELPDESK_SESSION_COOKIE_SECURE=false" in makefile


SESSION_MOVED = "elle était utilisée depuis un autre navigateur que celui de la connexion"


def copied_session(app, client, address: str, user_agent: str):
    """Another browser holding a copy of the client's session cookie, sending requests from `address` with
    `user_agent`: a cookie read from a shared computer, a proxy log or a browser extension."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"],
                     client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="localhost").value, domain="localhost")
    thief.environ_base.update({"REMOTE_ADDR": address, "HTTP_USER_AGENT": user_agent})
    return thief


def network_changes(user) -> list[str]:
    """The addresses of the user's journalled network changes, oldest first."""
    db.session.expire_all()
    events = db.session.scalars(select(Event).where(Event.kind == "session_network_changed", Event.actor_id == user.id)
                                .order_by(Event.id))
    return [event.data["address"] for event in events]


@pytest.mark.parametrize("address", ["198.51.100.23", "192.0.2.10"], ids=["other network", "same network"])
def test_a_session_cookie_copied_to_another_browser_is_logged_out(app, client, world, address):
    """« Strong » session protection: a copied session cookie sent from another browser than the one that logged in
    opens nothing and asks to log in again; the owner's browser stays logged in."""
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140.0"})
    assert post_login(client, world.member.email).status_code == 302
    thief = copied_session(app, client, address, "curl/8.5.0")
    response = thief.get("/questions/")
    assert response.status_code == 302 and response.headers["Location"] == "/connexion?next=/questions/"
    assert SESSION_MOVED in thief.get(response.headers["Location"]).get_data(as_text=True)
    assert thief.get("/compte/").status_code == 302
    assert client.get("/compte/").status_code == 200, "the owner's browser keeps its session"
    assert network_changes(world.member) == []


def test_a_session_moving_to_another_network_goes_on_and_each_move_is_journalled(app, client, world):
    """A phone moving from the office's Wi-Fi to 4G and back keeps its session; the journal shows each move, once,
    with the address it came from (an admin reads who used a session from where)."""
    client.environ_base.update({"HTTP_USER_AGENT": "Firefox/140.0"})
    assert post_login(client, world.member.email, address="192.0.2.10").status_code == 302
    assert client.get("/compte/", environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 200
    assert network_changes(world.member) == []
    for address in ("198.51.100.23", "198.51.100.23", "192.0.2.10"):
        assert client.get("/compte/", environ_base={"REMOTE_ADDR": address}).status_code == 200
    assert network_changes(world.member) == ["198.51.100.23", "192.0.2.10"]


def test_the_journal_names_a_network_change(app, client, world, login):
    login(world.member)
    assert client.get("/compte/", environ_base={"REMOTE_ADDR": "198.51.100.23"}).status_code == 200
    admin = app.test_client()
    post_login(admin, world.admin.email)
    page = admin.get("/admin/journal/").get_data(as_text=True)
    assert "Session utilisée depuis un autre réseau" in page and "198.51.100.23" in page


def test_a_copied_session_cookie_dies_with_the_owners_logout_or_new_password(app, client, world, login):
    """What holds back a cookie copied with the browser's User-Agent from another network: the move is journalled,
    and the owner's logout (every device) or new password ends the copy, whose generation is then stale."""
    client.environ_base.update({"HTTP_USER_AGENT": "Firefox/140.0"})
    assert post_login(client, world.member.email).status_code == 302
    thief = copied_session(app, client, "198.51.100.23", "Firefox/140.0")
    assert thief.get("/compte/").status_code == 200
    assert network_changes(world.member) == ["198.51.100.23"]
    assert client.post("/deconnexion").status_code == 302
    assert thief.get("/compte/").status_code == 302
    assert post_login(client, world.member.email).status_code == 302
    thief = copied_session(app, client, "198.51.100.23", "Firefox/140.0")
    assert thief.get("/compte/").status_code == 200
    new_password = "Une-autre-phrase-secrete-2026"
    changed = client.post("/compte/mot-de-passe", data={"current": factories.PASSWORD, "new": new_password,
                                                          "confirm": new_password})
    assert changed.status_code == 302 and client.get("/compte/").status_code == 200
    assert thief.get("/compte/").status_code == 302


def test_a_session_follows_an_ipv6_client_within_its_network(app, client, world):
    """An IPv6 system changes its address within its /64 network every day or so: not a move; another /64 is one,
    journalled, the session going on."""
    client.environ_base.update({"REMOTE_ADDR": "2001:db8:1:2::10"})
    assert post_login(client, world.member.email, address="2001:db8:1:2::10").status_code == 302
    assert client.get("/compte/", environ_base={"REMOTE_ADDR": "2001:db8:1:2:a8f3::77"}).status_code == 200
    assert network_changes(world.member) == []
    assert client.get("/compte/", environ_base={"REMOTE_ADDR": "2001:db8:1:3::10"}).status_code == 200
    assert network_changes(world.member) == ["2001:db8:1:3::10"]


ACCOUNTS_FROM_LOGIN_NETWORK = "reconnectez-vous pour créer, modifier, inviter, réactiver ou importer des comptes"


def test_a_copied_admin_session_cannot_plant_an_account_from_another_network(app, client, world):
    """An admin's session cookie copied with the User-Agent reads from elsewhere until the owner logs out; creating an
    account for its holder, or giving an address, a role or a reactivation to one, outlives that logout: from
    another network than the login's these are refused, the copied session ended and nothing changed."""
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140.0"})
    assert post_login(client, world.admin.email).status_code == 302
    world.outsider.active = False
    db.session.commit()
    planted = {"email": "intrus@exemple.test", "name": "Intrus", "role": "admin", "structure": "0", "invite": "y"}
    attempts = [("/admin/utilisateurs/nouveau", planted, "/admin/utilisateurs/nouveau"),
                (f"/admin/utilisateurs/{world.member.id}/modifier",
                 {"email": "intrus@exemple.test", "name": world.member.name, "role": "admin", "structure": "0"},
                 f"/admin/utilisateurs/{world.member.id}/modifier"),
                (f"/admin/utilisateurs/{world.outsider.id}/activation", {}, "/admin/utilisateurs"),
                (f"/admin/utilisateurs/{world.member.id}/invitation", {}, "/admin/utilisateurs"),
                ("/admin/import/confirmer", {"token": "x"}, "/admin/utilisateurs")]
    for path, data, back in attempts:
        thief = copied_session(app, client, "198.51.100.23", "Firefox/140.0")
        assert thief.get("/admin/utilisateurs").status_code == 200, "reading goes on, journalled"
        response = thief.post(path, data=data)
        assert response.status_code == 302 and response.headers["Location"] == f"/connexion?next={back}", path
        assert ACCOUNTS_FROM_LOGIN_NETWORK in thief.get(response.headers["Location"]).get_data(as_text=True)
        assert thief.get("/admin/utilisateurs").status_code == 302, "the copied session ended"
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "intrus@exemple.test")) is None
    assert world.member.role == "member" and not world.outsider.active
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.to_address == world.member.email)) is None
    assert client.get("/admin/utilisateurs").status_code == 200, "the admin's own browser keeps its session"


def test_an_admin_who_moved_logs_in_again_and_creates_the_account_and_deactivates_from_anywhere(app, client, world):
    """The admin on the move (Wi-Fi to 4G) is asked to log in again, once, then creates the account from there; a
    deactivation, which protects, needs no new login."""
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140.0"})
    assert post_login(client, world.admin.email).status_code == 302
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert client.post(f"/admin/utilisateurs/{world.outsider.id}/activation").status_code == 302
    db.session.refresh(world.outsider)
    assert not world.outsider.active
    account = {"email": "nouveau@exemple.test", "name": "Nouveau Membre", "role": "member",
               "structure": str(world.structure.id), "invite": "y"}
    response = client.post("/admin/utilisateurs/nouveau", data=account)
    assert response.headers["Location"] == "/connexion?next=/admin/utilisateurs/nouveau"
    assert db.session.scalar(select(User).where(User.email == "nouveau@exemple.test")) is None
    back = client.post("/connexion?next=/admin/utilisateurs/nouveau",
                       data={"email": world.admin.email, "password": factories.PASSWORD})
    assert back.headers["Location"] == "/admin/utilisateurs/nouveau"
    assert client.post("/admin/utilisateurs/nouveau", data=account).status_code == 302
    assert db.session.scalar(select(User).where(User.email == "nouveau@exemple.test")) is not None


def test_a_copied_jurist_session_cannot_mail_a_flash_info_from_another_network(app, client, world):
    """A jurist's session cookie copied with the User-Agent would mail its holder's words to every member in the help
    desk's name, which no logout takes back: publishing a bulletin from another network than the login's ends the
    copied session and publishes nothing; the jurist who moved logs in again and publishes."""
    services.set_subscriptions(world.member, [world.theme.id])
    bulletin = services.save_bulletin(None, {"title": "Votre mot de passe expire", "summary": "Cliquez ici.",
                                             "body": "[Renouveler](https://exemple.test/)", "themes": [world.theme.slug]},
                                      services.Audience(), world.jurist)
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140.0"})
    assert post_login(client, world.jurist.email).status_code == 302
    preview = f"/flash/{bulletin.slug}/apercu"
    thief = copied_session(app, client, "198.51.100.23", "Firefox/140.0")
    assert thief.get(preview).status_code == 200, "reading goes on, journalled"
    response = thief.post(f"/flash/{bulletin.slug}/publier")
    assert response.status_code == 302 and response.headers["Location"] == f"/connexion?next={preview}"
    assert "reconnectez-vous pour publier ce flash info" in thief.get(response.headers["Location"]).get_data(as_text=True)
    assert thief.get(preview).status_code == 302, "the copied session ended"
    db.session.expire_all()
    assert bulletin.status == "draft" and services.send_pending() == 0
    assert client.get(preview).status_code == 200, "the jurist's own browser keeps its session"
    client.environ_base["REMOTE_ADDR"] = "198.51.100.99"  # the jurist moved, from Wi-Fi to 4G
    assert client.post(f"/flash/{bulletin.slug}/publier").headers["Location"] == f"/connexion?next={preview}"
    back = client.post(f"/connexion?next={preview}", data={"email": world.jurist.email, "password": factories.PASSWORD})
    assert back.headers["Location"] == preview
    assert client.post(f"/flash/{bulletin.slug}/publier").headers["Location"] == preview
    db.session.expire_all()
    assert bulletin.status == "published" and services.send_pending() == 1


def test_a_copied_admin_session_cannot_delete_or_anonymise_from_another_network(app, client, world):
    """Deleting a question or anonymising an account or a structure cannot be undone: a copied admin session cookie
    would wipe the help desk from anywhere. From another network than the login's these end the copied session and
    change nothing; the admin who moved logs in again, comes back to the confirmation page and carries on."""
    ticket = factories.make_ticket(world.member)
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140.0"})
    assert post_login(client, world.admin.email).status_code == 302
    attempts = [f"/questions/{ticket.reference}/supprimer", f"/admin/utilisateurs/{world.outsider.id}/anonymiser",
                f"/admin/structures/{world.other_structure.id}/anonymiser"]
    for path in attempts:
        thief = copied_session(app, client, "198.51.100.23", "Firefox/140.0")
        assert thief.get(path).status_code == 200, "the confirmation page still shows, journalled"
        response = thief.post(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/connexion?next={path}", path
        page = thief.get(response.headers["Location"]).get_data(as_text=True)
        assert "reconnectez-vous pour supprimer ou anonymiser des données, ce qui ne se défait pas" in page
        assert thief.get(path).status_code == 302, "the copied session ended"
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id) is not None
    assert world.outsider.anonymised_at is None and world.other_structure.anonymised_at is None
    client.environ_base["REMOTE_ADDR"] = "198.51.100.99"  # the admin moved, from Wi-Fi to 4G
    path = attempts[0]
    assert client.post(path).headers["Location"] == f"/connexion?next={path}"
    back = client.post(f"/connexion?next={path}", data={"email": world.admin.email, "password": factories.PASSWORD})
    assert back.headers["Location"] == path
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id) is None


def test_basic_session_protection_lets_a_session_change_browser(app, client, world):
    """SESSION_PROTECTION = "basic" (Flask-Login's setting) keeps a session whose User-Agent changes (a deployment
    accepting copied cookies as the price)."""
    app.config["SESSION_PROTECTION"] = "basic"
    assert post_login(client, world.member.email).status_code == 302
    assert copied_session(app, client, "198.51.100.23", "Werkzeug/3").get("/compte/").status_code == 200


def test_idle_session_is_ended_and_asks_to_log_in_again(app, client, world, login):
    login(world.member)
    start = utcnow()
    with frozen_time(start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)):
        assert client.get("/questions/").status_code == 200
    with frozen_time(start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] * 2 - 2)):
        assert client.get("/questions/").status_code == 200  # each request counts as activity
    with frozen_time(start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] * 3)):
        response = client.get("/questions/?etat=closes")
        assert response.status_code == 302
        assert response.headers["Location"] == "/connexion?next=/questions/?etat%3Dcloses"
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "session a expiré" in page
        assert not logged_in(client)


def test_after_an_idle_session_the_login_leads_back_to_the_address_with_its_final_question_mark(app, client, world,
                                                                                                  login):
    login(world.member)
    with frozen_time(utcnow() + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 5)):
        response = client.get("/ressources/?q=salaries?")
    assert response.headers["Location"] == "/connexion?next=/ressources/?q%3Dsalaries?"


KEPT = "Votre texte n&#39;a pas été envoyé, mais il est gardé dans ce navigateur"


def _question_after_idle(app, client, world, **extra):
    """Post a new question once the session has been idle too long."""
    data = {"subject": "Rupture anticipée d'un CDDI", "theme": world.theme.id, "priority": 1,
            "body": "Un salarié souhaite partir avant le terme de son CDDI : est-ce possible ?", **extra}
    with frozen_time(utcnow() + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 5)):
        return client.post("/questions/nouvelle", data=data)


def test_question_posted_after_idle_timeout_says_the_draft_is_kept_and_leads_back_to_the_form(app, client, world, login):
    login(world.member)
    response = _question_after_idle(app, client, world, draft_page="/questions/nouvelle")
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion?next=/questions/nouvelle"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "session a expiré" in page and KEPT in page and "Joignez de nouveau vos fichiers" in page
    assert db.session.scalars(select(Ticket)).all() == [], "nothing is filed"
    back = client.post(response.headers["Location"], data={"email": world.member.email, "password": factories.PASSWORD})
    assert back.headers["Location"] == "/questions/nouvelle"
    assert 'data-draft-key="%d.question-nouvelle"' % world.member.id in client.get("/questions/nouvelle").get_data(
        as_text=True)


def test_post_after_idle_timeout_without_a_kept_draft_promises_nothing(app, client, world, login):
    login(world.member)
    response = _question_after_idle(app, client, world)
    assert response.headers["Location"] == "/connexion"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "session a expiré" in page and KEPT not in page


def test_a_hostile_draft_page_never_leads_off_site(app, client, world, login):
    login(world.member)
    response = _question_after_idle(app, client, world, draft_page="//evil.example/")
    back = client.post(response.headers["Location"], data={"email": world.member.email, "password": factories.PASSWORD})
    assert back.headers["Location"] == "/"


def test_an_active_session_still_ends_once_its_lifetime_is_over(app, client, world, login):
    login(world.member)
    lifetime, idle = app.config["PERMANENT_SESSION_LIFETIME"], timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    start, step = utcnow(), idle - timedelta(minutes=1)
    moment = start
    while moment + step < start + lifetime:
        moment += step
        with frozen_time(moment):
            assert client.get("/questions/").status_code == 200, "a request before the idle delay keeps it alive"
    with frozen_time(start + lifetime + timedelta(minutes=1)):
        response = client.get("/questions/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")
        assert "une session dure 8 heures au plus" in client.get(response.headers["Location"]).get_data(as_text=True)
        assert not logged_in(client)


def test_failed_logins_from_elsewhere_do_not_stop_the_owner_changing_their_password(app, client, world, login):
    login(world.member)
    fail(app.test_client(), world.member.email, app.config["LOCKOUT_ACCOUNT_FAILURES"], address="203.0.113.9")
    assert post_login(app.test_client(), world.member.email, address="203.0.113.10").status_code == 429
    new = "Une phrase de passe assez longue"
    response = client.post("/compte/mot-de-passe", data={"current": factories.PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    db.session.refresh(world.member)
    assert world.member.check_password(new)


def test_session_without_login_stamp_is_not_trusted(client, world, login):
    login(world.member)
    with client.session_transaction() as session:
        session.pop("logged_in_at")
    assert not logged_in(client)


def test_session_without_activity_stamp_is_not_trusted(client, world, login):
    login(world.member)
    with client.session_transaction() as session:
        session.pop("last_seen")
    assert not logged_in(client)


def test_login_renews_the_session_and_drops_planted_values(client, world):
    with client.session_transaction() as session:
        session["planted"] = "par un attaquant"
        session["_user_id"] = "1:jeton-devine"
    post_login(client, world.member.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == world.member.get_id()


def test_app_factory_trusts_forwarded_headers_only_when_configured(app):
    assert not hasattr(app.wsgi_app, "x_for")
    from helpdesk import create_app
    proxied = create_app({**app.config, "PROXY_COUNT": 1})
    assert proxied.wsgi_app.x_for == 1
    assert isinstance(proxied, Flask)


def test_an_invited_account_without_a_password_refuses_every_login_as_slowly_as_a_wrong_password(
        app, client, world, monkeypatch):
    """An invited account has no password until its link sets one: no login opens it, and refusing it goes through
    the same slow hash as an unknown address or a wrong password, so timing does not tell pending invitations."""
    from helpdesk.auth import services
    invited = factories.make_user(email="invitee@exemple.test", password=None)
    assert not invited.has_password and not invited.check_password(invited.password_hash)
    slow_checks = []
    original = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda stored, password: slow_checks.append(stored) or original(stored, password))
    for password in ("x", invited.password_hash, factories.PASSWORD):
        assert REFUSED in post_login(client, invited.email, password).get_data(as_text=True)
        assert not logged_in(client)
    post_login(client, "personne@exemple.test", "n-importe-lequel")
    assert slow_checks == [services._TIMING_HASH] * 4, "each refusal costs one hash of the dummy password"


# --- notices of changes to the ways into an account -------------------------------------------------------------

def _security_notices(user) -> list:
    """The security notices mailed to `user`, oldest first."""
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "security_notice",
                                                             OutboxEmail.recipient_id == user.id)
                                   .order_by(OutboxEmail.id)))


def test_a_changed_password_is_told_to_the_account_owner_by_email(client, world, login):
    """Whoever changed it in the owner's stead (a phished password) is noticed: the mail says what to do."""
    login(world.member)
    new = "Une phrase de passe toute neuve"
    response = client.post("/compte/mot-de-passe", data={"current": factories.PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    (notice,) = _security_notices(world.member)
    assert notice.to_address == world.member.email and notice.subject == "Votre mot de passe a été changé"
    assert f"Le mot de passe de votre compte ({world.member.email}) a été changé le" in notice.text_body
    assert "/mot-de-passe-oublie" in notice.text_body and "Mot de passe oublié" in notice.html_body


def test_a_password_chosen_through_a_reset_link_is_told_but_not_the_first_one_of_an_invitation(client, world):
    from helpdesk.auth.passwords import make_password_link
    from helpdesk.auth.services import create_user
    new = {"new": "Une phrase de passe toute neuve", "confirm": "Une phrase de passe toute neuve"}
    invited = create_user("invitee@exemple.test", "Iris Invitée", None, "member", world.structure.id)
    invitation = make_password_link(invited, "invitation").removeprefix("https://helpdesk.example.test")
    assert client.post(invitation, data=new).status_code == 302
    assert _security_notices(invited) == [], "choosing one's first password changes nothing to tell"
    reset = make_password_link(world.member, "reset").removeprefix("https://helpdesk.example.test")
    assert client.post(reset, data=new).status_code == 302
    (notice,) = _security_notices(world.member)
    assert "a été changé le" in notice.text_body


def test_an_invitation_resent_to_an_account_with_a_password_is_told_when_it_replaces_it(client, world):
    """An invitation link that finds its account with a password (« Renvoyer une invitation » used to be offered to
    any active account) replaces it, a change its owner is told of like one made through a reset link."""
    from helpdesk.auth.passwords import make_password_link
    new = {"new": "Une phrase de passe toute neuve", "confirm": "Une phrase de passe toute neuve"}
    invitation = make_password_link(world.colleague, "invitation").removeprefix("https://helpdesk.example.test")
    assert client.post(invitation, data=new).status_code == 302
    (notice,) = _security_notices(world.colleague)
    assert notice.subject == "Votre mot de passe a été changé" and "a été changé le" in notice.text_body


def test_a_new_api_token_is_told_to_the_account_owner_by_email(client, world, login):
    login(world.member)
    page = client.post("/compte/jetons", data={"name": "Tableur de suivi", "scope": "read", "expires_in_days": "30",
                                               "password": factories.PASSWORD})
    assert 'id="new-token"' in page.get_data(as_text=True)
    (notice,) = _security_notices(world.member)
    assert notice.subject == "Un jeton d'accès à l'API a été créé sur votre compte"
    assert ("Un jeton d'accès à l'API nommé « Tableur de suivi » a été créé sur votre compte"
            in factories.plain_spaces(notice.text_body))
    assert "/compte/jetons" in notice.text_body and "révoquez-le" in notice.html_body
