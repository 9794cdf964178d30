"""Who gets which notification, preferences, and the daily digest."""
import html
import re
from datetime import date

import pytest

from helpdesk.auth.services import set_active, update_user
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.i18n import set_user_locale
from helpdesk.mail.notifications import send_digests, set_preferences
from helpdesk.mail.sender import send_pending
from helpdesk.privacy.services import REMOVED_MAIL_SUBJECT, anonymise_user
from helpdesk.tickets import services
from helpdesk.triage.filing import file_on_behalf
from tests import factories
from tests.mail.helpers import html_part, outbox, text_part


def _kinds_by_address(since: int = 0) -> dict[str, list[str]]:
    """{address: [kind, ...]} of the mails queued after row `since`."""
    result: dict[str, list[str]] = {}
    for row in outbox():
        if row.id > since:
            result.setdefault(row.to_address, []).append(row.kind)
    return result


def _last_id() -> int:
    """The id of the newest outbox row (0 when empty)."""
    rows = outbox()
    return rows[-1].id if rows else 0


def test_new_question_is_announced_to_every_active_jurist_and_no_member(app, world):
    factories.make_user("jurist", email="ancien@exemple.test", name="Ancien Juriste")
    retired = factories.make_user("jurist", email="parti@exemple.test", name="Parti Juriste")
    retired.active = False
    db.session.commit()
    since = _last_id()
    factories.make_ticket(world.member)
    assert _kinds_by_address(since) == {
        world.jurist.email: ["question_filed"], world.jurist2.email: ["question_filed"],
        "ancien@exemple.test": ["question_filed"],
    }


def test_a_question_recorded_by_phone_tells_its_member_where_to_follow_it(app, world, smtp):
    since = _last_id()
    ticket = file_on_behalf(world.jurist, world.member.id, world.member.structure_id, "phone", "Visite médicale CDDI",
                            "Appel du matin : faut-il une visite d'information et de prévention ?", None)
    assert _kinds_by_address(since) == {world.member.email: ["question_recorded"],
                                        world.jurist2.email: ["question_filed"]}
    send_pending()
    mail = smtp.recorder.to(world.member.email)[-1]
    assert mail["Subject"] == f"[{ticket.reference}] Votre question est enregistrée : Visite médicale CDDI"
    assert (f"{world.jurist.name}, juriste de la fédération, a enregistré la question que vous avez transmise "
            f"(téléphone) : {ticket.reference} — Visite médicale CDDI.") in text_part(mail)
    assert f"/questions/{ticket.reference}" in text_part(mail)


def test_assignment_tells_the_assignee_but_not_a_jurist_who_claims_for_themselves(app, world):
    first = factories.make_ticket(world.member)
    second = factories.make_ticket(world.member)
    since = _last_id()
    services.assign(first, world.jurist, world.jurist2.id)
    services.claim(second, world.jurist)
    assert _kinds_by_address(since) == {world.jurist2.email: ["question_assigned"]}


@pytest.mark.parametrize("status_after, kind", [("answered", "answered"), ("waiting", "waiting")])
def test_public_answer_goes_to_every_member_of_the_structure_only(app, world, status_after, kind):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    since = _last_id()
    services.add_message(ticket, world.jurist, "Voici la réponse détaillée.", status_after=status_after)
    assert _kinds_by_address(since) == {world.member.email: [kind], world.colleague.email: [kind]}


def test_internal_note_sends_no_mail_at_all(app, world):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    since = _last_id()
    services.add_message(ticket, world.jurist, "Note : vérifier l'avenant du 12 mars.", internal=True)
    assert _kinds_by_address(since) == {}


def test_member_reply_goes_to_the_assigned_jurist_not_to_the_member_or_colleagues(app, world, smtp):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Quelle est la date du contrat ?", status_after="waiting")
    since = _last_id()
    services.add_message(ticket, world.member, "Le contrat a commencé le 2 février.")
    assert _kinds_by_address(since) == {world.jurist.email: ["member_replied"]}
    send_pending()
    [mail] = [message for message in smtp.recorder.to(world.jurist.email) if "Nouveau message" in message["Subject"]]
    assert "Le contrat a commencé le 2 février." in text_part(mail)
    assert f"{world.member.name} ({ticket.structure.name}) a écrit" in text_part(mail)


def test_member_reply_on_an_unassigned_question_mails_nobody(app, world):
    ticket = factories.make_ticket(world.member)
    since = _last_id()
    services.add_message(ticket, world.colleague, "Une précision : nous sommes 14 salariés.")
    assert _kinds_by_address(since) == {}


