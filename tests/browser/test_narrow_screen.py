"""On a phone (375 px wide) the pages keep the screen's width: wide tables scroll sideways inside their own
region, which the keyboard can reach; the lists of questions (the jurists' queue, a member's list) turn into cards."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import WORDS_CUT_ACROSS_LINES

PHONE = {"width": 375, "height": 800}
PAGES = [
    ("membre@demo.local", "/questions/"),
    ("juriste@demo.local", "/file/"),
    ("juriste@demo.local", "/statistiques/"),
    ("admin@demo.local", "/admin/utilisateurs"),
    ("admin@demo.local", "/admin/structures"),
    ("admin@demo.local", "/admin/journal/"),
]


def _page_width(page) -> int:
    """The width of the whole document, scrolled parts included."""
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize(("email", "path"), PAGES, ids=[path for _, path in PAGES])
def test_pages_with_tables_keep_the_phone_width(visitor, email, path):
    """The document is no wider than the screen; every table sits in a named, focusable scrolling region."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login(email)
    visitor.goto(path)
    assert _page_width(page) <= PHONE["width"], f"{path} : {_page_width(page)} px de large sur un écran de 375 px"
    tables = page.locator("main table")
    assert tables.count() > 0
    for index in range(tables.count()):
        region = tables.nth(index).locator("xpath=..")
        expect(region).to_have_attribute("role", "region")
        expect(region).to_have_attribute("tabindex", "0")
        assert region.get_attribute("aria-label")


def test_resource_with_a_table_keeps_the_width_of_a_small_phone(visitor):
    """A resource whose Markdown table compares three columns still fits 320 px, the width WCAG's reflow asks for."""
    page = visitor.page
    page.set_viewport_size({"width": 320, "height": 700})
    visitor.login("membre@demo.local")
    visitor.goto("/ressources/mise-a-disposition-ai-etti")
    expect(page.locator("main .markdown table")).to_be_visible()
    assert _page_width(page) <= 320, f"{_page_width(page)} px de large sur un écran de 320 px"


@pytest.mark.parametrize("view", ["mes-dossiers", "en-attente"])
def test_the_queue_is_a_list_of_cards_on_a_phone_and_a_table_on_a_computer(visitor, view):
    """The queue's twelve columns made it scroll sideways on a phone (1,200 px in a 343 px region): each question is
    now a card, its reference, subject and status in sight, each value named as in the table's header; a computer
    keeps the table with its header row."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("juriste@demo.local")
    visitor.goto(f"/file/?vue={view}")
    table = page.locator("table.queue")
    region = table.locator("xpath=..")
    assert region.evaluate("element => element.scrollWidth <= element.clientWidth"), "la file défile de côté"
    assert _page_width(page) <= PHONE["width"]
    first = table.locator("tbody tr").first
    card = first.bounding_box()
    for part in (first.locator("a").filter(has_text="Q-"), first.locator("td.long-text"), first.locator(".badge")):
        expect(part).to_be_visible()
        box = part.bounding_box()
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"]
    label = first.locator("td[data-label='Structure']").evaluate(
        "element => getComputedStyle(element, '::before').content")
    assert label == '"Structure : "', label
    assert table.locator("thead").bounding_box()["height"] <= 1, "l'en-tête du tableau reste affiché"
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(table.get_by_role("columnheader", name="Structure")).to_be_visible()
    assert first.locator("td.long-text").bounding_box()["y"] == first.locator("td.reference-cell").bounding_box()["y"]


TABLET_WIDTHS = [768, 900]  # a tablet held upright, and a narrow window between a tablet and a small laptop


@pytest.mark.parametrize("width", TABLET_WIDTHS)
def test_the_queue_is_a_list_of_cards_on_a_tablet_held_upright(visitor, width):
    """Between a phone and a 1024 px screen the queue stayed a table and scrolled about 300 px sideways in its box:
    it is a list of cards there too, in every view, each card's reference, subject and status inside it; « Posée
    le », left out of the table on a small laptop, is in each card."""
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 1000})
    visitor.login("juriste@demo.local")
    for view in ("non-assignees", "mes-dossiers", "ouvertes", "en-attente", "en-retard"):
        visitor.goto(f"/file/?vue={view}")
        table = page.locator("table.queue")
        widths = table.locator("xpath=..").evaluate("element => [element.scrollWidth, element.clientWidth]")
        assert widths[0] <= widths[1], f"« {view} » défile de côté à {width} px : {widths}"
        assert _page_width(page) <= width, view
        assert table.locator("thead").bounding_box()["height"] <= 1, "l'en-tête du tableau reste affiché"
        rows = table.locator("tbody tr")
        assert rows.count() > 0, view
        for index in range(rows.count()):
            row = rows.nth(index)
            card = row.bounding_box()
            for part in (row.locator("td.reference-cell a"), row.locator("td.long-text"), row.locator(".status-cell .badge")):
                box = part.bounding_box()
                assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"], \
                    (view, part.inner_text())
        expect(rows.first.locator("td.created-cell")).to_be_visible()


@pytest.mark.parametrize("width", TABLET_WIDTHS)
@pytest.mark.parametrize(("email", "path"), [("membre@demo.local", "/questions/"),
                                             ("admin@demo.local", "/admin/utilisateurs"),
                                             ("admin@demo.local", "/admin/structures")],
                         ids=["nos-questions", "comptes", "structures"])
def test_the_other_lists_of_cards_fit_a_tablet_held_upright(visitor, width, email, path):
    """« Nos questions » scrolled sideways on a tablet held upright (888 px in a 736 px box), the accounts' list too:
    like the queue, each of these lists is a list of cards there, each value named."""
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 1000})
    visitor.login(email)
    visitor.goto(path)
    table = page.locator("main table.cards")
    widths = table.locator("xpath=..").evaluate("element => [element.scrollWidth, element.clientWidth]")
    assert widths[0] <= widths[1], f"{path} défile de côté à {width} px : {widths}"
    assert table.locator("thead").bounding_box()["height"] <= 1, "l'en-tête du tableau reste affiché"
    labelled = table.locator("tbody td[data-label]").first
    label = labelled.get_attribute("data-label")
    assert labelled.evaluate("element => getComputedStyle(element, '::before').content") == f'"{label} : "'


def _jurist_opens_a_question_on_a_phone(visitor):
    """On a 375 px screen, the demo jurist opens the first question of the queue; return the page."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    return page

