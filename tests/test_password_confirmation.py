"""Actions nothing takes back, or opening someone an access, ask for the password typed in the last minutes, else typed
within their own form (« Mot de passe actuel »)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.flash import services as flash_services
from helpdesk.attachments.services import save_upload
from helpdesk.models import Attachment, Structure, Ticket, User
from helpdesk.models._types import frozen_time, utcnow
from tests import factories
from tests.test_admin_import import GOOD_LINES, _count, _csv, _preview, _reference
from tests.test_attachments import article
from tests.test_auth_hardening import copied_session, post_login


@pytest.fixture
def later(app):
    """Move the clock past the password confirmation's lifetime (the session is still far from idle)."""
    minutes = app.config["PASSWORD_CONFIRMATION_MINUTES"] + 1
    assert minutes < app.config["SESSION_IDLE_MINUTES"]
    with frozen_time(utcnow() + timedelta(minutes=minutes)):
        yield


def _draft_bulletin(world):
    """A draft flash info for the world's theme, whose subscriber is the world's member."""
    flash_services.set_subscriptions(world.member, [world.theme.id])
    return flash_services.save_bulletin(None, {"title": "Réforme de l'IAE", "summary": "Ce qui change.",
                                               "body": "Texte", "themes": [world.theme.slug]},
                                        flash_services.Audience(), world.jurist)


def test_right_after_logging_in_an_admin_deletes_without_typing_the_password_again(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.admin)
    path = f"/questions/{ticket.reference}/supprimer"
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id) is None


FIELD = 'name="current_password"'
STALE = "par sécurité, cette action demande votre mot de passe tapé il y a moins de 10 minutes"


def _irreversible_pages(world) -> tuple[Ticket, list[str]]:
    """A question of the world's member and the confirmation pages deleting it, anonymising the outsider and
    anonymising the other structure."""
    ticket = factories.make_ticket(world.member)
    return ticket, [f"/questions/{ticket.reference}/supprimer", f"/admin/utilisateurs/{world.outsider.id}/anonymiser",
                    f"/admin/structures/{world.other_structure.id}/anonymiser"]


def _nothing_wiped(world, ticket) -> bool:
    """Whether the question, the outsider and the other structure are still whole."""
    db.session.expire_all()
    return (db.session.get(Ticket, ticket.id) is not None and world.outsider.anonymised_at is None
            and world.other_structure.anonymised_at is None)


def test_a_password_typed_too_long_ago_is_asked_within_the_delete_and_anonymise_pages(client, world, login, later):
    """Past the confirmation's minutes, each confirmation page shows « Mot de passe actuel »: its button alone is
    refused with the reason and the field again; with the password typed there, the action is done at once."""
    ticket, paths = _irreversible_pages(world)
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200 and FIELD in page.get_data(as_text=True), path
        assert "pas tapé depuis plus de 10 minutes" in page.get_data(as_text=True)
        refused = client.post(path)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 403 and f"<strong>Erreur :</strong> {STALE}" in text, path
        assert '<a href="#current_password">Mot de passe actuel</a>' in text and FIELD in text
        assert "définitivement" in text, "the same confirmation page, its button included"
    assert _nothing_wiped(world, ticket)
    done = client.post(paths[0], data={"current_password": factories.PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] != paths[0]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id) is None
    page = client.get(paths[1]).get_data(as_text=True)
    assert FIELD not in page, "typed once, the password is not asked again for the next minutes"
    for path in paths[1:]:
        assert client.post(path).status_code == 302
    db.session.expire_all()
    assert world.outsider.anonymised_at is not None and world.other_structure.anonymised_at is not None


def test_right_after_logging_in_the_confirmation_pages_ask_for_no_password(client, world, login):
    ticket, paths = _irreversible_pages(world)
    login(world.admin)
    for path in paths:
        assert FIELD not in client.get(path).get_data(as_text=True)


