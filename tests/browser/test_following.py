"""A jurist follows a colleague's question, finds it under « Questions suivies », then stops following it."""
from playwright.sync_api import expect


def test_follow_a_question_then_find_it_in_the_followed_view_then_unfollow(visitor):
    """« Suivre la question » lists the jurist under « Suivie par » and in the queue's view; « Ne plus suivre » undoes
    both."""
    page = visitor.page
    visitor.login("juriste2@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    page.locator("table.queue tbody a").filter(has_text="Q-").first.click()
    visitor.audit()
    reference = page.locator("h1 .reference").inner_text()
    page.get_by_role("button", name="Suivre la question").click()
    visitor.audit("(après « Suivre la question »)")
    expect(page.get_by_role("status").first).to_contain_text("vous suivez cette question")
    expect(page.locator("#followers")).to_have_text("Hugo Juriste")
    visitor.goto("/file/?vue=suivies")
    expect(page.locator("table.queue tbody")).to_contain_text(reference)
    page.locator("table.queue tbody a").filter(has_text=reference).click()
    visitor.audit()
    page.get_by_role("button", name="Ne plus suivre").click()
    visitor.audit("(après « Ne plus suivre »)")
    expect(page.locator("#followers")).to_have_text("Personne")
    visitor.goto("/file/?vue=suivies")
    expect(page.get_by_text("Aucune question dans cette vue.")).to_be_visible()
