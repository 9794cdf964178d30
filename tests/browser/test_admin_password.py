"""An admin whose password was typed too long ago types it within the refused form, which keeps what they typed."""
import re

import pytest
from playwright.sync_api import expect

from helpdesk.demo import luhn_siret
from tests.browser.conftest import PASSWORD


@pytest.fixture
def stale_password(live_app):
    """Make every password typed in the served app too old at once (as after PASSWORD_CONFIRMATION_MINUTES), for the
    test's length."""
    minutes = live_app.config["PASSWORD_CONFIRMATION_MINUTES"]
    live_app.config["PASSWORD_CONFIRMATION_MINUTES"] = 0
    yield
    live_app.config["PASSWORD_CONFIRMATION_MINUTES"] = minutes


def _send(visitor, button: str) -> None:
    """Click the form's button and audit the page that answers."""
    visitor.page.get_by_role("button", name=button).click()
    visitor.page.wait_for_load_state()
    visitor.audit()


def test_an_admin_types_the_password_in_the_refused_form_and_retypes_nothing_else(visitor, stale_password):
    """Creating a jurist with an old password: the form shows « Mot de passe actuel » at once; sent without it, it
    comes back as typed, saying why; a wrong password is refused in French with the values still there; the right one
    creates the account at once. Its anonymisation then asks for the password on its own confirmation page, and is
    done with it."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/utilisateurs/nouveau")
    page.get_by_label("Adresse e-mail").fill("nina.nouvelle@demo.local")
    page.get_by_label("Nom complet").fill("Nina Nouvelle")
    page.get_by_label("Rôle").select_option(label="Juriste")
    expect(page.get_by_label("Mot de passe actuel", exact=True)).to_have_count(1)
    _send(visitor, "Créer le compte")
    expect(page.locator(".flash-error")).to_contain_text("créer un compte, changer son adresse, donner le rôle de juriste")
    for attempt in ("pas-le-bon-mot-de-passe", PASSWORD):
        expect(page.get_by_label("Adresse e-mail")).to_have_value("nina.nouvelle@demo.local")
        expect(page.get_by_label("Nom complet")).to_have_value("Nina Nouvelle")
        expect(page.get_by_label("Rôle")).to_have_value("jurist")
        page.get_by_label("Mot de passe actuel", exact=True).fill(attempt)
        _send(visitor, "Créer le compte")
        if attempt != PASSWORD:
            expect(page.locator("#current_password-error")).to_have_text("Le mot de passe actuel est incorrect.")
    page.wait_for_url(re.compile(r".*/admin/utilisateurs$"))
    expect(page.locator(".flash-success")).to_contain_text("compte créé pour nina.nouvelle@demo.local")
    page.get_by_role("row").filter(has_text="nina.nouvelle@demo.local").get_by_role("link", name="Anonymiser").click()
    page.wait_for_load_state()
    visitor.audit()
    field = page.get_by_label("Mot de passe actuel", exact=True)
    button = page.get_by_role("button", name="Anonymiser définitivement")
    assert field.bounding_box()["y"] + field.bounding_box()["height"] < button.bounding_box()["y"], \
        "le champ du mot de passe est sur sa propre ligne, au-dessus du bouton"
    field.fill(PASSWORD)
    _send(visitor, "Anonymiser définitivement")
    expect(page.locator(".flash-success")).to_contain_text("compte anonymisé")
    expect(page.get_by_role("row").filter(has_text="nina.nouvelle@demo.local")).to_have_count(0)


def test_an_admin_types_the_password_on_the_imports_preview_and_chooses_no_file_again(visitor, stale_password):
    """Importing with an old password: the preview shows « Mot de passe actuel » under « Importer »; sent without it,
    or with a wrong one, the same preview comes back saying why, nothing imported; the right one imports the file
    previewed, never chosen again."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/import")
    page.get_by_label("Fichier CSV").set_input_files([{
        "name": "adherents.csv", "mimeType": "text/csv",
        "buffer": ("structure;siret;type;région;e-mail;nom;rôle\r\n"
                   f"Chantier Fictif des Essais;{luhn_siret('8200000000010')};ACI;Bretagne;"
                   "iris.essai@demo.local;Iris Essai;membre\r\n").encode()}])
    _send(visitor, "Vérifier le fichier")
    expect(page.get_by_role("heading", name="Importer ces structures et ces comptes ?")).to_be_visible()
    for attempt in ("", "pas-le-bon-mot-de-passe"):
        page.get_by_label("Mot de passe actuel", exact=True).fill(attempt)
        _send(visitor, "Importer")
        expect(page.get_by_role("heading", name="Importer ces structures et ces comptes ?")).to_be_visible()
        expect(page.get_by_role("cell", name="iris.essai@demo.local")).to_be_visible()
    expect(page.locator("#current_password-error")).to_have_text("Le mot de passe actuel est incorrect.")
    page.get_by_label("Mot de passe actuel", exact=True).fill(PASSWORD)
    _send(visitor, "Importer")
    page.wait_for_url(re.compile(r".*/admin/structures$"))
    expect(page.locator(".flash-success")).to_contain_text("1 compte")


def test_the_initial_password_shows_only_while_the_invitation_is_unticked(visitor):
    """« Mot de passe initial » serves only without an invitation: hidden while « Envoyer une invitation » is ticked
    (as it is at first), shown when it is unticked, hidden again when ticked again."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/utilisateurs/nouveau")
    invite = page.get_by_label("Envoyer une invitation par courriel", exact=False)
    password = page.get_by_label("Mot de passe initial", exact=False)
    expect(invite).to_be_checked()
    expect(password).to_be_hidden()
    invite.uncheck()
    expect(password).to_be_visible()
    visitor.audit()
    invite.check()
    expect(password).to_be_hidden()