def test_closing_tells_the_other_members_and_the_assignee_but_not_who_closed(app, world):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    since = _last_id()
    services.close(ticket, world.member)
    assert _kinds_by_address(since) == {world.colleague.email: ["closed"], world.jurist.email: ["closed"]}


def test_other_structures_and_deactivated_members_get_nothing(app, world):
    world.colleague.active = False
    db.session.commit()
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    since = _last_id()
    services.add_message(ticket, world.jurist, "Réponse.")
    addresses = set(_kinds_by_address(since))
    assert addresses == {world.member.email}


def test_opting_out_of_secondary_mail_keeps_essential_ones(app, world):
    set_preferences(world.colleague, "immediate", False)
    set_preferences(world.jurist2, "immediate", False)
    since = _last_id()
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Réponse.")
    services.close(ticket, world.member)
    kinds = _kinds_by_address(since)
    assert kinds[world.colleague.email] == ["answered"], "answers are essential, closing is not"
    assert world.jurist2.email not in kinds, "the team-wide new-question mail is secondary"


def test_digest_users_get_one_daily_mail_summarising_their_notifications(app, world, smtp):
    set_preferences(world.member, "digest", True)
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Première réponse.", status_after="waiting")
    services.add_message(ticket, world.member, "Voici la précision.")
    services.add_message(ticket, world.jurist, "Réponse complète.")
    held = outbox(to_address=world.member.email)
    assert [row.status for row in held] == ["held", "held"]
    assert outbox(to_address=world.colleague.email)[0].status == "pending"
    assert send_digests(date(2026, 11, 28)) == 1
    digest = outbox(to_address=world.member.email, kind="digest")
    assert len(digest) == 1 and digest[0].status == "pending"
    assert digest[0].subject == "Récapitulatif du 28 novembre 2026 : 2 notifications"
    assert {row.status for row in outbox(to_address=world.member.email, kind="answered")} == {"digested"}
    assert send_digests(date(2026, 11, 29)) == 0, "nothing new: no empty digest"
    send_pending()
    mail = smtp.recorder.to(world.member.email)[-1]
    assert mail["Subject"] == "Récapitulatif du 28 novembre 2026 : 2 notifications"
    assert "Précisions attendues" in text_part(mail) and "Réponse à votre question" in text_part(mail)
    assert f"https://helpdesk.example.test/questions/{ticket.reference}" in html_part(mail)


def test_a_digest_is_wholly_in_the_language_the_recipient_chose_last(app, world, smtp):
    """Notifications held in French were listed as such in a digest otherwise in English, once the member switched."""
    set_preferences(world.member, "digest", True)
    ticket = factories.make_ticket(world.member, subject="Renouvellement d'un CDDI")
    services.add_message(ticket, world.jurist, "Première réponse.", status_after="waiting")
    set_user_locale(world.member, "en")
    services.add_message(ticket, world.jurist, "Réponse complète.")
    assert send_digests(date(2026, 11, 28)) == 1
    send_pending()
    mail = smtp.recorder.to(world.member.email)[-1]
    assert mail["Subject"] == "Digest of November 28, 2026: 2 notifications"
    text, html = text_part(mail), html_part(mail)
    assert "More details needed on your question: Renouvellement d'un CDDI" in text
    assert "Answer to your question: Renouvellement d&#39;un CDDI" in html
    for french in ("Précisions attendues", "Réponse à votre question", "Récapitulatif", " à "):
        assert french not in text + html, french


def test_a_mail_waiting_to_be_sent_follows_a_language_switch_in_subject_and_body(app, world, smtp):
    """Its subject was written when it was queued, its body when it was sent: one language each."""
    ticket = factories.make_ticket(world.member, subject="Renouvellement d'un CDDI")
    services.add_message(ticket, world.jurist, "Oui, pour achever une formation.")
    set_user_locale(world.member, "en")
    send_pending()
    mail = smtp.recorder.to(world.member.email)[-1]
    assert mail["Subject"] == f"[{ticket.reference}] Answer to your question: Renouvellement d'un CDDI"
    assert "View the question:" in text_part(mail) and "Voir la question" not in text_part(mail)
    set_user_locale(world.member, "fr")
    services.add_message(ticket, world.jurist, "Précision : la formation doit être qualifiante.")
    send_pending()
    assert smtp.recorder.to(world.member.email)[-1]["Subject"].endswith("Réponse à votre question : Renouvellement "
                                                                        "d'un CDDI")