def test_a_password_typed_too_long_ago_is_asked_on_the_preview_before_publishing_a_flash_info(client, world, login,
                                                                                             later):
    bulletin = _draft_bulletin(world)
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.jurist)
    preview = f"/flash/{bulletin.slug}/apercu"
    page = client.get(preview)
    assert page.status_code == 200 and FIELD in page.get_data(as_text=True)
    refused = client.post(f"/flash/{bulletin.slug}/publier")
    assert refused.status_code == 403 and STALE in refused.get_data(as_text=True)
    assert "Publier et envoyer" in refused.get_data(as_text=True), "the preview again, its button included"
    wrong = client.post(f"/flash/{bulletin.slug}/publier", data={"current_password": "pas-le-bon-mot-de-passe"})
    assert wrong.status_code == 400 and "Le mot de passe actuel est incorrect." in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert bulletin.status == "draft" and flash_services.send_pending() == 0
    published = client.post(f"/flash/{bulletin.slug}/publier", data={"current_password": factories.PASSWORD})
    assert published.headers["Location"] == preview
    db.session.expire_all()
    assert bulletin.status == "published" and flash_services.send_pending() == 1


def test_a_session_cookie_copied_on_the_owners_network_cannot_publish_without_the_password(app, client, world, later):
    """The gap the network check left: a cookie copied with the User-Agent and used from the owner's own network (a
    shared office computer) once the password is a few minutes old is asked for it, which it cannot type."""
    bulletin = _draft_bulletin(world)
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140.0"})
    with frozen_time(utcnow() - timedelta(minutes=11)):
        assert post_login(client, world.jurist.email).status_code == 302
    thief = copied_session(app, client, "192.0.2.10", "Firefox/140.0")
    assert thief.post(f"/flash/{bulletin.slug}/publier").status_code == 403
    guessed = thief.post(f"/flash/{bulletin.slug}/publier", data={"current_password": "devine-le-mot-de-passe"})
    assert guessed.status_code == 400
    assert thief.post(f"/flash/{bulletin.slug}/publier").status_code == 403
    db.session.expire_all()
    assert bulletin.status == "draft" and flash_services.send_pending() == 0


def test_a_wrong_password_typed_in_the_page_is_refused_in_french_and_changes_nothing(client, world, login, later):
    ticket, paths = _irreversible_pages(world)
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    for path in paths:
        response = client.post(path, data={"current_password": "pas-le-bon-mot-de-passe"})
        assert response.status_code == 400, path
        page = response.get_data(as_text=True)
        assert "<strong>Erreur :</strong> rien n'a été enregistré" in page
        assert 'id="current_password-error">Le mot de passe actuel est incorrect.' in page
        assert 'aria-invalid="true"' in page
    too_long = client.post(paths[0], data={"current_password": "x" * 1000})
    assert too_long.status_code == 400 and "current_password-error" in too_long.get_data(as_text=True)
    assert _nothing_wiped(world, ticket)
    assert client.post(paths[0]).status_code == 403, "a wrong password confirms nothing"


def test_wrong_passwords_typed_in_a_page_are_locked_out_like_logins(app, client, world, login, later):
    ticket, paths = _irreversible_pages(world)
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    for _ in range(app.config["LOCKOUT_ACCOUNT_FAILURES"]):
        client.post(paths[0], data={"current_password": "pas-le-bon-mot-de-passe"})
    response = client.post(paths[0], data={"current_password": factories.PASSWORD})
    assert response.status_code == 429, "even the right password waits for the lock-out's end"
    assert "Erreur :" in response.get_data(as_text=True) and FIELD in response.get_data(as_text=True)
    assert _nothing_wiped(world, ticket)


def test_passwords_typed_in_a_page_beyond_the_login_rate_get_a_429(app, client, world, login, later):
    """As on « Confirmez votre mot de passe »: wrong passwords count, a button sent without one does not."""
    ticket, paths = _irreversible_pages(world)
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(3):
        assert client.post(paths[0]).status_code == 403
    for _ in range(2):
        assert client.post(paths[0], data={"current_password": "pas-le-bon-mot-de-passe"}).status_code == 400
    assert client.post(paths[0], data={"current_password": factories.PASSWORD}).status_code == 429
    assert _nothing_wiped(world, ticket)