@pytest.mark.parametrize(("path", "label", "value"), [("/admin/utilisateurs", "Adresse e-mail", "admin@demo.local"),
                                                      ("/admin/structures", "SIRET", "80045612300002"),
                                                      ("/admin/journal/", "Détails", "adresse IP"),
                                                      ("/admin/delais", "Première réponse", "h"),
                                                      ("/admin/routage", "Confiée à", "Hugo Juriste"),
                                                      ("/admin/courriels", "Envoyé", "")])
def test_the_admins_lists_are_cards_on_a_phone(visitor, path, label, value):
    """On a phone the accounts' list showed names and half the addresses, the roles, states and buttons out of
    sight to the right (the structures' list too; the audit journal its details, the service levels and routing
    rules their values and buttons, the outgoing mail its counts): each line is a card, each value named."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("admin@demo.local")
    visitor.goto(path)
    table = page.locator("main table.cards").first
    assert table.locator("xpath=..").evaluate("element => element.scrollWidth <= element.clientWidth"), \
        "la liste défile de côté"
    cell = table.locator(f"td[data-label='{label}']", has_text=value).first
    expect(cell).to_be_visible()
    assert cell.evaluate("element => getComputedStyle(element, '::before').content") == f'"{label} : "'
    assert table.locator("thead").bounding_box()["height"] <= 1, "l'en-tête du tableau reste affiché"


def test_question_page_with_the_structures_recent_questions_keeps_the_phone_width(visitor):
    """A jurist's view of a question, with the structure's five latest questions, fits the phone."""
    page = _jurist_opens_a_question_on_a_phone(visitor)
    expect(page.get_by_role("region", name=re.compile(r"autres? question"))).to_be_visible()
    assert _page_width(page) <= PHONE["width"]


def test_the_follow_hint_stands_on_lines_of_its_own_under_its_button_on_a_phone(visitor):
    """On a member's question, the hint of « Suivre la question » wrapped around the button on a phone (« Un courriel
    à » beside it, the rest under it, lines spread by the button's height): it now starts under the button, at its
    left edge, its lines as close as any hint's; a computer keeps it beside the button."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=non-assignees")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    button = page.get_by_role("button", name="Suivre la question")
    expect(button).to_have_accessible_description("Un courriel à chaque message, note, changement de juriste ou clôture.")
    hint = page.locator("#follow-hint")
    box, hint_box = button.bounding_box(), hint.bounding_box()
    assert hint_box["y"] >= box["y"] + box["height"], (box, hint_box)
    assert abs(hint_box["x"] - box["x"]) < 1, (box, hint_box)
    line_height = hint.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
    lines = hint.evaluate("element => element.getClientRects().length")
    assert lines == 1 and hint_box["height"] <= 3 * line_height, f"{hint_box['height']} px pour une aide de 2 lignes"
    assert _page_width(page) <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 800})
    box, hint_box = button.bounding_box(), hint.bounding_box()
    assert hint_box["x"] > box["x"] + box["width"] and box["y"] <= hint_box["y"] <= box["y"] + box["height"]


