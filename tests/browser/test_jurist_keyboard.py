"""The jurist's day with the keyboard: shortcuts in the queue and on a question, and a reply draft that
survives a reload."""
import re

from playwright.sync_api import expect


def test_queue_shortcuts_move_between_rows_and_open_with_enter(visitor):
    """j / k move the focus along the queue's rows, Enter opens the question; « ? » shows the help."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    links = page.locator("table.queue tbody tr").locator("a").filter(has_text="Q-")
    page.keyboard.press("j")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(links.nth(1)).to_be_focused()
    expect(page.locator("tr.is-selected")).to_have_count(1)
    reference = links.nth(1).inner_text()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    visitor.audit()
    page.keyboard.press("?")
    expect(page.get_by_role("heading", name="Raccourcis clavier")).to_be_focused()
    expect(page.get_by_text("Écrire la réponse")).to_be_visible()


def test_typing_in_a_field_never_triggers_a_shortcut(visitor):
    """A « j » typed in the queue's search box stays in the box."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    search = page.get_by_label("Recherche (mots ou référence)")
    search.click()
    page.keyboard.type("jk")
    expect(search).to_have_value("jk")
    expect(search).to_be_focused()


def test_claim_and_reply_shortcuts_then_shortcuts_can_be_switched_off(visitor):
    """« p » takes an unassigned question, « r » puts the cursor in the reply; the help's button turns keys off."""
    page = visitor.page
    visitor.login("juriste2@demo.local")
    visitor.goto("/file/?vue=non-assignees")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    page.keyboard.press("p")
    expect(page.get_by_role("status").first).to_contain_text("vous avez pris cette question.")
    visitor.audit("(après « p »)")
    expect(page.locator(".meta").first).to_contain_text("Hugo Juriste")
    page.keyboard.press("r")
    expect(page.get_by_label("Message")).to_be_focused()
    page.evaluate("document.activeElement.blur()")
    page.get_by_role("button", name="Désactiver les raccourcis clavier").click()
    expect(page.get_by_role("button", name="Activer les raccourcis clavier")).to_be_visible()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("r")
    expect(page.get_by_label("Message")).not_to_be_focused()


def test_reply_draft_survives_a_reload_and_is_cleared_once_sent(visitor):
    """The reply typed so far comes back after a reload; after a successful send the box is empty."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=mes-dossiers")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    url = page.url
    page.get_by_label("Message").fill("Bonjour, voici les premiers éléments de réponse")
    page.reload()
    visitor.audit("(après rechargement)")
    expect(page.get_by_label("Message")).to_have_value("Bonjour, voici les premiers éléments de réponse")
    expect(page.get_by_text("Brouillon restauré")).to_be_visible()
    page.get_by_label("Note interne (invisible pour le membre)").check()
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status").first).to_contain_text("note interne enregistrée.")
    visitor.audit("(après l'envoi)")
    assert page.url == url
    expect(page.get_by_label("Message")).to_have_value("")
    page.reload()
    visitor.audit("(rechargée après l'envoi)")
    expect(page.get_by_label("Message")).to_have_value("")
    expect(page.locator(".thread")).to_contain_text(re.compile("premiers éléments de réponse"))


def test_enter_in_the_resource_search_searches_and_keeps_the_reply(visitor):
    """Enter in « Chercher une ressource à citer » lists resources; it used to insert the canned answer instead."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    page.locator("table.queue tbody tr").locator("a").filter(has_text="Q-").first.click()
    visitor.audit()
    page.get_by_label("Message").fill("Réponse en cours de rédaction.")
    search = page.get_by_label("Chercher une ressource à citer")
    search.fill("activité partielle")
    search.press("Enter")
    expect(page.get_by_role("list", name="Ressources trouvées")).to_be_visible()
    expect(page.get_by_label("Message")).to_have_value("Réponse en cours de rédaction.")
    visitor.audit("(ressources à citer)")