def _account(user, **overrides) -> dict:
    """The account form of `user` as it stands, with overrides."""
    data = {"email": user.email, "name": user.name, "role": user.role, "structure": str(user.structure_id or 0)}
    data.update(overrides)
    return data


NEW_ACCOUNT = "/admin/utilisateurs/nouveau"


def _grants(world) -> dict:
    """The accounts whose power the grants below concern: a member, an active jurist, a deactivated admin."""
    jurist = factories.make_user("jurist")
    retired = factories.make_user("admin")
    retired.active = False
    db.session.commit()
    return {"member": world.member, "jurist": jurist, "retired": retired}


def _grant_everything(client, accounts, **typed) -> list:
    """Create a jurist and an admin, make the member a jurist, move the jurist's address, reactivate the admin, each
    form with the `typed` extra values (« Mot de passe actuel »): the responses."""
    member, jurist, retired = accounts["member"], accounts["jurist"], accounts["retired"]
    return [client.post(NEW_ACCOUNT, data={"email": "nouvelle-juriste@exemple.test", "name": "Nina Juriste",
                                           "role": "jurist", "structure": "0", "password": "un-mot-de-passe-solide",
                                           **typed}),
            client.post(NEW_ACCOUNT, data={"email": "nouvel-admin@exemple.test", "name": "Noé Admin", "role": "admin",
                                           "structure": "0", "password": "un-mot-de-passe-solide", **typed}),
            client.post(f"/admin/utilisateurs/{member.id}/modifier", data=_account(member, role="jurist",
                                                                                   structure="0", **typed)),
            client.post(f"/admin/utilisateurs/{jurist.id}/modifier", data=_account(jurist, email="voleur@exemple.test",
                                                                                   **typed)),
            client.post(f"/admin/utilisateurs/{retired.id}/activation", data=typed)]


def _granted(accounts) -> list[bool]:
    """Which of `_grant_everything`'s five changes the database holds."""
    db.session.expire_all()
    emails = set(db.session.scalars(select(User.email)))
    return ["nouvelle-juriste@exemple.test" in emails, "nouvel-admin@exemple.test" in emails,
            accounts["member"].role == "jurist", accounts["jurist"].email == "voleur@exemple.test",
            accounts["retired"].active]


def test_giving_a_jurists_or_admins_power_asks_for_a_password_typed_too_long_ago(app, client, world, login, later):
    """A copied admin cookie used on the owner's network could plant a jurist or an admin of its own: past the
    confirmation's minutes each form is shown again as typed with « Mot de passe actuel », the list's « Réactiver »
    leads to a page asking for it; nothing is changed before, and everything once it is typed there."""
    accounts = _grants(world)
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    refused = _grant_everything(client, accounts)
    assert [response.status_code for response in refused] == [403] * 5
    assert _granted(accounts) == [False] * 5
    pages = [response.get_data(as_text=True) for response in refused]
    assert all(FIELD in page for page in pages)
    assert ("<strong>Erreur :</strong> par sécurité, créer un compte, changer son adresse, donner le rôle de juriste ou "
            "d'administrateur ou changer la structure d'un membre demande votre mot de passe") in pages[0]
    assert "gardé tel que vous l'avez saisi" in pages[0]
    assert 'value="nouvelle-juriste@exemple.test"' in pages[0] and 'value="Nina Juriste"' in pages[0], "kept as typed"
    assert 'value="voleur@exemple.test"' in pages[3]
    assert f"Réactiver le compte de {accounts['retired'].name} ?" in pages[4]
    assert f'action="/admin/utilisateurs/{accounts["retired"].id}/activation"' in pages[4]
    wrong = _grant_everything(client, accounts, current_password="pas-le-bon-mot-de-passe")
    assert [response.status_code for response in wrong] == [400] * 5
    assert 'value="Nina Juriste"' in wrong[0].get_data(as_text=True)
    assert "Le mot de passe actuel est incorrect." in wrong[2].get_data(as_text=True)
    assert _granted(accounts) == [False] * 5
    # Five wrong passwords in a row lock the account a minute, like five wrong logins.
    with frozen_time(utcnow() + timedelta(seconds=app.config["LOCKOUT_SECONDS"] + 1)):
        done = _grant_everything(client, accounts, current_password=factories.PASSWORD)
    assert [response.status_code for response in done] == [302] * 5
    assert _granted(accounts) == [True] * 5