def test_a_pasted_link_searched_on_a_phone_wraps_instead_of_widening_the_page(visitor):
    """A long unbroken query (a Légifrance link pasted into the search box) is echoed in the results heading: it
    wraps within the 375 px."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    link = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000037823185"
    visitor.goto("/ressources/?q=" + link)
    expect(page.get_by_role("heading", name=link, exact=False)).to_be_visible()
    assert _page_width(page) <= PHONE["width"], f"{_page_width(page)} px de large sur un écran de 375 px"


def test_the_triage_forms_keep_readable_fields_on_a_phone(visitor):
    """On a phone the merge and tag fields keep most of the screen's width and the merge confirmation reads on
    wide lines (they were squeezed beside their buttons, the confirmation one word per line)."""
    page = _jurist_opens_a_question_on_a_phone(visitor)
    for label in ("Fusionner dans la question", "Ajouter des étiquettes"):
        width = page.get_by_label(label).bounding_box()["width"]
        assert width >= 250, f"« {label} » : {width} px de large sur un écran de 375 px"
    confirmation = page.get_by_text("Je confirme la fusion").bounding_box()
    assert confirmation["width"] >= 250, f"confirmation large de {confirmation['width']} px"
    assert _page_width(page) <= PHONE["width"]


def test_search_filters_fold_above_the_results_on_a_phone_and_stand_beside_them_on_a_computer(visitor):
    """On a phone the filters came after every result, out of reach; now « Filtrer » sits between the search box and
    the results, folded so that the first result still shows on the first screen, and says how many filters are on.
    A wide screen shows the filters unfolded in the left column, without « Filtrer »."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    visitor.goto("/ressources/?q=cddi&type=faq")
    toggle = page.locator("summary", has_text="Filtrer")
    expect(toggle).to_contain_text("1 filtre actif")
    facet = page.locator(".facets a").first
    expect(facet).to_be_hidden()
    first = page.locator(".hits h3 a").first.bounding_box()
    assert first["y"] + first["height"] <= PHONE["height"], f"premier résultat à {first['y']} px"
    assert page.get_by_label("Rechercher dans les ressources").bounding_box()["y"] < toggle.bounding_box()["y"] < first["y"]
    toggle.click()
    expect(facet).to_be_visible()
    assert facet.bounding_box()["y"] < page.locator(".hits h3 a").first.bounding_box()["y"]
    assert _page_width(page) <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    expect(toggle).to_be_hidden()
    expect(facet).to_be_visible()
    first = page.locator(".hits h3 a").first.bounding_box()
    facets = page.locator(".phone-fold").bounding_box()
    assert facets["x"] + facets["width"] <= first["x"] and abs(facets["y"] - page.locator(".results").bounding_box()["y"]) < 5