def test_the_reply_form_shows_no_stray_search_button(visitor):
    """The reply form's hidden default button (it makes Enter search) is not shown: the only « Chercher » button on
    screen is the resource search's, next to its field (a lone « Chercher » stood above « Message »)."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    page.locator("table.queue tbody tr").locator("a").filter(has_text="Q-").first.click()
    visitor.audit()
    expect(page.get_by_role("button", name="Chercher", exact=True)).to_have_count(1)
    search_field = page.get_by_label("Chercher une ressource à citer").bounding_box()
    button = page.get_by_role("button", name="Chercher", exact=True).bounding_box()
    assert button["y"] < search_field["y"] + search_field["height"], "le bouton « Chercher » n'est pas à côté du champ"


def test_inserting_a_canned_answer_or_searching_a_resource_keeps_the_reply_in_sight(visitor):
    """The reply helpers re-render the page: it came back at its top, the draft, the inserted answer and the
    resources found far below, out of sight, each time."""
    page = visitor.page
    page.set_viewport_size({"width": 1280, "height": 800})
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    page.locator("table.queue tbody a").filter(has_text="Q-").first.click()
    visitor.audit()
    page.get_by_label("Message").fill("Bonjour,")
    page.get_by_role("button", name="Insérer la réponse type").click()
    message = page.get_by_label("Message")
    expect(message).to_have_value(re.compile(r"^Bonjour,\n\n."))
    expect(message).to_be_in_viewport()
    visitor.audit()
    page.get_by_label("Chercher une ressource à citer").fill("cddi")
    page.get_by_role("button", name="Chercher", exact=True).click()
    expect(page.get_by_role("list", name="Ressources trouvées")).to_be_in_viewport()
    visitor.audit()


def test_a_resource_link_goes_where_the_cursor_was_in_the_reply(visitor):
    """The link went after the canned answer's signature whatever the jurist pointed at; it now goes where the cursor
    was left in the message, even after a search in between, and a second link follows the first."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    page.locator("table.queue tbody a").filter(has_text="Q-").first.click()
    visitor.audit()
    message = page.get_by_label("Message")
    message.fill("Bonjour,\n\nVoir la fiche :\n\nBien cordialement,\nLéa")
    message.evaluate("box => { box.focus(); const at = box.value.indexOf(':') + 1; box.setSelectionRange(at, at); }")
    page.get_by_label("Chercher une ressource à citer").fill("activité partielle")
    page.get_by_role("button", name="Chercher", exact=True).click()
    visitor.audit()
    results = page.get_by_role("list", name="Ressources trouvées").get_by_role("button")
    results.first.click()
    visitor.audit()
    expect(message).to_have_value(re.compile(r"^Bonjour,\n\nVoir la fiche : \[[^\]]+\]\(/ressources/[a-z0-9-]+\)\n\n"
                                             r"Bien cordialement,\nLéa$"))
    page.get_by_role("list", name="Ressources trouvées").get_by_role("button").nth(1).click()
    visitor.audit()
    expect(message).to_have_value(re.compile(r"^Bonjour,\n\nVoir la fiche : (\[[^\]]+\]\(/ressources/[a-z0-9-]+\) ?){2}"
                                             r"\n\nBien cordialement,\nLéa$"))


def test_the_filter_form_sends_only_the_filled_fields(visitor):
    """Applying a theme names only the view and that theme in the address (no ?q=&region=&…, nor the view's default
    sort); the form, back from the history, still sends every filled field."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    page.get_by_label("Thème", exact=True).select_option(label="Activité partielle")
    page.get_by_role("button", name="Appliquer", exact=True).click()
    page.wait_for_url(re.compile(r"/file/\?"))
    assert re.fullmatch(r".*/file/\?vue=ouvertes&theme=\d+", page.url), page.url
    visitor.audit()
    page.get_by_label("Tri", exact=True).select_option(label="Priorité")
    page.get_by_role("button", name="Appliquer", exact=True).click()
    page.wait_for_url(re.compile(r"tri=priorite"))
    assert re.fullmatch(r".*/file/\?vue=ouvertes&theme=\d+&tri=priorite", page.url), page.url
    visitor.audit()
    page.go_back()
    visitor.audit()
    page.get_by_label("Recherche (mots ou référence)").fill("CDDI")
    page.get_by_role("button", name="Appliquer", exact=True).click()
    page.wait_for_url(re.compile(r"q=CDDI"))
    assert re.fullmatch(r".*/file/\?vue=ouvertes&q=CDDI&theme=\d+(&tri=priorite)?", page.url), page.url
    visitor.audit()


def test_a_careless_apply_on_a_published_resource_changes_nothing(visitor):
    """The status menu of a published resource opened on « Archiver »: it opens on « Choisissez un statut », and
    « Appliquer » without a choice says so in the banner, the resource still published."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/ressources/activite-partielle-calcul-indemnite")
    menu = page.get_by_label(re.compile(r"^Statut \(actuel\s: Publié\)$"))
    expect(menu).to_have_value("")
    expect(menu.locator("option").first).to_have_text("Choisissez un statut")
    page.get_by_role("button", name="Appliquer", exact=True).click()
    expect(page.locator(".flash-error")).to_contain_text("choisissez le nouveau statut. Rien n'a été enregistré.")
    expect(page.get_by_label(re.compile(r"^Statut \(actuel\s: Publié\)$"))).to_have_value("")
    visitor.audit()


def test_a_draft_resource_is_published_with_its_own_button(visitor):
    """A new resource's page offers « Publier » beside « Modifier »: one click publishes it; the status menu keeps
    the other changes and the button is gone once the resource is published."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/ressources/nouvelle")
    page.get_by_label("Titre").fill("Brouillon à publier d'un clic")
    page.get_by_label("Type").select_option("decryptage")
    page.get_by_label("Contenu (Markdown)").fill("Un texte court, prêt à paraître.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash-success")).to_contain_text("ressource enregistrée en brouillon.")
    visitor.audit()
    menu = page.get_by_label(re.compile(r"^Statut \(actuel\s: Brouillon\)$"))
    expect(menu.locator("option")).to_have_text(["Choisissez un statut", "Archiver"])
    page.get_by_role("button", name="Publier", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("la ressource est publiée.")
    visitor.audit()
    expect(page.get_by_role("button", name="Publier", exact=True)).to_have_count(0)
    expect(page.get_by_label(re.compile(r"^Statut \(actuel\s: Publié\)$")).locator("option")).to_have_text(
        ["Choisissez un statut", "Archiver", "Repasser en brouillon"])
