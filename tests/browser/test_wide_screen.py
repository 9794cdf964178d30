"""On a laptop (1280 px wide) the jurists' queue shows every column, and text typed by users never pushes a
table's other columns out of sight."""
from playwright.sync_api import expect

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
    sideways, and a deadline does not wrap word by word into a tall row."""
    page = visitor.page
    page.set_viewport_size(LAPTOP)
    visitor.login("juriste@demo.local")
    visitor.goto("/file/?vue=toutes")
    table = page.locator("table.queue")
    region = table.locator("xpath=..")
    assert not region.evaluate("element => element.scrollWidth > element.clientWidth"), \
        "la file défile de côté sur un écran de 1280 px"
    assert _right_edge_visible(page, table.get_by_role("columnheader", name="Dernière activité"))
    deadline = table.locator(".deadline").first
    line_height = deadline.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)")
    assert deadline.bounding_box()["height"] <= 6 * line_height, "l'échéance s'étire sur plus de six lignes"

