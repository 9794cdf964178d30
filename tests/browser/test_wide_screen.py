"""On a laptop (1280 px wide) the jurists' queue shows every column, and text typed by users never pushes a
table's other columns out of sight."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import WORDS_CUT_ACROSS_LINES

LAPTOP = {"width": 1280, "height": 900}


def _right_edge_visible(page, locator) -> bool:
    """Whether the element ends inside its scrolling region and inside the window (not scrolled out of sight)."""
    return locator.evaluate("""element => {
        const box = element.getBoundingClientRect();
        const region = element.closest('[role=region]').getBoundingClientRect();
        return box.right <= Math.min(region.right, window.innerWidth) + 1;
    }""")


def test_the_queue_shows_all_its_columns_on_a_laptop(visitor):
    """At 1280 px the queue's last columns (« Posée le », « Dernière activité ») are on screen without scrolling
    sideways, in « Toutes ouvertes » too, where « En attente du membre » on one line, or « À échéance sous 24 h ·
    1re réponse », pushed them out; a late deadline holds on three lines (state, how late, due date), another on four
    at most, a tag (« 480 heures ») on one and a status on two at most."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes&tri=priorite")  # late questions and questions waiting on their member
    table = page.locator("table.queue")
    region = table.locator("xpath=..")
    widths = region.evaluate("element => [element.scrollWidth, element.clientWidth, [...element.querySelectorAll('thead th')].map(c => Math.round(c.getBoundingClientRect().width)).join(',')]")
    assert widths[0] <= widths[1], f"la file défile de côté sur un écran de 1280 px : {widths}"
    assert _right_edge_visible(page, table.get_by_role("columnheader", name="Dernière activité"))
    deadlines = table.locator(".deadline")
    for index in range(deadlines.count()):
        deadline = deadlines.nth(index)
        line_height = deadline.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
        lines = 3 if "deadline-overdue" in deadline.get_attribute("class") else 4
        assert deadline.bounding_box()["height"] <= (lines + .5) * line_height, \
            f"l'échéance s'étire sur plus de {lines} lignes : {deadline.inner_text()!r}"
    # The demo's urgent phone question, filed today: « À échéance sous 24 h » or « Dans les délais » (a weekend away).
    assert table.locator(".deadline-soon, .deadline-ok").count(), "plus de question dans les délais dans la page"
    waiting = table.locator(".status-cell .badge", has_text="En attente du membre")
    assert waiting.count(), "la démo n'a plus de question en attente du membre dans la file"
    line_height = waiting.first.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
    assert waiting.first.bounding_box()["height"] <= 2.5 * line_height, "le statut s'étire sur plus de deux lignes"
    tags = table.locator(".tag")
    assert tags.count(), "la démo n'a plus d'étiquettes dans la file"
    for index in range(tags.count()):
        tag = tags.nth(index)
        line_height = tag.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
        assert tag.bounding_box()["height"] <= 1.5 * line_height, f"l'étiquette {tag.inner_text()!r} se coupe"


def test_a_long_failed_search_leaves_the_counts_in_sight(visitor):
    """A long pasted identifier that found nothing is listed among the failed searches: it wraps in its cell, and the
    « Nombre » column stays on a laptop's screen."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    pasted = "a3f9c7" * 25  # e.g. a file identifier copied from another application
    for _ in range(12):  # by twelve visitors (one is logged once): among the most frequent failed searches
        page.context.clear_cookies()
        assert page.request.get(visitor.base_url + "/ressources/", params={"q": pasted}).ok
    visitor.login("juriste@demo.local")
    visitor.goto("/statistiques/")
    region = page.get_by_role("region", name="Recherches sans résultat")
    expect(region.get_by_role("cell", name=pasted)).to_be_visible()
    assert _right_edge_visible(page, region.get_by_role("columnheader", name="Nombre")), \
        "la colonne « Nombre » est poussée hors de l'écran"


def test_the_resource_search_box_is_wider_than_the_sort_menu(visitor):
    """The search field takes the row's width and shows its whole example; the sort menu keeps its own width
    (it took most of the row and cut the example short)."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.goto("/ressources/")
    field = page.get_by_label("Rechercher dans les ressources").bounding_box()
    sort = page.get_by_label("Trier par").bounding_box()
    assert field["width"] > 2 * sort["width"], f"champ {field['width']} px, tri {sort['width']} px"