def test_right_after_logging_in_an_admin_gives_a_jurists_or_admins_power_without_typing_the_password_again(
        client, world, login):
    accounts = _grants(world)
    login(world.admin)
    assert [response.status_code for response in _grant_everything(client, accounts)] == [302] * 5
    assert _granted(accounts) == [True] * 5


def test_a_name_or_a_jurist_made_a_member_needs_no_password_typed_recently(client, world, login, later):
    """What opens nobody an access (a name corrected, a jurist, who read every question, made a member) asks nothing
    more."""
    jurist = factories.make_user("jurist")
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    renamed = client.post(f"/admin/utilisateurs/{jurist.id}/modifier", data=_account(jurist, name="Jeanne Renommée"))
    demoted = client.post(f"/admin/utilisateurs/{jurist.id}/modifier",
                          data=_account(jurist, role="member", structure=str(world.structure.id)))
    member_renamed = client.post(f"/admin/utilisateurs/{world.member.id}/modifier",
                                 data=_account(world.member, name="Marie Renommée"))
    for response in (renamed, demoted, member_renamed):
        assert response.status_code == 302
    db.session.expire_all()
    assert jurist.name == "Jeanne Renommée" and jurist.role == "member" and world.member.name == "Marie Renommée"


def _open_member_accesses(client, world, **typed) -> list:
    """Create a member account, move a member's address, move a member to another structure, reactivate a member,
    each form with the `typed` extra values (« Mot de passe actuel »), import a member account: the responses."""
    created = client.post(NEW_ACCOUNT, data={"email": "nouveau-membre@exemple.test", "name": "Noah Membre",
                                             "role": "member", "structure": str(world.structure.id),
                                             "password": "un-mot-de-passe-solide", **typed})
    readdressed = client.post(f"/admin/utilisateurs/{world.member.id}/modifier",
                              data=_account(world.member, email="voleur@exemple.test", **typed))
    moved = client.post(f"/admin/utilisateurs/{world.colleague.id}/modifier",
                        data=_account(world.colleague, structure=str(world.other_structure.id), **typed))
    reactivated = client.post(f"/admin/utilisateurs/{world.outsider.id}/activation", data=typed)
    preview = _preview(client, _csv(GOOD_LINES[0])).get_data(as_text=True)
    imported = client.post("/admin/import/confirmer", data={"token": _reference(preview)})
    return [created, readdressed, moved, reactivated, imported]


def _member_accesses_opened(world) -> list[bool]:
    """Which of `_open_member_accesses`'s five changes the database holds."""
    db.session.expire_all()
    emails = set(db.session.scalars(select(User.email)))
    return ["nouveau-membre@exemple.test" in emails, world.member.email == "voleur@exemple.test",
            world.colleague.structure_id == world.other_structure.id, world.outsider.active,
            "anna.exemple@atelier-exemple.fr" in emails]


