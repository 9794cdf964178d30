"""A kept email, in the browser: a new question mailed to the help desk becomes a question from a filled-in form."""
from playwright.sync_api import expect


def _question_form_from_the_demo_mail(visitor):
    """A jurist opens the demo's unattached mail « Question sur le CSE », then « En faire une nouvelle question… »."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/courriels")
    page.get_by_role("link", name="Question sur le CSE").click()
    page.wait_for_load_state()
    visitor.audit()
    page.get_by_role("link", name="En faire une nouvelle question…").click()
    page.wait_for_load_state()
    visitor.audit()
    return page


def test_a_mailed_new_question_opens_the_filled_in_question_form(visitor):
    """From « Courriels non rattachés », a member's mail without a reference offers « En faire une nouvelle
    question… »: the form that opens names the mail, has its sender's structure and name chosen, the email channel
    ticked, and its subject and text typed."""
    page = _question_form_from_the_demo_mail(visitor)
    expect(page.locator("#from-email")).to_contain_text("Depuis le courriel de Claire Membre <membre@demo.local>")
    expect(page.get_by_label("Structure", exact=True)).to_have_value(
        page.get_by_label("Structure", exact=True).locator("option", has_text="Association Tremplin Vallée")
        .get_attribute("value"))
    expect(page.get_by_label("Membre")).to_have_value(
        page.get_by_label("Membre").locator("option", has_text="Claire Membre").get_attribute("value"))
    expect(page.get_by_label("Courriel")).to_be_checked()
    expect(page.get_by_label("Objet")).to_have_value("Question sur le CSE")
    expect(page.get_by_label("Description")).to_have_value(
        "Nos salariés en insertion comptent-ils dans l'effectif pour la mise en place du CSE ?")


def test_the_question_form_opened_from_a_mail_leads_back_to_that_mail(visitor):
    """The form opened by « En faire une nouvelle question… » led back to the queue: its way back is the mail now,
    where the jurist may attach or discard it instead."""
    page = _question_form_from_the_demo_mail(visitor)
    page.get_by_role("link", name="← Retour au courriel").click()
    page.wait_for_load_state()
    visitor.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question sur le CSE")
    expect(page.get_by_role("link", name="En faire une nouvelle question…")).to_be_visible()