def test_each_flash_info_theme_has_its_own_line_with_its_box(visitor):
    """The subscription boxes ran on in one paragraph: « ☑ Activité partielle ☐ Aide à domicile », each box closer
    to the previous theme's name than to its own, and a name cut over two lines."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("membre@demo.local")
    visitor.goto("/flash/abonnements")
    boxes = page.locator("main fieldset label").evaluate_all(
        "labels => labels.map(label => [label.getBoundingClientRect().top, label.getBoundingClientRect().height])")
    tops = [top for top, _ in boxes]
    assert len(boxes) > 3 and len(set(tops)) == len(tops), f"plusieurs thèmes sur une même ligne : {tops}"
    assert all(height < 40 for _, height in boxes), f"un thème coupé sur deux lignes : {boxes}"



def test_question_references_of_the_queue_stay_on_one_line(visitor):
    """On a laptop « Q-2026- » left « 00120 » on the next line of the waiting view; the reference keeps one line and
    the queue still fits without scrolling sideways."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=en-attente")
    table = page.locator("table.queue")
    reference = table.locator("tbody a").filter(has_text="Q-").first
    assert reference.evaluate("element => element.getClientRects().length") == 1, \
        f"« {reference.inner_text()} » coupée sur deux lignes"
    region = table.locator("xpath=..")
    assert region.evaluate("element => element.scrollWidth <= element.clientWidth"), "la file défile de côté"


def test_queue_dates_hold_on_one_line_on_1280_and_1366_screens(visitor):
    """On the usual laptop screens (1280×720, 1366×768) every date of the queue reads unbroken (« 3 juin 2026 à »
    left « 15:26 » on the next line, or was cut in three; a last activity's time now sits under its day on purpose),
    the long form in its tooltip, and the queue still fits without scrolling sideways (« Mes dossiers », with a
    deadline due within 24 h and questions waiting on their member, went 27 px past the screen)."""
    page = visitor.page
    visitor.login("juriste@demo.local")
    for size in ({"width": 1280, "height": 720}, {"width": 1366, "height": 768}):
        page.set_viewport_size(size)
        for view in ("ouvertes", "en-attente", "mes-dossiers"):  # the jurist's own: one due within 24 h, some waiting
            visitor.goto(f"/file/?vue={view}")
            table = page.locator("table.queue")
            dates = table.locator("tbody td.date-cell time")
            assert dates.count() >= 2 * table.locator("tbody tr").count() > 0
            # Each piece of text (a date; the day and the time of a last activity, stacked) holds on one line.
            lines = dates.evaluate_all("""times => times.map(t => [t.textContent, Math.max(...[...t.childNodes]
                .filter(n => n.nodeType === Node.TEXT_NODE).map(n => {
                    const range = document.createRange(); range.selectNodeContents(n);
                    return range.getClientRects().length; })), t.title])""")
            assert all(count == 1 for _, count, _title in lines), f"{size} {view} : dates coupées {lines}"
            assert all(" à " in title for _, _count, title in lines), lines
            region = table.locator("xpath=..")
            assert region.evaluate("element => element.scrollWidth <= element.clientWidth"), \
                f"la file défile de côté à {size['width']} px ({view})"


