"""After a form posted to an action-only address (a refused reply, a reply helper), the address bar shows the page
of the form: a reload opens it, with the text being written, and the language switch comes back to it."""
from urllib.parse import urlsplit

from playwright.sync_api import expect


def test_after_a_refused_reply_reload_and_language_switch_open_the_question(visitor):
    """A reply refused for its file was shown at the reply's action address: a reload offered to send the form again
    and a language change ended on « Method not allowed ». The address bar now shows the question: a reload opens
    it with the text kept (draft.js), and the language switch comes back to it."""
    page = visitor.page
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    page.locator("main a[href^='/questions/Q-']").first.click()
    visitor.audit()
    question = page.url
    page.get_by_label("Votre message").fill("Voici le document demandé.")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "outil.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" * 64}])
    page.get_by_role("button", name="Envoyer", exact=True).click()
    visitor.audit("(réponse refusée)")
    expect(page.get_by_role("status")).to_contain_text("Voyez l'erreur sous « Pièces jointes »")
    # The reason stands under the files field, which has the focus, to choose another file at once.
    expect(page.locator("#attachments-error")).to_contain_text("n'est pas d'un type accepté")
    expect(page.locator("input#attachments")).to_be_focused()
    assert page.url == question
    page.reload()
    visitor.audit("(rechargée)")
    assert page.url == question
    expect(page.get_by_label("Votre message")).to_have_value("Voici le document demandé.")
    page.get_by_label("Langue (language)").select_option("en")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(anglais)")
    assert page.url == question
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(retour au français)")


def test_a_canned_answer_inserted_then_a_reload_keep_the_composed_reply(visitor):
    """« Insérer la réponse type » posts the draft to the compose address; the page now reads as the question's, and
    a reload brings back the reply with the inserted answer (it came back without it, or asked to post again)."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=non-assignees")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    question = page.url
    page.get_by_label("Message", exact=True).fill("Bonjour,")
    page.get_by_role("button", name="Insérer la réponse type").click()
    visitor.audit("(réponse type insérée)")
    assert page.url.split("#")[0] == question
    composed = page.get_by_label("Message", exact=True).input_value()
    assert composed.startswith("Bonjour,") and len(composed) > len("Bonjour,")
    page.reload()
    visitor.audit("(rechargée)")
    assert page.url.split("#")[0] == question
    expect(page.get_by_label("Message", exact=True)).to_have_value(composed)


def test_the_member_list_filters_name_only_what_was_chosen_in_the_address(visitor):
    """« Filtrer » on « Nos questions » put every field in the address (?q=&qui=toutes&etat=ouvertes), defaults
    included: as in the queue, the address now names only the fields changed from their default."""
    page = visitor.page
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    visitor.audit("(filtres par défaut)")
    assert urlsplit(page.url)[2:4] == ("/questions/", "")
    page.get_by_label("Recherche (mots ou référence)").fill("CDDI")
    page.get_by_label("État").select_option("closes")
    page.get_by_role("button", name="Filtrer", exact=True).click()
    visitor.audit("(clôturées)")
    assert page.url == visitor.base_url + "/questions/?q=CDDI&etat=closes"
    expect(page.get_by_label("Auteur")).to_have_value("toutes")
