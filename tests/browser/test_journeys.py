"""End-to-end journeys in Chromium: ask, answer, read, search; every visited page passes axe-core."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD

SUBJECT = "Renouveler un CDDI pour finir une formation"
BODY = ("Un salarié en CDDI depuis 22 mois suit une formation qualifiante qui se termine dans quatre mois. "
        "Pouvons-nous renouveler son contrat au-delà de 24 mois ?")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ANSWER = "Oui : une dérogation permet de prolonger le CDDI pour achever la formation ; faites l'avenant avant l'échéance."


def _file_question(visitor, detail: str) -> str:
    """As the demo member, type a question (BODY, then `detail`: each test files its own question, the same one
    sent again being recognised), open a suggested resource, send; return the new reference."""
    page = visitor.page
    visitor.login("membre@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill(SUBJECT)
    page.get_by_label("Description").press_sequentially(BODY[:60], delay=5)
    panel = page.locator("#suggestions")
    expect(panel).to_contain_text("Ces ressources répondent peut-être à votre question")
    expect(panel.get_by_role("link").first).to_be_visible()
    visitor.audit("(suggestions affichées)")
    visitor.screenshot("nouvelle-question")
    title = panel.get_by_role("link").first.evaluate("link => link.firstChild.textContent.trim()")
    with page.context.expect_page() as popup_info:
        panel.get_by_role("link").first.click()
    resource = popup_info.value
    resource.wait_for_load_state()
    expect(resource.get_by_role("heading", level=1)).to_have_text(title)
    visitor.audit("(ressource suggérée)", page=resource)
    resource.close()
    page.get_by_label("Description").fill(f"{BODY} {detail}")
    page.get_by_label("Thème").select_option(label="CDDI et CDI inclusion")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_role("status")).to_contain_text("a bien été envoyée")
    visitor.audit()
    return re.search(r"Q-\d{4}-\d{5}", page.get_by_role("status").inner_text()).group(0)


def test_member_files_a_question_and_opens_a_suggested_resource(visitor):
    """The suggestions panel fills while typing; the resource opens; the question is filed."""
    reference = _file_question(visitor, "Il prépare un titre professionnel.")
    expect(visitor.page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    visitor.goto("/questions/")
    expect(visitor.page.get_by_role("link", name=reference)).to_be_visible()
    visitor.screenshot("accueil-membre")


def test_the_question_sent_again_after_going_back_is_not_filed_twice(visitor):
    """Back to the form after sending, then « Envoyer ma question » again: the member lands on the question
    already filed, told so, and the list holds it once."""
    page = visitor.page
    reference = _file_question(visitor, "La formation est financée par l'OPCO.")
    page.go_back()
    visitor.audit("(retour au formulaire)")
    page.get_by_label("Objet").fill(SUBJECT)
    page.get_by_label("Description").fill(f"{BODY} La formation est financée par l'OPCO.")
    page.get_by_label("Thème").select_option(label="CDDI et CDI inclusion")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_role("status")).to_contain_text(f"Votre question {reference} a déjà été envoyée")
    visitor.audit("(question renvoyée)")
    assert page.url.endswith(f"/questions/{reference}")


def test_jurist_answers_with_a_canned_answer_then_member_reads_and_rates_it(visitor):
    """A jurist takes the question from the queue and answers from a canned answer; a colleague of the member
    reads the answer and its status, and rates it."""
    reference = _file_question(visitor, "Son contrat se termine le mois prochain.")
    page = visitor.page
    visitor.login("juriste@demo.local")
    expect(page).to_have_title(re.compile("File des questions"))
    visitor.screenshot("file-juriste")
    page.get_by_role("link", name=reference).click()
    visitor.audit()
    page.get_by_role("button", name="Je prends").click()
    expect(page.get_by_role("status")).to_be_visible()
    visitor.audit("(après « Je prends »)")
    page.get_by_label("Réponse type").select_option(label="Accusé de réception")
    page.get_by_role("button", name="Insérer la réponse type").click()
    visitor.audit("(réponse type insérée)")
    message = page.get_by_label("Message")
    expect(message).to_have_value(re.compile(r"^Bonjour Claire,.*" + reference, re.S))
    message.press("ControlOrMeta+End")
    message.press_sequentially("\n\n" + ANSWER, delay=0)
    page.get_by_label("Réponse au membre").check()
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("votre message a été envoyé.")
    visitor.audit("(après la réponse)")

    visitor.login("membre2@demo.local")
    visitor.goto(f"/questions/{reference}")
    expect(page.locator(".thread")).to_contain_text(ANSWER)
    expect(page.locator(".thread")).to_contain_text("Nous avons bien reçu votre question")
    expect(page.locator(".meta").first).to_contain_text("Répondue")
    visitor.screenshot("question-fil")
    page.get_by_label("5 — Très satisfait").check()
    page.get_by_label("Commentaire (facultatif)").fill("Réponse claire, merci.")
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("status")).to_contain_text("merci pour votre avis.")
    visitor.audit("(après l'avis)")
    expect(page.get_by_role("heading", name="Modifier votre avis")).to_be_visible()


def test_search_with_facets_narrows_and_clears(visitor):
    """A search lists matching resources; a type facet narrows them and can be removed."""
    page = visitor.page
    visitor.goto("/ressources/")
    page.get_by_label("Rechercher dans les ressources").fill("contrat")
    page.get_by_role("button", name="Rechercher").click()
    heading = page.locator("#results-title")
    expect(heading).to_contain_text("pour « contrat »")  # waits for the results page before auditing it
    visitor.audit()
    total = int(re.match(r"\d+", heading.inner_text()).group(0))
    facet = page.locator(".facets ul").first.get_by_role("link").first
    facet_count = int(re.search(r"\((\d+)\)", facet.inner_text()).group(1))
    facet.click()
    expect(heading).to_contain_text(f"{facet_count} résultat")
    visitor.audit("(facette choisie)")
    assert facet_count <= total
    visitor.screenshot("recherche")
    page.locator(".facets a.selected").click()
    expect(heading).to_contain_text(f"{total} résultat")
    visitor.audit("(facette retirée)")


def test_new_question_draft_survives_a_reload_and_a_lost_session_and_is_cleared_once_sent(visitor, live_server):
    """Subject and description typed so far come back after a reload and after logging in again (the member
    logged out on another device, which ended this session, before sending); once filed, the form is empty."""
    page = visitor.page
    subject, body = "Brouillon : CDDI et arrêt maladie", "Un salarié en CDDI est en arrêt depuis trois semaines."
    visitor.login("membre2@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill(subject)
    page.get_by_label("Description").fill(body)
    page.reload()
    visitor.audit("(après rechargement)")
    expect(page.get_by_label("Objet")).to_have_value(subject)
    expect(page.get_by_label("Description")).to_have_value(body)
    expect(page.get_by_text("Brouillon restauré")).to_be_visible()

    other_device = page.context.browser.new_context()
    elsewhere = other_device.new_page()
    elsewhere.goto(live_server + "/connexion")
    elsewhere.get_by_label("Adresse e-mail").fill("membre2@demo.local")
    elsewhere.get_by_label("Mot de passe").fill(PASSWORD)
    elsewhere.get_by_role("button", name="Se connecter").click()
    elsewhere.get_by_role("button", name="Se déconnecter").click()
    expect(elsewhere.get_by_role("status")).to_contain_text("déconnecté(e) sur tous vos appareils")
    other_device.close()
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    visitor.audit("(session terminée)")
    visitor.login("membre2@demo.local")
    visitor.goto("/questions/nouvelle")
    expect(page.get_by_label("Objet")).to_have_value(subject)
    expect(page.get_by_label("Description")).to_have_value(body)

    page.get_by_label("Description").fill(body + " A-t-il droit au maintien de salaire ?")
    page.get_by_label("Thème").select_option(label="CDDI et CDI inclusion")  # no theme is preselected
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_role("status").first).to_contain_text("a bien été envoyée")
    visitor.audit("(après l'envoi)")
    visitor.goto("/questions/nouvelle")
    expect(page.get_by_label("Objet")).to_have_value("")
    expect(page.get_by_label("Description")).to_have_value("")
    expect(page.get_by_text("Brouillon restauré")).to_be_hidden()


def test_logging_out_leaves_no_draft_in_the_browser(visitor):
    """A shared computer: the text typed but not sent is kept through a reload, and gone once its writer logs out."""
    page = visitor.page
    drafts = "() => Object.keys(localStorage).filter(key => key.startsWith('helpdesk.draft.'))"
    visitor.login("membre2@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill("Brouillon confidentiel : licenciement")
    page.get_by_label("Description").fill("Le salarié concerné a un casier judiciaire, que faire ?")
    page.reload()
    assert page.evaluate(drafts)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_contain_text("déconnecté(e) sur tous vos appareils")
    visitor.audit("(après la déconnexion)")
    assert page.evaluate(drafts) == []
    visitor.login("membre2@demo.local")
    visitor.goto("/questions/nouvelle")
    expect(page.get_by_label("Objet")).to_have_value("")


def test_closing_with_a_reply_being_written_keeps_the_reply_and_the_question_open(visitor):
    """« Clore la question » with text in « Votre message » is refused and the text stays (on the page and as a
    draft); with the box emptied and the closing confirmed, the question closes and the draft is gone."""
    page = visitor.page
    text = "Une précision avant de clore : l'avenant a été signé hier."
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    page.locator("table a[href^='/questions/Q-']").first.click()
    visitor.audit()
    reference = re.search(r"Q-\d{4}-\d{5}", page.url).group(0)
    page.get_by_label("Votre message").fill(text)
    page.get_by_role("button", name="Clore la question").click()
    expect(page.locator(".flash-error")).to_contain_text("n'a pas été envoyé")
    visitor.audit("(clôture refusée)")
    expect(page.get_by_label("Votre message")).to_have_value(text)
    visitor.goto(f"/questions/{reference}")
    expect(page.get_by_label("Votre message")).to_have_value(text)
    expect(page.get_by_text("Brouillon restauré")).to_be_visible()

    page.get_by_label("Votre message").fill("")
    page.get_by_role("button", name="Clore la question").click()
    expect(page.get_by_role("heading", name=f"Clore la question {reference} ?")).to_be_visible()
    visitor.audit("(confirmation de clôture)")
    page.get_by_role("button", name="Clore la question").click()
    expect(page.get_by_role("status")).to_contain_text("la question est clôturée.")
    visitor.audit("(question clôturée)")
    expect(page.get_by_text("Cette question est clôturée.")).to_be_visible()


def test_a_refused_question_shows_its_suggestions_again_without_typing(visitor):
    """After a refused submission the form comes back filled: the suggestions for its text come back too."""
    page = visitor.page
    visitor.login("membre@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill(SUBJECT)
    page.get_by_label("Description").fill(BODY)
    page.get_by_role("button", name="Envoyer ma question").click()  # no theme chosen: refused
    expect(page.get_by_label("Objet")).to_have_value(SUBJECT)
    expect(page.locator("#suggestions")).to_contain_text("Ces ressources répondent peut-être à votre question")


def test_a_file_too_large_is_refused_when_chosen_and_the_question_is_kept(visitor):
    """A scan of 11 MB (10 MB allowed per file) is taken back as soon as it is chosen, with the reason under the
    field and a word that no file is attached now (it read as if the file were still there); what was typed stays and
    a lighter file is accepted (before, the whole sending was refused after upload)."""
    page = visitor.page
    visitor.login("membre2@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill("Arrêt maladie pendant la période d'essai")
    files = page.get_by_label("Documents (contrat, bulletin de paie, courrier…)")
    files.set_input_files([{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" * 1_300_000}])
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Le fichier « scan.pdf » dépasse la taille autorisée (10 Mo par fichier). "
                                  "Aucun fichier n'est joint pour l'instant. Choisissez-les de nouveau, dans ces "
                                  "limites.")
    assert files.evaluate("input => input.files.length") == 0
    expect(files).to_have_attribute("aria-invalid", "true")
    visitor.audit("(fichier trop lourd refusé)")
    expect(page.get_by_label("Objet")).to_have_value("Arrêt maladie pendant la période d'essai")
    files.set_input_files([{"name": "avenant.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    expect(alert).to_be_hidden()
    assert files.evaluate("input => input.files.length") == 1