def test_a_members_list_keeps_each_reference_on_one_line(visitor):
    """On a laptop, « Nos questions » showed « Q-2026- » with « 00122 » on the next line, as the queue did before."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    link = page.locator("main table tbody tr td a").first
    line_height = link.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
    assert link.bounding_box()["height"] < 1.5 * line_height, f"« {link.inner_text()} » tient sur plusieurs lignes"


@pytest.mark.parametrize(("email", "beside_the_name"), [
    ("juriste@demo.local", ("Mon compte", "Se déconnecter")),
    ("admin@demo.local", ("Administration", "Mon compte", "Se déconnecter")),
], ids=["juriste", "admin"])
def test_a_staff_header_takes_two_lines_on_a_laptop(visitor, email, beside_the_name):
    """A jurist's header at 1280 px took three lines (name and language, then the links over two lines, « Mon compte »
    and « Se déconnecter » alone on the last), an admin's too (« Administration » alone on the last): the account's
    two links, after an admin's « Administration », sit beside the language choice, the others take the whole width
    below on one line, every one in sight; the language is still reached last with the keyboard."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login(email)
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 95, f"en-tête haut de {header['height']} px"
    brand, switch = page.locator(".brand").bounding_box(), page.locator(".language-switch").bounding_box()
    assert brand["x"] + brand["width"] <= switch["x"] and abs(brand["y"] - switch["y"]) < brand["height"]
    for name in beside_the_name:
        box = page.locator(".site-header").get_by_role("link" if name != "Se déconnecter" else "button",
                                                       name=name, exact=True).bounding_box()
        assert abs(box["y"] - switch["y"]) < brand["height"] and box["x"] + box["width"] <= switch["x"], name
    links = page.get_by_role("navigation", name="Navigation principale").locator("a")
    rows = set()
    for index in range(links.count()):
        expect(links.nth(index)).to_be_visible()
        box = links.nth(index).bounding_box()
        assert box["y"] > brand["y"] + brand["height"] / 2
        rows.add(round(box["y"]))
    assert len(rows) == 1, f"les liens tiennent sur {len(rows)} lignes"
    order = page.locator(".site-header a, .site-header select").evaluate_all("nodes => nodes.map(n => n.tagName)")
    assert order[-1] == "SELECT", "la langue reste atteinte en dernier au clavier"


def test_the_status_of_a_question_waiting_on_its_member_holds_on_two_lines(visitor):
    """In the view of questions waiting on their member, « En attente du membre » stood on four lines in a tall box:
    it holds on two lines at most (on one it pushed « Toutes ouvertes » past a laptop's width), and the queue still
    shows every column without scrolling sideways."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=en-attente")
    badges = page.locator("table.queue .badge")
    assert badges.count(), "la démo n'a plus de question en attente du membre"
    for index in range(badges.count()):
        badge = badges.nth(index)
        line_height = badge.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
        assert badge.bounding_box()["height"] <= 2.5 * line_height, f"le statut {badge.inner_text()!r} s'étire"
    region = page.locator("table.queue").locator("xpath=..")
    assert region.evaluate("element => element.scrollWidth <= element.clientWidth"), "la file défile de côté"


def test_the_webinar_and_flash_info_forms_choose_with_check_boxes(visitor):
    """Themes, structure types and regions were lists needing Ctrl or Cmd: they are check boxes under their legend, in
    two columns on a laptop; on a phone a long list (18 regions) scrolls in its own box above the button."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto("/webinaires/nouveau")
    expect(page.get_by_role("group", name="Thèmes").get_by_role("checkbox").first).to_be_visible()
    visitor.goto("/flash/nouveau")
    regions = page.get_by_role("group", name="Régions (public ciblé)")
    choices = regions.locator(".choices")
    assert choices.evaluate("element => element.scrollHeight <= element.clientHeight"), "deux colonnes tiennent"
    assert page.locator("select[multiple]").count() == 0
    page.set_viewport_size({"width": 375, "height": 800})
    assert choices.evaluate("element => element.scrollHeight > element.clientHeight"), "une colonne défile"
    assert choices.bounding_box()["height"] <= 18 * 16 + 1
    regions.get_by_role("checkbox", name="Normandie").check()
    expect(regions.get_by_role("checkbox", name="Normandie")).to_be_in_viewport()


