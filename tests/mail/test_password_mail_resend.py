"""Re-sending a failed invitation or reset mail from the outbox never mails a dead link."""
import re
from datetime import timedelta

import flask_migrate
from sqlalchemy import select, text

from helpdesk.auth.passwords import (make_password_link, request_password_reset, resend_invitation,
                                     set_password_with_token)
from helpdesk.auth.services import create_user, set_active
from helpdesk.extensions import db
from helpdesk.mail.sender import send_pending
from helpdesk.models import OutboxEmail
from helpdesk.models._types import frozen_time, utcnow
from tests.mail.helpers import outbox, text_part

INVITEE = "invitee@exemple.test"


def _failed_invitation(app, world, smtp_down):
    """An invited account whose invitation the mail server refused: the outbox row, failed."""
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    user = create_user(INVITEE, "Ines Invitée", None, "member", world.structure.id, actor=world.admin)
    send_pending()
    (row,) = outbox(to_address=INVITEE)
    assert row.status == "failed"
    return user, row


def _delivered_link(smtp_down) -> str:
    """The password link of the one mail delivered to the invitee."""
    (mail,) = smtp_down.recorder.to(INVITEE)
    return re.search(r"https?://\S+/mot-de-passe/nouveau/\S+", text_part(mail)).group(0)


def _link_works(client, link: str) -> bool:
    """Whether the link opens the page where a password is chosen."""
    page = client.get(link.split("example.test", 1)[-1]).get_data(as_text=True)
    return "Ce lien n'est plus valable" not in page and "Ce lien a expiré" not in page and 'name="new"' in page


def test_failed_invitation_with_a_working_link_is_resent_as_it_is(app, world, client, login, smtp_down):
    _user, row = _failed_invitation(app, world, smtp_down)
    login(world.admin)
    response = client.post(f"/admin/courriels/{row.id}/renvoyer", follow_redirects=True)
    assert f"le courriel à {INVITEE} sera renvoyé." in response.get_data(as_text=True)
    smtp_down.start()
    send_pending()
    client.post("/deconnexion")
    assert _link_works(client, _delivered_link(smtp_down))


def test_a_later_invitation_cancels_the_failed_one_whose_link_it_retired(app, world, client, login, smtp_down):
    """The failed mail stayed in the outbox with its retired link: « Renvoyer » then mailed a dead link."""
    user, row = _failed_invitation(app, world, smtp_down)
    resend_invitation(user, world.admin)
    assert row.status == "cancelled"
    login(world.admin)
    assert f"courriels/{row.id}/renvoyer" not in client.get("/admin/courriels").get_data(as_text=True)


def test_expired_failed_invitation_is_replaced_by_a_new_one_that_works(app, world, client, login, smtp_down):
    _user, row = _failed_invitation(app, world, smtp_down)
    smtp_down.start()
    with frozen_time(utcnow() + timedelta(days=8)):
        login(world.admin)
        response = client.post(f"/admin/courriels/{row.id}/renvoyer", follow_redirects=True)
        assert (f"une nouvelle invitation, avec un nouveau lien, est envoyée à {INVITEE}. Le lien de la précédente "
                "n&#39;était plus valable (expiré ou remplacé).") in response.get_data(as_text=True)
    assert row.status == "cancelled"
    send_pending()
    client.post("/deconnexion")
    assert _link_works(client, _delivered_link(smtp_down))  # itsdangerous signs with the real clock


def test_failed_invitation_of_a_deactivated_account_is_refused(app, world, client, login, smtp_down):
    user, row = _failed_invitation(app, world, smtp_down)
    set_active(user, False, world.admin)
    login(world.admin)
    response = client.post(f"/admin/courriels/{row.id}/renvoyer", follow_redirects=True)
    assert "ce compte est désactivé. Réactivez-le avant de renvoyer une invitation." in response.get_data(as_text=True)
    assert row.status == "failed" and len(outbox(to_address=INVITEE)) == 1


