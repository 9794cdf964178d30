"""The language switch in the header: a plain form that works without JavaScript, remembered per account."""
from playwright.sync_api import expect


def test_visitor_switches_to_english_and_back(visitor):
    """A visitor picks English on the search page, stays on it, and every page is then in English."""
    page = visitor.page
    visitor.goto("/ressources/?q=contrat")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("Langue (language)").select_option("en")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(anglais)")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/ressources/?q=contrat")
    expect(page.get_by_role("heading", level=1)).to_have_text("Legal resources")
    visitor.goto("/connexion")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page).to_have_title("Log in · Legal helpdesk")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(retour au français)")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")


def test_member_language_follows_the_account(visitor):
    """A member who chose English finds English again after logging in from a fresh browser."""
    page = visitor.page
    visitor.login("membre2@demo.local")
    page.get_by_label("Langue (language)").select_option("en")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(anglais)")
    expect(page.get_by_role("link", name="Ask a question").first).to_be_visible()
    visitor.login("membre2@demo.local")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(retour au français)")
    expect(page.get_by_role("link", name="Poser une question").first).to_be_visible()


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
    page.get_by_label("Votre réponse").fill("Voici le document demandé.")
    page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "outil.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" * 64}])
    page.get_by_role("button", name="Envoyer", exact=True).click()
    visitor.audit("(réponse refusée)")
    expect(page.get_by_role("status")).to_contain_text("n'est pas d'un type accepté")
    assert page.url == question
    page.reload()
    visitor.audit("(rechargée)")
    assert page.url == question
    expect(page.get_by_label("Votre réponse")).to_have_value("Voici le document demandé.")
    page.get_by_label("Langue (language)").select_option("en")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(anglais)")
    assert page.url == question
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="OK").click()
    visitor.audit("(retour au français)")
