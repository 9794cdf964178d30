"""Staff forms that create an entry, in the browser: a double click on the button sends the form once."""
import re

from playwright.sync_api import expect

# Two clicks in a row on the form's button, as a double click gives them: what the button then says, and whether the
# second sending was stopped (its submit event seen last, by the window).
DOUBLE_CLICK = """() => {
    const button = document.querySelector("main form[data-submit-once] button[type=submit]");
    button.click();
    let stopped = null;
    window.addEventListener("submit", event => { stopped = event.defaultPrevented; }, {once: true});
    button.click();
    return [button.getAttribute("aria-disabled"), stopped];
}"""


def test_a_double_click_on_save_sends_a_canned_answer_once(visitor):
    """While the first sending is on its way, the button says it no longer answers and a second click sends
    nothing; coming back to the form from the history makes it usable again."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/reponses-types/nouvelle")
    page.get_by_label("Titre").fill("Relance pour pièces manquantes")
    page.get_by_label("Texte", exact=True).fill("Bonjour {prenom_membre}, il manque le contrat signé.")
    assert page.evaluate(DOUBLE_CLICK) == ["true", True], "le second clic envoie le formulaire une seconde fois"
    page.wait_for_url(re.compile(r".*/reponses-types/$"))
    visitor.audit()
    expect(page.get_by_role("link", name="Relance pour pièces manquantes", exact=True)).to_have_count(1)
    page.go_back()
    page.wait_for_load_state()
    visitor.audit()
    expect(page.get_by_role("button", name="Enregistrer")).not_to_have_attribute("aria-disabled", "true")