def test_a_digest_queued_before_a_question_is_anonymised_no_longer_quotes_it(app, world, smtp):
    set_preferences(world.colleague, "digest", True)
    ticket = factories.make_ticket(world.member, subject="Licenciement de M. Dupont")
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, "Voici la procédure.")
    services.close(ticket, world.member)
    assert send_digests(date(2026, 11, 28)) == 1
    anonymise_user(world.member, world.admin)
    send_pending()
    mail = smtp.recorder.to(world.colleague.email)[-1]
    assert mail["Subject"] == "Récapitulatif du 28 novembre 2026 : 2 notifications"
    assert "Dupont" not in text_part(mail) + html_part(mail)
    assert text_part(mail).count(REMOVED_MAIL_SUBJECT) == 2
    assert f"/questions/{ticket.reference}" not in text_part(mail), "no link to the anonymised question"


def test_a_member_moved_to_another_structure_gets_none_of_the_waiting_mail_about_the_former_ones_questions(
        app, world):
    set_preferences(world.member, "digest", True)
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Réponse sur le licenciement de M. Durand.")
    own = factories.make_ticket(world.outsider)
    services.add_message(own, world.jurist, "Réponse pour la nouvelle structure.")
    assert [row.status for row in outbox(to_address=world.member.email)] == ["held"]
    assert [row.status for row in outbox(to_address=world.colleague.email)] == ["pending"]
    update_user(world.member, world.admin, email="alice@ailleurs.test", name=world.member.name, role="member",
                structure_id=world.other_structure.id)
    update_user(world.colleague, world.admin, email="bruno@nouvelle-adresse.test", name=world.colleague.name,
                role="member", structure_id=world.structure.id)
    assert [row.status for row in outbox(recipient_id=world.member.id, kind="answered")] == ["cancelled"]
    assert send_digests(date(2026, 11, 28)) == 0, "nothing left to summarise"
    assert [(row.status, row.to_address) for row in outbox(recipient_id=world.colleague.id, kind="answered")] == [
        ("pending", "bruno@nouvelle-adresse.test")], "still theirs: sent to their current address"
    set_active(world.colleague, False, world.admin)
    assert [row.status for row in outbox(recipient_id=world.colleague.id, kind="answered")] == ["cancelled"]


def _address_notices(user) -> list[tuple[str, str]]:
    """The (address, text) of the address-change notices queued for `user`, oldest first."""
    return [(row.to_address, row.text_body) for row in outbox(recipient_id=user.id, kind="security_notice")
            if row.subject == "L'adresse e-mail de votre compte a été changée"]


def test_an_address_changed_by_an_admin_is_told_to_the_former_address_and_to_the_new_one(app, world, client, login,
                                                                                          smtp):
    """A mistaken or malicious change (a staff account taken over, then a reset link to the new address) used to
    cut the owner off silently: their former address now hears of it, with who, when and what to do."""
    former = world.member.email
    login(world.admin)
    form = html.unescape(client.get(f"/admin/utilisateurs/{world.member.id}/modifier").get_data(as_text=True))
    assert "l'ancienne et la nouvelle adresse en sont prévenues par courriel" in form
    response = client.post(f"/admin/utilisateurs/{world.member.id}/modifier", data={
        "email": "alice.nouvelle@exemple.test", "name": world.member.name, "role": "member",
        "structure": world.structure.id})
    assert response.status_code == 302
    (to_former, former_text), (to_new, new_text) = _address_notices(world.member)
    assert (to_former, to_new) == (former, "alice.nouvelle@exemple.test")
    assert f"L'adresse e-mail de votre compte sur le Helpdesk juridique ({former}) a été remplacée" in former_text
    assert f"par {world.admin.name}, administrateur de la fédération" in former_text
    assert "Si vous n'avez pas demandé ce changement, prévenez tout de suite la fédération" in former_text
    assert "alice.nouvelle@exemple.test" not in former_text, "the former mailbox is not told where the account went"
    assert "est désormais alice.nouvelle@exemple.test" in new_text and world.admin.name in new_text
    assert "Si vous ne vous attendiez pas à ce changement" in new_text
    send_pending()
    (delivered,) = smtp.recorder.to(former)
    assert delivered["Subject"] == "L'adresse e-mail de votre compte a été changée"
    assert "a été remplacée" in text_part(delivered) and "prévenez tout de suite" in html_part(delivered)
    assert len(smtp.recorder.to("alice.nouvelle@exemple.test")) == 1


def test_the_notice_to_the_former_address_does_not_follow_the_account_to_a_later_address(app, world):
    """Waiting mail follows an account to its new address: the notice meant for the replaced one must not."""
    former = world.member.email
    for email in ("alice.deux@exemple.test", "alice.trois@exemple.test"):
        update_user(world.member, world.admin, email=email, name=world.member.name, role="member",
                    structure_id=world.structure.id)
    assert [address for address, _text in _address_notices(world.member)] == [
        former, "alice.deux@exemple.test", "alice.deux@exemple.test", "alice.trois@exemple.test"]


