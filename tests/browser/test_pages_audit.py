"""Every page of each role, and forms shown with their errors, pass axe-core and the house rules:
one h1, a title that names the page, landmarks, a working skip link."""
import pytest
from playwright.sync_api import expect

PAGES = {
    None: ["/connexion", "/accessibilite", "/donnees-personnelles", "/flash/", "/webinaires/", "/ressources/", "/ressources/?q=activite+partielle", "/page-qui-n-existe-pas"],
    "membre@demo.local": ["/questions/", "/questions/?etat=closes", "/questions/nouvelle", "/compte/", "/compte/mot-de-passe",
                          "/ressources/", "/ressources/faq-webinaire-reforme-iae-pass-iae",
                          "/ressources/mise-a-disposition-ai-etti"],
    "juriste@demo.local": ["/file/", "/file/?vue=mes-dossiers", "/file/?vue=non-assignees", "/ressources/nouvelle",
                           "/statistiques/", "/statistiques/rapport/", "/reponses-types/", "/courriels",
                           "/ressources/a-verifier", "/ressources/references", "/flash/nouveau", "/webinaires/nouveau"],
    "admin@demo.local": ["/admin/", "/admin/structures", "/admin/structures/nouvelle", "/admin/structures/1",
                         "/admin/utilisateurs", "/admin/utilisateurs/nouveau", "/admin/themes",
                         "/admin/journal/", "/admin/delais", "/satisfaction", "/admin/routage", "/admin/routage/1/supprimer",
                         "/admin/import"],
}


def _check_structure(visitor) -> None:
    """One h1; a title naming the page before the site name; main, banner and navigation landmarks; named tables."""
    page = visitor.page
    expect(page.locator("h1")).to_have_count(1)
    heading = page.locator("h1").inner_text().strip()
    # « — » sets the site's name apart from the « · » inside page names (« File des questions · Mes dossiers »).
    assert page.title().endswith(" — Helpdesk juridique") and len(page.title()) > len(" — Helpdesk juridique") + 2, \
        f"titre sans nom de page : {page.title()!r} ({heading})"
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("banner")).to_have_count(1)
    expect(page.get_by_role("contentinfo")).to_have_count(1)
    # A data table is named by its caption, which screen readers announce on entering it (Markdown has no captions).
    unnamed = "main table:not(:has(> caption)):not([aria-label]):not([aria-labelledby]):not(.markdown table)"
    expect(page.locator(unnamed)).to_have_count(0)
    # Every field takes the page's type size and the fields' border: numbers, dates and months kept the browser's small
    # type and thin grey border beside the text fields and menus.
    looks = page.evaluate("""() => {
        const body = parseFloat(getComputedStyle(document.body).fontSize);
        const fields = 'main input:not([type=checkbox]):not([type=radio]):not([type=hidden]):not([type=file]), main select, main textarea';
        return [...document.querySelectorAll(fields)].filter(e => e.offsetParent !== null).map(e => [e.name || e.id,
            parseFloat(getComputedStyle(e).fontSize) >= body, getComputedStyle(e).borderTopColor]);
    }""")
    assert all(big for _, big, _ in looks), f"champs en petits caractères ({heading}) : {looks}"
    assert len({border for _, _, border in looks}) <= 1, f"bordures de champs différentes ({heading}) : {looks}"


@pytest.mark.parametrize("email", list(PAGES), ids=lambda email: email or "anonyme")
def test_every_page_of_each_role_is_accessible(visitor, email):
    """Each role's pages: no serious axe violation, one h1, a meaningful title, landmarks."""
    if email:
        visitor.login(email)
    for path in PAGES[email]:
        visitor.goto(path)
        _check_structure(visitor)
        if path == "/statistiques/":
            visitor.screenshot("tableau-de-bord")


def test_question_of_the_queue_is_accessible_to_jurist_and_member(visitor):
    """A question's page with triage tools (jurist) and without (member)."""
    visitor.login("juriste@demo.local")
    visitor.page.locator("table.queue tbody a").first.click()
    visitor.audit()
    _check_structure(visitor)
    visitor.login("membre@demo.local")
    visitor.page.locator("table tbody a").first.click()
    visitor.audit()
    _check_structure(visitor)