def test_the_deadline_compliance_table_fits_a_laptop(visitor):
    """The statistics' « Respect des échéances » table scrolled sideways at 1280 px: its long column heading
    (« En retard (après l'échéance ou échéance dépassée) ») held on one line; it wraps now, as other headings do."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto("/statistiques/")
    region = page.get_by_role("region", name="Questions de la période ayant une échéance")
    assert region.evaluate("element => element.scrollWidth <= element.clientWidth"), "le tableau défile de côté"
    assert _right_edge_visible(page, region.get_by_role("columnheader", name="Part dans le délai"))


def test_a_jurist_writes_a_resource_or_a_reply_in_a_screenful_box(visitor):
    """The body of a resource being edited showed six lines of a long décryptage, and a reply as few: on a laptop
    both boxes now take half the screen's height and a reading width."""
    page = visitor.page
    page.set_viewport_size({"width": 1280, "height": 800})
    visitor.login("juriste@demo.local")
    visitor.goto("/ressources/marches-reserves-siae-et-clauses-insertion/modifier")
    body = page.get_by_label("Contenu (Markdown)").bounding_box()
    assert body["height"] >= 320 and body["width"] >= 800, body
    visitor.goto("/file/?vue=ouvertes")
    page.locator("table.queue tbody a").filter(has_text="Q-").first.click()
    visitor.audit()
    reply = page.get_by_label("Message", exact=True).bounding_box()
    assert reply["height"] >= 320 and reply["width"] >= 800, reply


def test_queue_subjects_wrap_between_words_and_a_pasted_link_inside_itself(visitor):
    """In the queue's narrow subject column « professionnalisation » lost its last letter to the next line (« anywhere »
    cut any word): subjects wrap between words, on 1024, 1280 and 1366 px screens; a link pasted as a subject still
    wraps inside itself rather than pushing the other columns out of sight, and the queue fits each screen (at 1024 px
    it scrolled sideways)."""
    page = visitor.page
    link = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000043656823"
    visitor.login("membre@demo.local")
    visitor.goto("/questions/nouvelle")
    page.get_by_label("Objet").fill(f"Article {link} applicable ?")
    page.get_by_label("Description").fill("Cet article s'applique-t-il à un salarié en CDDI qui suit une formation ?")
    page.get_by_label("Thème").select_option(label="CDDI et CDI inclusion")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_role("status")).to_contain_text("a bien été envoyée")
    visitor.audit()
    visitor.login("juriste@demo.local")
    for width in (1024, 1280, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        visitor.goto("/file/?vue=ouvertes&tri=recentes")
        subjects = page.locator("table.queue td.long-text")
        cut = [word for word in subjects.evaluate_all(WORDS_CUT_ACROSS_LINES) if len(word) <= 25]
        assert not cut, f"mots coupés à {width} px : {cut}"
        pasted = subjects.filter(has_text="legifrance")
        assert pasted.evaluate("cell => cell.getBoundingClientRect().width") < 300, "le lien élargit la colonne"
        region = page.locator("table.queue").locator("xpath=..")
        assert region.evaluate("element => element.scrollWidth <= element.clientWidth"), \
            f"la file défile de côté à {width} px"


def test_the_wide_queue_lines_its_header_up_with_its_title(visitor):
    """The queue takes the whole width of a laptop, its header kept the narrower column: the site's name stood 64 px
    to the right of « File des questions ». Header, title and footer now start on one line, here as on a narrower
    page."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    for path in ("/file/", "/ressources/"):
        visitor.goto(path)
        brand, title = page.locator(".brand").bounding_box(), page.locator("main h1").bounding_box()
        footer = page.locator(".site-footer .wrap").evaluate(
            "element => element.getBoundingClientRect().left + parseFloat(getComputedStyle(element).paddingLeft)")
        assert abs(brand["x"] - title["x"]) < 2 and abs(footer - title["x"]) < 2, (path, brand["x"], title["x"], footer)


def test_each_column_header_of_a_members_list_of_questions_stands_above_its_column(visitor):
    """On a computer the member's list of questions laid out as a grid (its phone cards' class): the header row
    squeezed into the first 450 px, « Statut » above the subjects and « Dernière activité » above the statuses. Each
    header cell now starts where its column does, the header spans the table and each status holds on one line in its
    pill (« Votre réponse est attendue » took two)."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    table = page.locator("main table.cards")
    headers = table.locator("thead th")
    cells = table.locator("tbody tr").first.locator("td")
    assert headers.count() == cells.count()
    for index in range(headers.count()):
        header, cell = headers.nth(index).bounding_box(), cells.nth(index).bounding_box()
        assert abs(header["x"] - cell["x"]) < 1 and abs(header["width"] - cell["width"]) < 1, (
            headers.nth(index).inner_text(), header, cell)
    assert abs(table.locator("thead").bounding_box()["width"] - table.bounding_box()["width"]) < 1
    for badge in table.locator("tbody .badge").all():
        assert badge.evaluate("element => element.getClientRects().length") == 1 and \
            badge.bounding_box()["height"] < 30, f"« {badge.inner_text()} » sur plusieurs lignes"


