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
    visitor.goto("/ressources/cddi-regles-essentielles")  # the resources stay in French: screen readers must know
    expect(page.get_by_role("heading", level=1)).to_have_attribute("lang", "fr")
    expect(page.locator("main .markdown")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="← Legal resources")).not_to_have_attribute("lang", "fr")
    visitor.goto("/connexion")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page).to_have_title("Log in — Legal helpdesk")
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