def test_opening_a_structures_questions_to_someone_asks_for_a_password_typed_too_long_ago(client, world, login,
                                                                                         later):
    """A copied admin cookie used on the owner's network could take a member's account (its address changed, then a
    reset link), plant a member account of its own (created, imported), move one into another structure or bring
    back a deactivated one: each opens a structure's questions and outlives the owner's logout. Past the
    confirmation's minutes each form is refused and shown again with « Mot de passe actuel », nothing changed; the
    account form and the import's preview show the field at once."""
    world.outsider.active = False
    db.session.commit()
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    assert FIELD in client.get(NEW_ACCOUNT).get_data(as_text=True)
    assert client.get("/admin/import").status_code == 200, "checking a file writes nothing: no password asked yet"
    refused = _open_member_accesses(client, world)
    assert [response.status_code for response in refused] == [403] * 5
    assert _member_accesses_opened(world) == [False] * 5
    pages = [response.get_data(as_text=True) for response in refused]
    assert all(FIELD in page for page in pages)
    assert 'value="voleur@exemple.test"' in pages[1], "kept as typed"
    assert f"Réactiver le compte de {world.outsider.name} ?" in pages[3]
    assert "Importer ces structures et ces comptes ?" in pages[4]
    done = _open_member_accesses(client, world, current_password=factories.PASSWORD)
    assert [response.status_code for response in done] == [302] * 5
    assert _member_accesses_opened(world) == [True] * 5


def test_right_after_logging_in_an_admin_opens_member_accesses_without_typing_the_password_again(client, world,
                                                                                                 login):
    world.outsider.active = False
    db.session.commit()
    login(world.admin)
    assert [response.status_code for response in _open_member_accesses(client, world)] == [302] * 5
    assert _member_accesses_opened(world) == [True] * 5


IMPORT = "/admin/import/confirmer"


def _nothing_imported() -> bool:
    """Whether no structure or account of GOOD_LINES exists."""
    return _count(Structure) == 2 and not _count(User, User.email.like("%exemple.fr"))