def test_queue_filters_fold_on_a_phone_and_stay_open_on_a_computer(visitor):
    """The queue's eight filters took a whole phone screen before the first question: they fold under « Filtrer »,
    which counts the active ones; a wide screen shows them unfolded as before."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes&region=bretagne&tri=priorite")  # Bretagne has open questions on any date
    toggle = page.locator("summary", has_text="Filtrer")
    expect(toggle).to_contain_text("1 filtre actif")
    expect(page.get_by_label("Région")).to_be_hidden()
    assert toggle.bounding_box()["y"] < page.locator("table.queue").bounding_box()["y"] < PHONE["height"] + 100
    toggle.click()
    expect(page.get_by_label("Région")).to_have_value("bretagne")
    assert _page_width(page) <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    page.reload()
    expect(page.get_by_label("Région")).to_be_visible()


@pytest.mark.parametrize("width", [PHONE["width"], 1280])
def test_suggestions_show_before_the_send_button_on_a_phone_and_beside_the_form_on_a_wide_screen(visitor, width):
    """While a member types a question, the suggested resources appear under the description on a phone (they used to
    come after « Envoyer ma question »), and still stand in a column beside the form on a wide screen."""
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 900})
    visitor.login("membre@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Description").fill("Renouvellement d'un CDDI pour un salarié en activité partielle")
    expect(page.locator("#suggestions")).to_contain_text("Ces ressources répondent peut-être à votre question")
    panel = page.locator(".suggestions-panel").bounding_box()
    body = page.get_by_label("Description").bounding_box()
    send = page.get_by_role("button", name="Envoyer ma question").bounding_box()
    if width == PHONE["width"]:
        assert body["y"] < panel["y"] < send["y"]
        assert _page_width(page) <= PHONE["width"]
    else:
        assert panel["x"] >= body["x"] + body["width"] and panel["y"] < body["y"]


def test_members_home_on_a_phone_keeps_labels_over_their_filters_and_flash_titles_aligned(visitor):
    """On a phone, « Auteur » sat beside the search box, away from its list; a flash info title that wrapped was
    centred (a button's default) under the list's bullet."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    for label, field in (("Auteur", "#qui"), ("État", "#etat")):
        label_box = page.locator(f"form.filters label:text-is('{label}')").bounding_box()
        field_box = page.locator(field).bounding_box()
        assert label_box["y"] + label_box["height"] <= field_box["y"] + 1 and abs(label_box["x"] - field_box["x"]) < 2
    title = page.locator(".flash-bulletin li button.link").first
    expect(title).to_have_css("text-align", "start")
    # Its date began the second line with a stray « · », and the list's bullet took 40 px of the 375.
    expect(page.locator(".flash-bulletin .flash-date").first).to_have_text(re.compile(r"^\d"))
    item, box = page.locator(".flash-bulletin li").first.bounding_box(), page.locator(".flash-bulletin").bounding_box()
    assert item["x"] - box["x"] < 45


def test_members_list_shows_each_questions_status_on_a_phone_without_scrolling_sideways(visitor):
    """The status (« Votre réponse est attendue », « Répondue »…) is what a member follows, but it sat in the fifth
    column, out of a phone's screen: it now comes right after the subject."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    badge = page.locator("main table .badge").first
    box = badge.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"], f"statut à {box['x']} px sur un écran de 375 px"
    assert _page_width(page) <= PHONE["width"]


def test_members_list_is_a_list_of_cards_on_a_phone_and_a_table_on_a_computer(visitor):
    """On a phone the member's list split « Q-2026-00152 » over two lines, stood « Votre réponse est attendue » on
    four and cut a badge at the screen's edge: each question is now a card like the jurists' queue, its reference
    and status each on one line inside it, each value named as in the header; a computer keeps the table."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    visitor.goto("/questions/?etat=attente")
    table = page.locator("main table.cards")
    region = table.locator("xpath=..")
    assert region.evaluate("element => element.scrollWidth <= element.clientWidth"), "la liste défile de côté"
    rows = table.locator("tbody tr")
    assert rows.count() > 0
    for index in range(rows.count()):
        row = rows.nth(index)
        card = row.bounding_box()
        for part in (row.locator("td.reference-cell a"), row.locator("td.long-text"), row.locator(".badge")):
            box = part.bounding_box()
            assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"], part.inner_text()
        for part in (row.locator("td.reference-cell a"), row.locator(".badge")):
            assert part.evaluate("element => element.getClientRects().length") == 1, f"« {part.inner_text()} » coupé"
            assert part.bounding_box()["height"] < 30, f"« {part.inner_text()} » sur plusieurs lignes"
    expect(rows.first.locator(".badge")).to_have_text("Votre réponse est attendue")
    label = rows.first.locator("td[data-label='Statut']").evaluate(
        "element => getComputedStyle(element, '::before').content")
    assert label == '"Statut : "', label
    assert table.locator("thead").bounding_box()["height"] <= 1, "l'en-tête du tableau reste affiché"
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(table.get_by_role("columnheader", name="Statut")).to_be_visible()
    first = rows.first
    assert first.locator("td.long-text").bounding_box()["y"] == first.locator("td.reference-cell").bounding_box()["y"]


def test_member_on_a_phone_types_without_accents_and_finds_the_question_then_a_templates_file_near_the_top(
        visitor):
    """A member on a phone, keyboard only, types « activite partielle » (no accents) in « Nos questions » and finds
    the demo's question on partial activity; the file of a template resource shows after one scroll at most, no
    longer after five screens of its text."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    page.get_by_label("Recherche (mots ou référence)").focus()
    page.keyboard.type("activite partielle")
    page.keyboard.press("Enter")
    page.wait_for_url("**/questions/?q=activite+partielle*")
    visitor.audit()
    expect(page.locator("main table tbody tr").first).to_contain_text("Activité partielle")
    visitor.goto("/ressources/modele-courrier-renouvellement-cddi")
    download = page.locator("main ul.attachments a").first
    expect(download).to_be_visible()
    assert download.bounding_box()["y"] < 1.5 * PHONE["height"], "le fichier du modèle est loin sous son texte"
    assert _page_width(page) <= PHONE["width"]


@pytest.mark.parametrize(("email", "bound"), [("membre@demo.local", 130), ("juriste@demo.local", 185),
                                              ("admin@demo.local", 185)], ids=["membre", "juriste", "admin"])
def test_the_header_stays_short_on_a_phone_with_every_link_in_sight(visitor, email, bound):
    """On a 375 × 667 phone the header took a third of the screen (219 px for a member, 299 for a jurist: four rows
    of links and the language form): it is now compact, with every link still visible and the language list beside
    the site's name, still named « Langue (language) » for screen readers; a wide screen keeps the visible label."""
    page = visitor.page
    page.set_viewport_size({"width": 375, "height": 667})
    visitor.login(email)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= bound, f"en-tête haut de {header['height']} px sur un écran de 667 px"
    links = page.locator(".site-header nav a, .site-header nav button")
    assert links.count() >= 6
    for index in range(links.count()):
        expect(links.nth(index)).to_be_visible()
        box = links.nth(index).bounding_box()
        assert box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= header["y"] + header["height"]
    choice = page.get_by_label("Langue (language)")
    expect(choice).to_be_visible()
    brand, switch = page.locator(".brand").bounding_box(), page.locator(".language-switch").bounding_box()
    assert brand["x"] + brand["width"] <= switch["x"] and abs(brand["y"] - switch["y"]) < brand["height"]
    assert _page_width(page) <= 375
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator(".language-switch label")).to_have_css("position", "static")


