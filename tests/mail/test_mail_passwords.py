"""Invitations and password resets by email: signed, expiring, single-use links."""
import re
import time
from datetime import timedelta

from sqlalchemy import select

from helpdesk.auth.passwords import make_password_link
from helpdesk.auth.services import create_user, find_user_by_email
from helpdesk.extensions import db
from helpdesk.mail.sender import send_pending
from helpdesk.models import OutboxEmail
from helpdesk.models._types import frozen_time, utcnow
from tests import factories
from tests.mail.helpers import link_in, outbox, page_text

NEW_PASSWORD = "un-mot-de-passe-tout-neuf"
SAME_ANSWER = "Si un compte actif correspond à cette adresse, un courriel vient de lui être envoyé"


def _invite(client, login, world, email="nouvelle@federation-exemple.fr"):
    """An admin creates an account with an invitation through the form."""
    login(world.admin)
    return client.post("/admin/utilisateurs/nouveau", data={
        "email": email, "name": "Nora Nouvelle", "role": "member", "structure": world.structure.id, "invite": "y",
    }, follow_redirects=True)


def test_invited_user_sets_a_password_from_the_mailed_link_then_logs_in(app, world, client, login, smtp):
    page = page_text(_invite(client, login, world))
    assert "compte créé pour nouvelle@federation-exemple.fr, invitation envoyée." in page
    mail = smtp.recorder.to("nouvelle@federation-exemple.fr")[0]
    assert mail["Subject"] == "Invitation au helpdesk juridique"
    assert "Fanny Admin vous invite" in mail.get_body(preferencelist=("plain",)).get_content()
    client.post("/deconnexion")
    link = link_in(mail)
    form = client.get(link)
    assert form.status_code == 200 and "Activer votre compte" in page_text(form)
    short = client.post(link, data={"new": "court", "confirm": "court"})
    assert "12 caractères au minimum (votre texte en compte 5)." in page_text(short)
    done = client.post(link, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "votre mot de passe est enregistré" in page_text(done)
    assert client.post("/connexion", data={"email": "nouvelle@federation-exemple.fr", "password": NEW_PASSWORD}).status_code == 302


def test_a_link_works_only_once(app, world, client, login, smtp):
    _invite(client, login, world)
    client.post("/deconnexion")
    link = link_in(smtp.recorder.to("nouvelle@federation-exemple.fr")[0])
    client.post(link, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.get(link)
    assert again.status_code == 400 and "Ce lien n'est plus valable. Il a déjà servi" in page_text(again)
    posted = client.post(link, data={"new": "encore-un-autre-mot-de-passe", "confirm": "encore-un-autre-mot-de-passe"})
    assert posted.status_code == 400
    user = find_user_by_email("nouvelle@federation-exemple.fr")
    assert user.check_password(NEW_PASSWORD)


def test_a_password_refused_through_a_link_says_so_under_the_field(app, world, client):
    """As on « Changer mon mot de passe »: a common password chosen through a link is refused under the field."""
    link = make_password_link(world.member, "reset").removeprefix("https://helpdesk.example.test")
    page = client.post(link, data={"new": "motdepasse123", "confirm": "motdepasse123"}).get_data(as_text=True)
    under = re.search(r'<p class="error" id="new-error">(.*?)</p>', page, re.S)
    assert under and "trop courant" in under.group(1)
    assert 'href="#new"' in page and "rien n'a été enregistré" in page


def test_expired_link_is_refused_with_a_clear_message(app, world, client):
    link = make_password_link(world.member, "reset").removeprefix("https://helpdesk.example.test")
    with frozen_time(utcnow() + timedelta(hours=3)):
        page = client.get(link)
    assert page.status_code == 400 and "Ce lien a expiré" in page_text(page)
    assert client.get(link).status_code == 200, "still valid within two hours"


def test_forged_or_truncated_link_is_refused(app, world, client):
    link = make_password_link(world.member, "reset").removeprefix("https://helpdesk.example.test")
    for bad in (link[:-3], "/mot-de-passe/nouveau/nimporte-quoi", link.replace("nouveau/", "nouveau/x")):
        page = client.get(bad)
        assert page.status_code == 400 and "Ce lien n'est pas valide" in page_text(page)


def test_admin_must_choose_invitation_or_password(app, world, client, login):
    login(world.admin)
    page = client.post("/admin/utilisateurs/nouveau", data={
        "email": "sans@federation-exemple.fr", "name": "Sans Rien", "role": "jurist", "structure": 0})
    assert "Choisissez un mot de passe initial, ou cochez l'envoi d'une invitation." in page_text(page)
    assert find_user_by_email("sans@federation-exemple.fr") is None


def test_admin_can_still_create_an_account_with_a_password_and_no_mail(app, world, client, login):
    login(world.admin)
    client.post("/admin/utilisateurs/nouveau", data={
        "email": "direct@federation-exemple.fr", "name": "Dina Direct", "role": "jurist", "structure": 0,
        "password": "mot-de-passe-initial"})
    assert find_user_by_email("direct@federation-exemple.fr").check_password("mot-de-passe-initial")
    assert outbox(to_address="direct@federation-exemple.fr") == []


def test_admin_resends_an_invitation(app, world, client, login):
    invited = create_user("invitee@exemple.test", "Ines Invitée", None, "member", world.structure.id)
    login(world.admin)
    page = client.post(f"/admin/utilisateurs/{invited.id}/invitation", follow_redirects=True)
    assert "invitation renvoyée à invitee@exemple.test." in page_text(page)
    assert [row.kind for row in outbox(to_address=invited.email)] == ["invitation", "invitation"]
    login(world.jurist)
    assert client.post(f"/admin/utilisateurs/{invited.id}/invitation").status_code == 403


def test_a_resent_invitation_retires_the_link_mailed_before(app, world, client, login, smtp):
    """Only the latest link works: an invitation mailed to a wrong or compromised inbox dies when the admin resends."""
    _invite(client, login, world)
    client.post(f"/admin/utilisateurs/{find_user_by_email('nouvelle@federation-exemple.fr').id}/invitation",
                follow_redirects=True)
    client.post("/deconnexion")
    first, latest = (link_in(mail) for mail in smtp.recorder.to("nouvelle@federation-exemple.fr"))
    assert first != latest
    refused = client.post(first, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 400 and "une invitation plus récente vous a été envoyée" in page_text(refused)
    assert not find_user_by_email("nouvelle@federation-exemple.fr").has_password
    done = client.post(latest, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "votre mot de passe est enregistré" in page_text(done)


def test_a_reset_request_by_anyone_retires_neither_the_reset_link_nor_the_invitation_mailed_before(app, world, client,
                                                                                                    login, smtp):
    """Anyone knowing the address can ask for a link: asking must not kill the one its owner is about to follow."""
    _invite(client, login, world)
    client.post("/deconnexion")
    for _request in range(2):
        client.post("/mot-de-passe-oublie", data={"email": "nouvelle@federation-exemple.fr"}, follow_redirects=True)
    invitation, first, latest = (link_in(mail) for mail in smtp.recorder.to("nouvelle@federation-exemple.fr"))
    for pending in (invitation, first, latest):
        assert client.get(pending).status_code == 200
    assert client.post(first, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert find_user_by_email("nouvelle@federation-exemple.fr").check_password(NEW_PASSWORD)
    client.post("/deconnexion")
    for used_or_retired in (first, latest, invitation):
        refused = client.post(used_or_retired, data={"new": "encore-un-autre-mot-de-passe",
                                                     "confirm": "encore-un-autre-mot-de-passe"})
        assert refused.status_code == 400 and "Ce lien n'est plus valable" in page_text(refused)
        # The refusal names what happened (a password chosen), never a newer reset link that retired nothing.
        assert "Il a déjà servi, un mot de passe a été choisi," in page_text(refused)
        assert "un lien plus récent" not in page_text(refused)
    assert find_user_by_email("nouvelle@federation-exemple.fr").check_password(NEW_PASSWORD)


def test_a_password_changed_in_the_account_retires_every_reset_link(app, world, client, login, smtp):
    for _request in range(2):
        client.post("/mot-de-passe-oublie", data={"email": world.member.email})
    links = [link_in(mail) for mail in smtp.recorder.to(world.member.email)]
    login(world.member)
    changed = client.post("/compte/mot-de-passe", data={"current": factories.PASSWORD, "new": NEW_PASSWORD,
                                                        "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    client.post("/deconnexion")
    for link in links:
        assert client.get(link).status_code == 400
    db.session.expire_all()
    assert world.member.check_password(NEW_PASSWORD)


def test_forgot_password_mails_a_reset_link_that_sets_a_new_password(app, world, client, smtp):
    page = client.post("/mot-de-passe-oublie", data={"email": "MEMBRE@exemple.test"}, follow_redirects=True)
    assert SAME_ANSWER in page_text(page)
    mail = smtp.recorder.to(world.member.email)[0]
    assert mail["Subject"] == "Réinitialisation de votre mot de passe"
    link = link_in(mail)
    assert "Nouveau mot de passe" in page_text(client.get(link))
    client.post(link, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.refresh(world.member)
    assert world.member.check_password(NEW_PASSWORD) and not world.member.check_password(factories.PASSWORD)


def test_a_reset_link_mailed_before_a_logout_stops_working_and_a_new_one_does(app, world, client, login, smtp):
    """Logging out ends every session of the account, which voids the links mailed before (by design)."""
    client.post("/mot-de-passe-oublie", data={"email": world.member.email}, follow_redirects=True)
    early = link_in(smtp.recorder.to(world.member.email)[0])
    login(world.member)
    client.post("/deconnexion")
    refused = client.get(early)
    assert refused.status_code == 400
    assert "vos sessions ont été fermées depuis son envoi" in page_text(refused)
    assert "Mot de passe oublié" in page_text(refused)
    client.post("/mot-de-passe-oublie", data={"email": world.member.email}, follow_redirects=True)
    fresh = link_in(smtp.recorder.to(world.member.email)[-1])
    client.post(fresh, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.refresh(world.member)
    assert world.member.check_password(NEW_PASSWORD)


def test_forgot_password_answers_the_same_for_unknown_and_deactivated_addresses(app, world, client):
    world.colleague.active = False
    db.session.commit()
    answers = []
    for email in ("personne@exemple.test", world.colleague.email, world.member.email):
        response = client.post("/mot-de-passe-oublie", data={"email": email}, follow_redirects=True)
        # Every page carries a fresh CSRF token; the rest must be identical.
        answers.append((response.status_code, re.sub(r'name="csrf_token" value="[^"]*"', "", page_text(response))))
    assert answers[0] == answers[1] == answers[2]
    assert SAME_ANSWER in answers[0][1]
    assert {row.to_address for row in outbox(kind="password_reset")} == {world.member.email}


def test_forgot_password_takes_as_long_for_unknown_addresses_as_for_accounts(app, world, client):
    """Mailing a link costs tens of milliseconds that answering for an unknown address does not: without a floor,
    the response time alone tells which addresses have an account."""
    app.config["PASSWORD_RESET_MIN_SECONDS"] = 0.3
    durations = {}
    for email in ("personne@exemple.test", world.member.email):
        started = time.monotonic()
        response = client.post("/mot-de-passe-oublie", data={"email": email})
        durations[email] = time.monotonic() - started
        assert response.status_code == 302
    assert min(durations.values()) >= 0.3, durations
    assert {row.to_address for row in outbox(kind="password_reset")} == {world.member.email}


def test_login_page_links_to_forgotten_password(app, client):
    assert "/mot-de-passe-oublie" in page_text(client.get("/connexion"))


def test_users_invite_command_creates_the_account_and_sends_the_invitation(app, world, runner):
    result = runner.invoke(args=["users", "invite", "--email", "cli@exemple.test", "--name", "Clio Commande",
                                 "--role", "jurist"])
    assert "Invitation envoyée à cli@exemple.test" in result.output
    assert [row.status for row in outbox(to_address="cli@exemple.test")] == ["sent"]
    refused = runner.invoke(args=["users", "invite", "--email", "cli@exemple.test", "--name", "Clio",
                                  "--role", "jurist"])
    assert refused.exit_code != 0 and "Un compte existe déjà" in refused.output
    send_pending()


ALREADY_SENT = "plusieurs liens lui ont été envoyés récemment, aucun nouveau courriel n'est envoyé pour le moment"


def _ask_reset(client, email, address):
    """Ask for a reset link from a given client address; the page shown afterwards."""
    return client.post("/mot-de-passe-oublie", data={"email": email}, environ_base={"REMOTE_ADDR": address},
                       follow_redirects=True)


def test_reset_requests_from_elsewhere_bound_the_mails_without_denying_the_owner_a_link(app, world, client, smtp):
    """Someone asking for the member's links from many addresses stops further mails once past the threshold, but
    the owner asking then is told to use the latest mail, whose link works for the whole lock-out."""
    app.config.update(LOCKOUT_ACCOUNT_FAILURES=3, LOCKOUT_SECONDS=3600, PASSWORD_RESET_RATE_LIMIT="100 per minute")
    for number in range(6):
        _ask_reset(client, world.member.email, f"198.51.100.{number}")
    assert len(outbox(kind="password_reset")) == 3, "mails stop at the threshold"
    latest = link_in(smtp.recorder.to(world.member.email)[-1])
    with frozen_time(utcnow() + timedelta(minutes=59)):
        page = _ask_reset(client, world.member.email, "192.0.2.77")
        assert page.status_code == 200 and ALREADY_SENT in page_text(page)
        assert "Trop de tentatives" not in page_text(page)
        assert len(outbox(kind="password_reset")) == 3
        assert "Nouveau mot de passe" in page_text(client.get(latest))
        done = client.post(latest, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
        assert "votre mot de passe est enregistré" in page_text(done)
    db.session.refresh(world.member)
    assert world.member.check_password(NEW_PASSWORD)


def test_after_the_account_lock_out_a_new_request_mails_a_new_link(app, world, client, smtp):
    app.config.update(LOCKOUT_ACCOUNT_FAILURES=2, PASSWORD_RESET_RATE_LIMIT="100 per minute")
    for number in range(3):
        _ask_reset(client, world.member.email, f"198.51.100.{number}")
    assert len(outbox(kind="password_reset")) == 2
    with frozen_time(utcnow() + timedelta(minutes=2)):
        page = _ask_reset(client, world.member.email, "192.0.2.77")
    assert SAME_ANSWER in page_text(page)
    assert len(outbox(kind="password_reset")) == 3


def test_a_locked_unknown_address_gets_the_same_answer_as_a_locked_account(app, world, client):
    app.config.update(LOCKOUT_ACCOUNT_FAILURES=1, PASSWORD_RESET_RATE_LIMIT="100 per minute")
    answers = []
    for email in ("personne@exemple.test", world.member.email):
        _ask_reset(client, email, "198.51.100.1")
        response = _ask_reset(client, email, "198.51.100.2")
        answers.append(re.sub(r'name="csrf_token" value="[^"]*"', "", page_text(response)))
    assert answers[0] == answers[1] and ALREADY_SENT in answers[0]


def test_one_client_asking_too_often_is_locked_out(app, world, client):
    """The requesting address's own lock-out still refuses (429) and sends nothing."""
    app.config.update(LOCKOUT_ADDRESS_FAILURES=3, PASSWORD_RESET_RATE_LIMIT="100 per minute")
    for number in range(3):
        assert _ask_reset(client, f"inconnu{number}@exemple.test", "198.51.100.9").status_code == 200
    response = client.post("/mot-de-passe-oublie", data={"email": world.member.email},
                           environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 429 and "trop de tentatives" in page_text(response)
    assert outbox(kind="password_reset") == []
    assert SAME_ANSWER in page_text(_ask_reset(client, world.member.email, "192.0.2.77"))


def test_a_reset_link_outlives_the_longest_account_lock_out(app):
    assert app.config["LOCKOUT_MAX_SECONDS"] < app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]


def test_a_reset_link_opens_in_the_language_of_the_account_that_asked(app, world, client, smtp):
    world.member.locale = "en"
    db.session.commit()
    client.post("/mot-de-passe-oublie", data={"email": world.member.email}, follow_redirects=True)
    mail = smtp.recorder.to(world.member.email)[0]
    assert mail["Subject"] == "Resetting your password"
    link = link_in(mail)
    page = page_text(client.get(link))
    assert "New password" in page and "Nouveau mot de passe" not in page
    response = client.post(link, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "your password is saved. You can log in." in page_text(response)
    assert "Log in" in page_text(response) and "Se connecter" not in page_text(response)


def test_a_visitor_who_chose_a_language_keeps_it_on_a_reset_link(app, world, client, smtp):
    world.member.locale = "en"
    db.session.commit()
    client.post("/langue", data={"locale": "fr", "next": "/connexion"})
    client.post("/mot-de-passe-oublie", data={"email": world.member.email}, follow_redirects=True)
    page = page_text(client.get(link_in(smtp.recorder.to(world.member.email)[0])))
    assert "Nouveau mot de passe" in page and "New password" not in page


def test_an_invitation_is_written_when_sent_in_the_language_its_account_has_by_then(app, world, client, smtp):
    """The outbox keeps the invitation's link, not its text (an import queues thousands at once): the mail is written
    when sent, here after the new member chose English, and its link still works."""
    user = create_user("nouvelle@federation-exemple.fr", "Nora Nouvelle", None, "member", world.structure.id,
                       world.admin)
    row = db.session.scalars(select(OutboxEmail).where(OutboxEmail.recipient_id == user.id)).one()
    assert (row.kind, row.status, row.text_body) == ("invitation", "pending", None)
    assert row.subject == "Invitation au helpdesk juridique"
    user.locale = "en"
    db.session.commit()
    assert send_pending().sent == 1
    mail = smtp.recorder.to("nouvelle@federation-exemple.fr")[0]
    assert mail["Subject"] == "Invitation to the legal helpdesk"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{world.admin.name} invites you to use the federation's legal helpdesk for {world.structure.name}." in body
    assert "Activate your account" in page_text(client.get(link_in(mail)))