def test_failed_reset_mail_with_a_dead_link_is_refused(app, world, client, login, smtp_down):
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    request_password_reset(world.member.email)
    send_pending()
    (row,) = [row for row in outbox(to_address=world.member.email) if row.kind == "password_reset"]
    assert row.status == "failed"
    with frozen_time(utcnow() + timedelta(hours=3)):
        login(world.admin)
        page = client.post(f"/admin/courriels/{row.id}/renvoyer", follow_redirects=True).get_data(as_text=True)
    assert "Son lien de réinitialisation n&#39;est plus valable" in page and "Mot de passe oublié ?" in page
    assert "il a expiré, un mot de passe a été choisi, une invitation plus récente a été envoyée, ou les sessions " \
           "du compte ont été fermées depuis" in page
    assert "un lien plus récent" not in page, "a later reset request retires no link"
    assert row.status == "failed"


def test_failed_reset_mail_is_resent_as_it_is_after_a_later_reset_request(app, world, client, login, smtp_down):
    """A later reset request retires no link: the failed mail's link still works, so it goes out again as it is."""
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    request_password_reset(world.member.email)
    send_pending()
    (row,) = [row for row in outbox(to_address=world.member.email) if row.kind == "password_reset"]
    assert row.status == "failed"
    request_password_reset(world.member.email)
    login(world.admin)
    page = client.post(f"/admin/courriels/{row.id}/renvoyer", follow_redirects=True).get_data(as_text=True)
    assert "n&#39;est pas renvoyé" not in page
    assert row.status == "pending"


def test_choosing_a_password_cancels_the_password_mail_still_waiting(app, world):
    user = create_user(INVITEE, "Ines Invitée", None, "member", world.structure.id, actor=world.admin)
    (waiting,) = outbox(to_address=INVITEE)
    set_password_with_token(make_password_link(user, "invitation").rsplit("/", 1)[-1], "un-mot-de-passe-solide")
    assert waiting.status == "cancelled"


def _failed_before_the_fix(row) -> None:
    """Put a password mail back to « Échec », as it stayed before a newer link or a chosen password cancelled it."""
    db.session.execute(text("UPDATE outbox_email SET status = 'failed' WHERE id = :id"), {"id": row.id})
    db.session.commit()


def _migrate_again() -> None:
    """Run the migration that cancels the password mails failed and since superseded."""
    db.session.remove()
    flask_migrate.downgrade(revision="e2b7d4a9c6f1")
    flask_migrate.upgrade()


def test_upgrading_cancels_old_failed_invitations_superseded_by_a_sent_one_or_a_chosen_password(
        app, world, client, login, smtp_down):
    """Failed invitations from before 30 November stayed « Échec » with « Renvoyer » after the admin had re-sent one
    that arrived, or the account had chosen its password: the upgrade cancels them, and leaves a lone failure."""
    user, superseded = _failed_invitation(app, world, smtp_down)
    smtp_down.start()
    resend_invitation(user, world.admin)
    send_pending()
    chosen = create_user("chosen@exemple.test", "Chloé Choisie", None, "member", world.structure.id,
                         actor=world.admin)
    smtp_down.stop()
    send_pending()
    (chosen_row,) = outbox(to_address="chosen@exemple.test")
    chosen.set_password("un mot de passe solide 2026")
    lone = create_user("lone@exemple.test", "Léon Seul", None, "member", world.structure.id, actor=world.admin)
    send_pending()
    (lone_row,) = outbox(to_address="lone@exemple.test")
    for row in (superseded, chosen_row, lone_row):
        _failed_before_the_fix(row)
    login(world.admin)
    assert f"courriels/{superseded.id}/renvoyer" in client.get("/admin/courriels").get_data(as_text=True)
    _migrate_again()
    statuses = dict(db.session.execute(select(OutboxEmail.id, OutboxEmail.status)).all())
    assert (statuses[superseded.id], statuses[chosen_row.id], statuses[lone_row.id]) == (
        "cancelled", "cancelled", "failed")
    page = client.get("/admin/courriels").get_data(as_text=True)
    assert f"courriels/{superseded.id}/renvoyer" not in page and f"courriels/{chosen_row.id}/renvoyer" not in page
    assert f"courriels/{lone_row.id}/renvoyer" in page