def test_the_header_of_a_small_phone_keeps_the_name_and_the_language_apart(visitor):
    """At 320 px (WCAG's reflow width) the site's name wraps rather than running under the language list."""
    page = visitor.page
    page.set_viewport_size({"width": 320, "height": 640})
    visitor.goto("/ressources/")
    brand, switch = page.locator(".brand").bounding_box(), page.locator(".language-switch").bounding_box()
    assert brand["x"] + brand["width"] <= switch["x"]
    assert _page_width(page) <= 320


def test_the_close_confirmation_keeps_the_reference_on_one_line_on_a_phone(visitor):
    """« Clore la question Q-2026-00159 ? » broke inside the reference (« Q- » at the end of a line, « 2026-00159 »
    on the next); the reference now holds on one line, as in the lists."""
    page = visitor.page
    page.set_viewport_size({"width": 375, "height": 667})
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    for reference in page.locator("td.reference-cell a").all_inner_texts():
        visitor.goto(f"/questions/{reference}")
        close = page.get_by_role("button", name="Clore la question")
        if close.count():
            break
    close.first.click()
    page.wait_for_load_state()
    visitor.audit()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Clore la question {reference} ?")
    lines = heading.locator(".reference-cell").evaluate("element => element.getClientRects().length")
    assert lines == 1, f"la référence tient sur {lines} lignes"
    assert _page_width(page) <= 375


def test_the_delete_confirmation_keeps_the_reference_on_one_line_on_a_phone(visitor):
    """« Supprimer la question Q-2026-00159 ? » (administrators only) holds its reference on one line of a phone, as
    the close confirmation does."""
    page = visitor.page
    page.set_viewport_size({"width": 320, "height": 640})
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    reference = page.locator("td.reference-cell a").first.inner_text()
    visitor.login("admin@demo.local")
    visitor.goto(f"/questions/{reference}/supprimer")
    visitor.audit()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Supprimer la question {reference} ?")
    lines = heading.locator(".reference-cell").evaluate("element => element.getClientRects().length")
    assert lines == 1, f"la référence tient sur {lines} lignes"
    assert _page_width(page) <= 320