@pytest.mark.parametrize("view", ["non-assignees", "ouvertes"])
def test_each_queue_column_header_stands_over_its_column(visitor, view):
    """The question cards of a phone shared the class of the staff home's list of cards, which laid the queue's table
    out as a grid on every screen: the header row shrank to the left, « Objet » stood over the references and
    « Dernière activité » over the deadlines. Each header now starts where its column's cells start."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto(f"/file/?vue={view}")
    offsets = page.locator("table.queue").evaluate("""table => {
        const lefts = cells => [...cells].map(cell => Math.round(cell.getBoundingClientRect().left));
        return [lefts(table.querySelectorAll('thead th')), lefts(table.querySelector('tbody tr').children)];
    }""")
    assert offsets[0] == offsets[1], f"en-têtes et colonnes décalés : {offsets}"


def test_the_audit_journal_keeps_each_question_reference_on_one_line(visitor):
    """In the audit journal's narrow « Question » column a reference stood as « Q-2026- » over « 00134 »."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("admin@demo.local")
    visitor.goto("/admin/journal/")
    links = page.locator("main table tbody td a[href^='/questions/']")
    assert links.count(), "le journal de la démo ne cite aucune question"
    for index in range(links.count()):
        link = links.nth(index)
        line_height = link.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
        assert link.bounding_box()["height"] < 1.5 * line_height, f"« {link.inner_text()} » tient sur plusieurs lignes"


@pytest.mark.parametrize("width", [1280, 375])
def test_the_tags_field_keeps_a_gap_under_follow_and_its_button_on_its_line_on_a_laptop(visitor, width):
    """On a question's page « Ajouter » stood below the tags field, beside its hint, and « Suivre la question »
    touched the field's label: at 1280 px the button is on the field's line; at both widths a gap separates the
    follow button from the tags."""
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 900})
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=non-assignees")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    follow = page.get_by_role("button", name="Suivre la question").bounding_box()
    label = page.get_by_text("Ajouter des étiquettes", exact=True).bounding_box()
    assert label["y"] - (follow["y"] + follow["height"]) >= 12, (follow, label)
    field = page.get_by_label("Ajouter des étiquettes").bounding_box()
    button = page.get_by_role("button", name="Ajouter", exact=True).bounding_box()
    if width == 1280:
        middle = button["y"] + button["height"] / 2
        assert field["y"] <= middle <= field["y"] + field["height"], (field, button)
        assert button["x"] > field["x"] + field["width"]
    else:
        assert field["width"] >= 250