def test_form_errors_are_announced_and_tied_to_their_fields(visitor):
    """Sending an empty question shows each error next to its field, linked by aria-describedby, and focuses the first."""
    page = visitor.page
    visitor.login("membre@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_role("button", name="Envoyer ma question").click()
    visitor.audit("(erreurs de saisie)")
    subject = page.get_by_label("Objet")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_have_accessible_description("En une phrase : par exemple « Renouvellement d'un CDDI au-delà "
                                                   "de 24 mois ». Indiquez l'objet de votre question.")
    expect(subject).to_be_focused()  # the keyboard starts at the first error, not at the top of the page


def test_focus_goes_to_the_first_field_in_error_even_below_a_valid_one(visitor):
    """A refused question whose subject is right: the focus lands on the theme, the first field to correct."""
    page = visitor.page
    visitor.login("membre@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill("Renouvellement d'un CDDI au-delà de 24 mois")
    page.get_by_role("button", name="Envoyer ma question").click()
    visitor.audit("(erreurs de saisie)")
    expect(page.get_by_label("Thème")).to_be_focused()


def test_refused_field_gets_the_focus(visitor):
    """Blank tags sent from a question's page come back with a banner and the reason under the field, which takes the
    focus so that keyboard users start there and screen readers read the reason."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    page.get_by_label("Ajouter des étiquettes").fill("   ")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    visitor.audit("(étiquettes refusées)")
    expect(page.locator("main .flash-error")).to_have_text(
        "Erreur : rien n'a été enregistré. Voyez l'erreur sous « Ajouter des étiquettes ».")
    expect(page.get_by_label("Ajouter des étiquettes")).to_be_focused()
    expect(page.get_by_text("Indiquez au moins une étiquette.")).to_be_visible()


def test_refused_login_puts_the_focus_on_its_message(visitor):
    """A wrong password: the keyboard and the screen reader start at the message that says so."""
    page = visitor.page
    visitor.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill("membre@demo.local")
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    visitor.audit("(connexion refusée)")
    expect(page.locator("main .flash-error")).to_be_focused()


def test_skip_link_is_first_and_moves_focus_to_the_content(visitor):
    """The first Tab shows the skip link; following it puts the focus on the main content."""
    page = visitor.page
    visitor.goto("/ressources/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_keyboard_alone_goes_through_the_question_form_and_out(visitor):
    """Tabbing through the new-question page reaches the send button and then the footer: no keyboard trap."""
    page = visitor.page
    visitor.login("membre@demo.local")
    visitor.goto("/questions/nouvelle")
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.textContent.trim() || document.activeElement.name || ''"))
    assert "Envoyer ma question" in reached
    assert "Accessibilité\xa0: non conforme" in reached


def test_import_preview_and_its_errors_are_accessible(visitor):
    """The admin checks a CSV file with errors (their table), then the model file (the confirmation); nothing is
    imported, so that the demo data stays as the other tests expect."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/import")
    header = "structure;siret;type;région;e-mail;nom;rôle\r\n"
    page.get_by_label("Fichier CSV").set_input_files(files=[{
        "name": "erreurs.csv", "mimeType": "text/csv",
        "buffer": (header + "Atelier Exemple;1234;COOP;Atlantide;pas-une-adresse;;juriste\r\n").encode()}])
    page.get_by_role("button", name="Vérifier le fichier").click()
    visitor.audit("(erreurs du fichier)")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ne peut pas être importé")
    expect(page.get_by_role("region", name="Erreurs du fichier").locator("tbody tr")).to_have_count(6)
    page.get_by_label("Fichier CSV").set_input_files(files=[{
        "name": "modele.csv", "mimeType": "text/csv",
        "buffer": (header + "Association Exemple;732 829 320 00074;AI;Bretagne;camille.exemple@association-exemple.fr;"
                            "Camille Exemple;membre\r\n").encode()}])
    page.get_by_role("button", name="Vérifier le fichier").click()
    visitor.audit("(aperçu de l'import)")
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer ces structures et ces comptes ?")
    expect(page.get_by_role("button", name="Importer")).to_be_visible()


def test_the_structure_of_an_account_is_found_by_typing_part_of_its_name(visitor):
    """600 structures in one select could only be scrolled through: the box above narrows it (case and accents
    aside), a single match is chosen, Enter goes to the list instead of sending the form."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/utilisateurs/nouveau")
    structure = page.get_by_label("Structure (pour les membres)")
    everything = structure.locator("option").count()
    search = page.get_by_label("Chercher la structure")
    search.fill("SOLIDAIRE")
    expect(page.locator("#structure-filter-count")).to_have_text("2 structures correspondent.")
    expect(structure.locator("option")).to_have_text(["—", "Groupe Solidaire des Deux Rives",
                                                      "Recyclerie Horizon Solidaire"])
    search.fill("velo CARAIBES")
    expect(page.locator("#structure-filter-count")).to_have_text("1 structure correspond.")
    expect(structure.locator("option:checked")).to_have_text("Atelier Vélo Insertion Caraïbes")
    visitor.audit("(structure filtrée)")
    search.press("Enter")
    expect(structure).to_be_focused()
    assert "/admin/utilisateurs/nouveau" in page.url
    search.fill("atlantide")
    expect(page.locator("#structure-filter-count")).to_have_text("Aucune structure ne correspond.")
    expect(structure.locator("option:checked")).to_have_text("Atelier Vélo Insertion Caraïbes")  # kept
    search.fill("")
    expect(structure.locator("option")).to_have_count(everything)


def test_the_structure_of_an_account_is_hidden_for_a_jurist_and_comes_back_for_a_member(visitor):
    """A structure chosen for a jurist was silently dropped: with the script, choosing a staff role hides the field
    (set to none, so the account is created), and going back to member brings the structure chosen before."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/utilisateurs/nouveau")
    structure = page.get_by_label("Structure (pour les membres)")
    structure.select_option(label="Atelier Vélo Insertion Caraïbes")
    role = page.get_by_label("Rôle")
    role.select_option(label="Juriste")
    expect(structure).to_be_hidden()
    expect(page.get_by_label("Chercher la structure")).to_be_hidden()
    visitor.audit("(rôle juriste)")
    role.select_option(label="Membre")
    expect(structure.locator("option:checked")).to_have_text("Atelier Vélo Insertion Caraïbes")
    role.select_option(label="Juriste")
    page.get_by_label("Adresse e-mail").fill("nouvelle.juriste@demo.local")
    page.get_by_label("Nom complet").fill("Nora Juriste")
    page.get_by_role("button", name="Créer le compte").click()
    page.wait_for_load_state()
    visitor.audit("(compte créé)")
    assert page.url.endswith("/admin/utilisateurs")
    expect(page.get_by_text("compte créé pour nouvelle.juriste@demo.local, invitation envoyée.")).to_be_visible()