def test_an_import_with_a_password_typed_too_long_ago_asks_for_it_on_the_preview(client, world, login, later):
    """The preview shows « Mot de passe actuel » under « Importer »; « Importer » without it shows the same preview
    again (403, the same kept file), nothing imported; with it typed there, the previewed file is imported at once,
    never chosen again."""
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    preview = _preview(client, _csv(*GOOD_LINES)).get_data(as_text=True)
    assert FIELD in preview and "pas tapé depuis plus de 10 minutes" in preview
    reference = _reference(preview)
    refused = client.post(IMPORT, data={"token": reference})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403 and f"<strong>Erreur :</strong> {STALE}" in page
    assert FIELD in page and _reference(page) == reference, "the same preview, its kept file included"
    assert "Importer ces structures et ces comptes ?" in page and "cora.fictive@regie-fictive.fr" in page
    assert _nothing_imported()
    done = client.post(IMPORT, data={"token": reference, "current_password": factories.PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/structures"
    assert _count(User, User.email.like("%exemple.fr")) == 2 and _count(User, User.email.like("%fictive.fr")) == 1
    assert client.post(IMPORT, data={"token": reference}).status_code == 302, "imported once: the kept file is gone"
    assert _count(User, User.email.like("%exemple.fr")) == 2


def test_a_wrong_password_on_the_imports_preview_imports_nothing_and_counts_as_a_failed_login(app, client, world,
                                                                                              login, later):
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    reference = _reference(_preview(client, _csv(*GOOD_LINES)).get_data(as_text=True))
    wrong = client.post(IMPORT, data={"token": reference, "current_password": "pas-le-bon-mot-de-passe"})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and 'id="current_password-error">Le mot de passe actuel est incorrect.' in page
    assert _reference(page) == reference and "Importer ces structures et ces comptes ?" in page
    assert _nothing_imported()
    for _ in range(app.config["LOCKOUT_ACCOUNT_FAILURES"] - 1):
        client.post(IMPORT, data={"token": reference, "current_password": "pas-le-bon-mot-de-passe"})
    locked = client.post(IMPORT, data={"token": reference, "current_password": factories.PASSWORD})
    assert locked.status_code == 429, "locked out like a login: even the right password waits"
    assert FIELD in locked.get_data(as_text=True) and _nothing_imported()


def test_passwords_typed_on_the_imports_preview_beyond_the_login_rate_get_a_429(app, client, world, login, later):
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.admin)
    reference = _reference(_preview(client, _csv(*GOOD_LINES)).get_data(as_text=True))
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert client.post(IMPORT, data={"token": reference, "current_password": "faux"}).status_code == 400
    assert client.post(IMPORT, data={"token": reference, "current_password": factories.PASSWORD}).status_code == 429
    assert _nothing_imported()


def test_right_after_logging_in_the_imports_preview_asks_for_no_password(client, world, login):
    login(world.admin)
    preview = _preview(client, _csv(*GOOD_LINES)).get_data(as_text=True)
    assert FIELD not in preview
    assert client.post(IMPORT, data={"token": _reference(preview)}).status_code == 302
    assert _count(User, User.email.like("%exemple.fr")) == 2


def test_withdrawing_a_resources_file_asks_for_a_password_typed_too_long_ago(client, world, login, later):
    """Nothing brings a withdrawn file back: a copied jurist cookie used on the owner's network would delete the
    team's templates one by one. The confirmation page asks for « Mot de passe actuel »: its button alone is refused,
    the file kept; with the password typed there the file is withdrawn."""
    item = article(world)
    attachment = save_upload(b"Modele de lettre", "modele.txt", uploader=world.jurist, article=item)
    db.session.commit()
    path = f"/pieces-jointes/{attachment.id}/retirer"
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.jurist)
    assert FIELD in client.get(path).get_data(as_text=True)
    refused = client.post(path)
    assert refused.status_code == 403 and STALE in refused.get_data(as_text=True)
    assert client.post(path, data={"current_password": "pas-le-bon-mot-de-passe"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Attachment, attachment.id) is not None
    assert client.post(path, data={"current_password": factories.PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Attachment, attachment.id) is None


def test_passwords_typed_to_withdraw_a_resources_file_beyond_the_login_rate_get_a_429(app, client, world, login,
                                                                                      later):
    """As on the other guarded forms: wrong passwords from one address count towards the login's rate, a button sent
    without one does not; past the rate even the right password is refused, the file kept."""
    attachment = save_upload(b"Modele de lettre", "modele.txt", uploader=world.jurist, article=article(world))
    db.session.commit()
    path = f"/pieces-jointes/{attachment.id}/retirer"
    with frozen_time(utcnow() - timedelta(minutes=11)):
        login(world.jurist)
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(3):
        assert client.post(path).status_code == 403
    for _ in range(2):
        assert client.post(path, data={"current_password": "pas-le-bon-mot-de-passe"}).status_code == 400
    refused = client.post(path, data={"current_password": factories.PASSWORD})
    assert refused.status_code == 429
    db.session.expire_all()
    assert db.session.get(Attachment, attachment.id) is not None


def test_a_session_cookie_copied_on_the_owners_network_cannot_plant_an_admin_without_the_password(app, client, world,
                                                                                                 later):
    """The gap the attack pass found: an admin's cookie copied with the User-Agent and used from the owner's own
    network created accounts and gave roles; it is now sent to confirm the password, which it cannot."""
    client.environ_base.update({"REMOTE_ADDR": "192.0.2.10", "HTTP_USER_AGENT": "Firefox/140.0"})
    with frozen_time(utcnow() - timedelta(minutes=11)):
        assert post_login(client, world.admin.email).status_code == 302
    thief = copied_session(app, client, "192.0.2.10", "Firefox/140.0")
    planted = {"email": "complice@exemple.test", "name": "Camille Complice", "role": "admin", "structure": "0",
               "password": "un-mot-de-passe-solide"}
    assert thief.post(NEW_ACCOUNT, data=planted).status_code == 403
    promoted = thief.post(f"/admin/utilisateurs/{world.member.id}/modifier",
                          data=_account(world.member, role="admin", structure="0"))
    assert promoted.status_code == 403
    db.session.expire_all()
    assert db.session.scalars(select(User).where(User.email == "complice@exemple.test")).first() is None
    assert world.member.role == "member"