def test_a_resources_wide_table_scrolls_on_a_phone_without_cutting_its_words(visitor):
    """The DUER template's six-column table fitted a phone by cutting every word of its cells (« Débrou-ssaille-
    ses »): each table scrolls sideways in its own region, named after the heading above it and reached with the
    keyboard, its words whole, and the page keeps the phone's width."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    visitor.goto("/ressources/trame-duer-chantier-insertion")
    region = page.get_by_role("region", name="Tableau 2 : 3. Inventaire des risques (exemples à adapter)")
    expect(region.get_by_role("columnheader", name="Mesures à prévoir")).to_be_attached()
    cells = page.locator("main .markdown td, main .markdown th")
    assert cells.count() > 40
    assert cells.evaluate_all(WORDS_CUT_ACROSS_LINES) == []
    assert region.evaluate("element => element.scrollWidth > element.clientWidth"), "le tableau tient sans défiler ?"
    region.focus()
    page.keyboard.press("ArrowRight")
    # The browser may scroll smoothly: wait for the region to move rather than read it at once.
    page.wait_for_function("element => element.scrollLeft > 0", arg=region.element_handle(), timeout=3000)
    assert _page_width(page) <= PHONE["width"]


def test_the_hint_under_reply_keeps_a_gap_above_the_reply_label(visitor):
    """On a member's question, the hint under « Répondre » stood right against the « Votre réponse » label."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    page.locator("main table td.reference-cell a").first.click()
    visitor.audit()
    hint = page.locator("#reply-title ~ p.section-hint")
    label = page.locator("label[for='body']")
    gap = label.bounding_box()["y"] - (hint.bounding_box()["y"] + hint.bounding_box()["height"])
    assert gap >= 12, f"{gap} px entre l'aide et « Votre réponse »"


def test_the_banner_after_filing_keeps_the_reference_on_one_line_on_a_phone(visitor):
    """« Votre question Q-2026-00152 a bien été envoyée » broke the reference after « Q-2026- » on a phone."""
    page = visitor.page
    page.set_viewport_size(PHONE)
    visitor.login("membre2@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill("Rupture anticipée d'un CDDI pour une embauche en CDI")
    page.get_by_label("Thème").select_option(label="CDDI et CDI inclusion")
    page.get_by_label("Description").fill("Une salariée en CDDI a trouvé un CDI ailleurs : peut-elle rompre son contrat ?")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_role("status")).to_contain_text("a bien été envoyée")
    visitor.audit()
    reference = page.get_by_role("status").locator(".reference-cell")
    expect(reference).to_have_text(re.compile(r"^Q-\d{4}-\d{5}$"))
    assert reference.evaluate("element => element.getClientRects().length") == 1


@pytest.mark.parametrize("width", [320, PHONE["width"]])
def test_the_footer_links_hold_on_one_line_of_a_phone(visitor, width):
    """« Accessibilité : non conforme » broke after its first word on a phone, its second line starting with the
    colon; each footer link now holds on one line, within the screen."""
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 700})
    visitor.goto("/connexion")
    links = page.locator(".site-footer a")
    assert links.count() == 2
    for index in range(links.count()):
        link = links.nth(index)
        assert link.evaluate("element => element.getClientRects().length") == 1, f"« {link.inner_text()} » coupé"
        box = link.bounding_box()
        assert box["x"] + box["width"] <= width
    assert _page_width(page) <= width


def test_the_reply_helpers_rows_keep_apart_on_a_phone(visitor):
    """On a phone, « Insérer la réponse type » touched the « Chercher une ressource à citer » label under it."""
    page = _jurist_opens_a_question_on_a_phone(visitor)
    insert = page.get_by_role("button", name="Insérer la réponse type").bounding_box()
    label = page.locator("label[for='resource_query']").bounding_box()
    gap = label["y"] - (insert["y"] + insert["height"])
    assert gap >= 12, f"{gap} px entre « Insérer la réponse type » et « Chercher une ressource à citer »"
