"""Staff actions with lasting effects (deactivating a jurist or making them a member, merging), in the browser: they
say what will happen and wait for a confirmation."""
import re

from playwright.sync_api import expect


def test_deactivating_a_jurist_says_how_many_questions_go_back_to_the_queue(visitor):
    """« Désactiver » on a jurist's line, beside « Modifier », no longer empties their files at once: a page says how
    many open questions would go to « Non assignées »; « Annuler » leads back to the filtered accounts, the jurist
    still active."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/utilisateurs?role=jurist")
    page.get_by_role("row").filter(has_text="juriste2@demo.local").get_by_role("button", name="Désactiver").click()
    page.wait_for_load_state()
    visitor.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text("Désactiver le compte de Hugo Juriste ?")
    expect(page.get_by_text(re.compile(r"\d+ questions ouvertes lui sont assignées"))).to_be_visible()
    page.get_by_role("link", name="Annuler").click()
    page.wait_for_url(re.compile(r".*/admin/utilisateurs\?role=jurist$"))
    visitor.audit()
    row = page.get_by_role("row").filter(has_text="juriste2@demo.local")
    expect(row.get_by_role("cell", name="Actif", exact=True)).to_be_visible()


def test_making_a_jurist_a_member_says_how_many_questions_go_back_to_the_queue(visitor):
    """« Membre » chosen in a jurist's account form no longer empties their files at once: a page says how many open
    questions would go to « Non assignées » and suggests « Mon absence »; « Annuler » leads back to the filtered
    accounts, the jurist still a jurist."""
    page = visitor.page
    visitor.login("admin@demo.local")
    visitor.goto("/admin/utilisateurs?role=jurist")
    page.get_by_role("row").filter(has_text="juriste2@demo.local").get_by_role("link", name="Modifier").click()
    page.wait_for_load_state()
    visitor.audit()
    page.get_by_label("Rôle").select_option("member")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    visitor.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text("Donner le rôle « Membre » à Hugo Juriste ?")
    expect(page.get_by_text(re.compile(r"\d+ questions ouvertes lui sont assignées"))).to_be_visible()
    expect(page.get_by_text("« Mon absence »")).to_be_visible()
    expect(page.get_by_role("button", name="Changer le rôle")).to_be_visible()
    page.get_by_role("link", name="Annuler").click()
    page.wait_for_url(re.compile(r".*/admin/utilisateurs\?role=jurist$"))
    visitor.audit()
    expect(page.get_by_role("row").filter(has_text="juriste2@demo.local")).to_be_visible()


def test_a_merge_names_both_questions_before_it_is_done(visitor):
    """A number typed in « Fusionner dans la question » leads to a page naming both questions; « Annuler » leads
    back to the question, still open."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=non-assignees")
    source = page.locator("table.queue td.reference-cell a").nth(0).inner_text()
    target = page.locator("table.queue td.reference-cell a").nth(1).inner_text()
    visitor.goto(f"/questions/{source}")
    page.get_by_label("Fusionner dans la question").fill(target.rsplit("-", 1)[1])
    page.get_by_label("Je confirme la fusion même si les questions viennent de structures différentes").check()
    page.get_by_role("button", name="Fusionner").click()
    page.wait_for_load_state()
    visitor.audit()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fusionner {source} dans {target} ?")
    expect(page.get_by_text("La fusion ne peut pas être annulée")).to_be_visible()
    page.get_by_role("link", name="Annuler").click()
    page.wait_for_url(re.compile(rf".*/questions/{source}$"))
    visitor.audit()
    expect(page.get_by_label("Fusionner dans la question")).to_be_visible()