def test_an_account_change_that_keeps_the_address_sends_no_address_notice(app, world):
    update_user(world.member, world.admin, email=world.member.email.upper(), name="Alice Renommée", role="member",
                structure_id=world.structure.id)
    assert world.member.name == "Alice Renommée" and _address_notices(world.member) == []


def test_an_address_change_refused_sends_no_notice(app, world, client, login):
    from helpdesk.errors import Forbidden
    former = world.member.email
    with pytest.raises(Forbidden):
        update_user(world.member, world.jurist, email="pirate@exemple.test", name=world.member.name, role="member",
                    structure_id=world.structure.id)
    db.session.rollback()
    login(world.admin)
    for email in ("pas-une-adresse", world.colleague.email):
        page = client.post(f"/admin/utilisateurs/{world.member.id}/modifier", data={
            "email": email, "name": world.member.name, "role": "member", "structure": world.structure.id})
        assert page.status_code == 400
    db.session.expire_all()
    assert world.member.email == former and _address_notices(world.member) == []
    login(world.member)
    assert client.post(f"/admin/utilisateurs/{world.member.id}/modifier", data={
        "email": "pirate@exemple.test", "name": world.member.name, "role": "member",
        "structure": world.structure.id}).status_code in (403, 404)
    assert _address_notices(world.member) == []


def test_digest_command_queues_and_sends(app, world, runner, tmp_path):
    set_preferences(world.jurist, "digest", True)
    factories.make_ticket(world.member)
    result = runner.invoke(args=["mail", "digest"])
    assert "Récapitulatifs envoyés : 1." in result.output
    assert outbox(to_address=world.jurist.email, kind="digest")[0].status == "sent"


def test_preferences_page_saves_choices(app, world, client, login):
    login(world.member)
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert "Un récapitulatif quotidien" in page
    response = client.post("/compte/notifications", data={"notify_mode": "digest"}, follow_redirects=True)
    assert "vos préférences de courriel sont enregistrées." in response.get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.notify_mode == "digest" and world.member.notify_optional is False


def test_preferences_page_refuses_unknown_mode_and_anonymous_users(app, world, client, login):
    assert client.get("/compte/notifications").status_code == 302
    login(world.member)
    page = client.post("/compte/notifications", data={"notify_mode": "hourly", "notify_optional": "y"})
    assert "Not a valid choice" not in page.get_data(as_text=True)
    assert "Choisissez l&#39;une des valeurs proposées pour « Fréquence des courriels »." in page.get_data(as_text=True)
    db.session.refresh(world.member)
    assert world.member.notify_mode == "immediate"
    with pytest.raises(InvalidInput):
        set_preferences(world.member, "hourly", True)


@pytest.mark.parametrize("role", ["member", "jurist"])
def test_each_link_of_the_account_page_is_named_as_the_page_it_opens(world, client, login, role):
    """« Choisir les courriels que je reçois » opened a page titled « Mes courriels »: each link of « Mon compte » now
    reads as the heading of its page."""
    login(getattr(world, role))
    account = client.get("/compte/").get_data(as_text=True)
    account = account[account.index("<h1>Mon compte</h1>"):]
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', account[:account.index("</ul>")])
    assert len(links) >= 4
    for url, text in links:
        assert f"<h1>{text}</h1>" in client.get(url).get_data(as_text=True), url


def test_account_page_leads_to_the_email_choices_and_back(app, world, client, login):
    """Each page under « Mon compte » leads back to it; the password page, the only one without that link, no longer
    repeats the account page's links and the personal data section."""
    login(world.member)
    account = client.get("/compte/").get_data(as_text=True)
    assert 'href="/compte/notifications"' in account and "Les courriels que je reçois" in account
    assert 'href="/compte/mes-donnees.zip"' in account and "Mes données personnelles" in account
    for page_url in ("/compte/notifications", "/compte/mot-de-passe"):
        assert 'href="/compte/">← Mon compte' in client.get(page_url).get_data(as_text=True)
    password = client.get("/compte/mot-de-passe").get_data(as_text=True)
    assert "Mes données personnelles" not in password and 'href="/compte/notifications"' not in password


def test_members_are_not_offered_the_shared_queue_mail_but_jurists_are(app, world, client, login):
    login(world.member)
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert "Recevoir aussi les courriels secondaires (questions clôturées)" in page
    assert "file commune" not in page
    login(world.jurist)
    page = client.get("/compte/notifications").get_data(as_text=True)
    assert "nouvelles questions de la file commune" in page