def test_a_rules_buttons_and_links_stand_on_one_line(visitor):
    """On the routing rules, « Supprimer… » stood below « Descendre » beside it, and the cell's bottom border broke
    off from the row's: each row's button and link are centred on one line."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("admin@demo.local")
    visitor.goto("/admin/routage")
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 2, "la démo n'a pas deux règles de routage"
    for index in range(rows.count()):
        button, link = rows.nth(index).locator("button").first, rows.nth(index).get_by_role("link")
        middle = [box["y"] + box["height"] / 2 for box in (button.bounding_box(), link.bounding_box())]
        assert abs(middle[0] - middle[1]) <= 2, f"règle {index + 1} : bouton et lien décalés de {middle}"


SMALL_LAPTOP = {"width": 1024, "height": 768}


def test_the_queue_fits_a_1024_px_screen_in_every_view(visitor):
    """At 1024 px (a small laptop, a tablet held sideways) every view of the queue scrolled about 250 px sideways: the
    deadline, « Dernière activité » and the tags were out of sight. Each view fits now, with its long subjects, the
    questions waiting on their member (their status on two lines at most) and a deadline due within 24 h; « Posée le »
    is left to the question's page there, and comes back on a laptop."""
    page = visitor.page
    page.set_viewport_size(SMALL_LAPTOP)
    visitor.login("juriste@demo.local")
    seen = set()
    for view in ("non-assignees", "mes-dossiers", "ouvertes", "en-attente", "en-retard"):
        visitor.goto(f"/file/?vue={view}")
        table = page.locator("table.queue")
        region = table.locator("xpath=..")
        widths = region.evaluate("element => [element.scrollWidth, element.clientWidth]")
        assert widths[0] <= widths[1], f"« {view} » défile de côté à 1024 px : {widths}"
        assert page.evaluate("document.documentElement.scrollWidth") <= SMALL_LAPTOP["width"], view
        for header in ("Échéance", "Étiquettes", "Dernière activité"):
            assert _right_edge_visible(page, table.get_by_role("columnheader", name=header)), (view, header)
        expect(table.get_by_role("columnheader", name="Posée le")).to_be_hidden()
        waiting = table.locator(".status-cell .badge", has_text="En attente du membre")
        if waiting.count():
            seen.add("waiting")
            line_height = waiting.first.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
            assert waiting.first.bounding_box()["height"] <= 2.5 * line_height, "le statut s'étire sur plus de deux lignes"
        if table.locator(".deadline-soon, .deadline-ok").count():  # « Dans les délais » when a weekend is near
            seen.add("due within 24 h")
        if table.locator("td.long-text").filter(has_text="professionnalisation").count():
            seen.add("long subject")
    assert seen == {"waiting", "due within 24 h", "long subject"}, f"la démo ne montre plus : {seen}"
    page.set_viewport_size(LAPTOP)
    expect(page.locator("table.queue").get_by_role("columnheader", name="Posée le")).to_be_visible()


@pytest.mark.parametrize("size", [LAPTOP, SMALL_LAPTOP], ids=["1280", "1024"])
def test_the_merge_button_stands_on_its_fields_line(visitor, size):
    """« Fusionner » stood at the far end of the row, below the reference field's line, beside the confirmation box:
    it is on the field's line now, as « Ajouter » is for the tags, the hint and the box under both, and as wide as its
    word when a long refusal stands under them (it stretched across the page)."""
    page = visitor.page
    page.set_viewport_size(size)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes")
    rows = page.locator("table.queue tbody tr").evaluate_all(
        "rows => rows.map(row => [row.querySelector('a').textContent, row.children[3].textContent])")
    (source, structure), = rows[:1]
    other = next(reference for reference, elsewhere in rows if elsewhere != structure)
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    for typed in ("", other):  # as first shown, then refused with a long error (another structure, not confirmed)
        page.get_by_label("Fusionner dans la question").fill(typed)
        if typed:
            page.get_by_role("button", name="Fusionner", exact=True).click()
            expect(page.get_by_text("Ces questions viennent de deux structures différentes")).to_be_visible()
            expect(page.locator("main h1")).to_contain_text(source)  # refused: still the same question
        field = page.get_by_label("Fusionner dans la question").bounding_box()
        button = page.get_by_role("button", name="Fusionner", exact=True)
        box = button.bounding_box()
        middle = box["y"] + box["height"] / 2
        assert field["y"] <= middle <= field["y"] + field["height"], (typed, field, box)
        assert 0 < box["x"] - (field["x"] + field["width"]) <= 16, (typed, field, box)
        natural = button.evaluate("""element => { element.style.width = 'max-content';
            const width = element.getBoundingClientRect().width; element.style.width = ''; return width; }""")
        assert abs(box["width"] - natural) < 1, f"« Fusionner » étiré : {box['width']} px pour {natural} px"
        confirm = page.get_by_label("Je confirme la fusion même si les questions viennent de structures différentes")
        assert confirm.bounding_box()["y"] > field["y"] + field["height"]


@pytest.mark.parametrize("size", [LAPTOP, SMALL_LAPTOP], ids=["1280", "1024"])
def test_no_statistics_table_scrolls_sideways(visitor, size):
    """The data tables of « Délais de réponse par mois » and « par thème » sat beside their chart in a box too narrow
    for their five columns and scrolled sideways there, at 1280 px as at 1024 px: a table that does not fit beside
    its chart stands under it, and no table of the statistics scrolls sideways."""
    page = visitor.page
    page.set_viewport_size(size)
    visitor.login("juriste@demo.local")
    visitor.goto("/statistiques/")
    regions = page.locator("main [role=region]").evaluate_all(
        "regions => regions.map(r => [r.getAttribute('aria-label'), r.scrollWidth, r.clientWidth])")
    assert any(label.startswith("Données\xa0: Délais de réponse par thème") for label, _, _ in regions), regions
    scrolling = [region for region in regions if region[1] > region[2]]
    assert not scrolling, f"tableaux qui défilent de côté à {size['width']} px : {scrolling}"
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_every_queue_view_fits_a_laptop_showing_a_scroll_bar(visitor):
    """A computer's browser (Windows, most Linux desktops) takes about 17 px of a 1280 px window for its vertical scroll
    bar, which the test browser hides: « En retard » then scrolled 10 px sideways. Each view's table, squeezed to its
    narrowest, leaves that room."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    for view in ("non-assignees", "mes-dossiers", "ouvertes", "en-attente", "en-retard"):
        visitor.goto(f"/file/?vue={view}")
        narrowest, room = page.locator("table.queue").evaluate("""table => {
            const room = table.parentElement.clientWidth;
            table.style.width = "1px";
            const narrowest = table.offsetWidth;
            table.style.width = "";
            return [narrowest, room];
        }""")
        assert narrowest <= room - 17, f"« {view} » : {narrowest} px au plus serré pour {room - 17} px"


@pytest.mark.parametrize("width", [1280, 375])
def test_the_audit_journal_filter_labels_line_up(visitor, width):
    """At 1280 px the labels of the journal's filters (« Type d'événement », « Utilisateur », « Du », « Au ») stood
    at slightly different heights, each field bottom-aligned on its own control's height: the labels side by side
    share their top, on a laptop and on a phone."""
    page = visitor.page
    page.set_viewport_size({"width": width, "height": 900})
    visitor.login("admin@demo.local")
    visitor.goto("/admin/journal/")
    boxes = page.locator("form.filters .field").evaluate_all(
        "fields => fields.map(f => [f.getBoundingClientRect().top, f.querySelector('label').getBoundingClientRect()])"
        ".map(([top, label]) => [top, label.top, label.left])")
    rows = {}
    for field_top, label_top, label_left in boxes:
        rows.setdefault(round(field_top / 40), []).append((round(label_top), round(label_left)))
    assert all(len({top for top, _left in labels}) == 1 for labels in rows.values()), boxes
    if width < 600:
        assert len(rows) == len(boxes) and len({left for labels in rows.values() for _top, left in labels}) == 1, \
            "on a phone each filter has its line, its label at the same left edge"


def _middle(box) -> float:
    """The height of a bounding box's middle on the page."""
    return box["y"] + box["height"] / 2


def test_proposing_a_faq_stands_on_its_own_line_under_the_merge_form(visitor):
    """On an answered question, « Proposer en FAQ » stood at the end of the merge form's last line, beside its
    confirmation box, as if it were part of merging: it now starts a line of its own under it."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=ouvertes&statut=answered")
    page.locator("table.queue tbody a").first.click()
    visitor.audit()
    propose = page.get_by_role("button", name="Proposer en FAQ")
    confirm = page.get_by_label("Je confirme la fusion même si les questions viennent de structures différentes")
    box, merge_box = propose.bounding_box(), confirm.locator("xpath=ancestor::form").bounding_box()
    assert box["y"] >= merge_box["y"] + merge_box["height"], (box, merge_box)
    assert abs(box["x"] - merge_box["x"]) < 1, (box, merge_box)


def test_a_confirmations_cancel_link_is_centred_on_its_buttons_line(visitor):
    """« Annuler » on a confirmation page stood lower than its button (aligned on the button's bottom edge)."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("membre@demo.local")
    visitor.goto("/questions/")
    page.locator("main table td.reference-cell a").first.click()
    page.get_by_role("button", name="Clore la question").first.click()
    page.wait_for_load_state()
    visitor.audit()
    button = page.get_by_role("button", name="Clore la question").bounding_box()
    cancel = page.get_by_role("link", name="Annuler").bounding_box()
    assert abs(_middle(button) - _middle(cancel)) <= 1, (button, cancel)
