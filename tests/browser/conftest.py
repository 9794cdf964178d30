"""Browser fixtures: the demo app served on a loopback port, Debian's Chromium driven by Playwright,
and an axe-core audit of every page a test visits."""
import os
import threading
import uuid
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from helpdesk import create_app, demo
from helpdesk.extensions import db
from helpdesk.kb import indexing

CHROMIUM = "/usr/bin/chromium"
AXE_RUN = """async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(" ") + " — " + n.failureSummary)}));
}"""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SKIP_REASON = "Chromium introuvable : tests navigateur ignorés"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PASSWORD = "demo-browser-2026"
# The words (between spaces and hyphens) of the given elements' text that a line break cuts in two.
WORDS_CUT_ACROSS_LINES = """cells => cells.flatMap(cell => {
    const cut = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
        for (const word of text.textContent.matchAll(/[^\\s-]+/g)) {
            const range = document.createRange();
            range.setStart(text, word.index);
            range.setEnd(text, word.index + word[0].length);
            if (new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size > 1) cut.push(word[0]);
        }
    }
    return cut;
})"""
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(config, items):
    """Mark the browser tests; skip them with a clear reason when Debian's Chromium is missing."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if not os.path.exists(CHROMIUM):
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def browser_database(tmp_path_factory):
    """A throwaway database for the served app: SQLite, or PostgreSQL when TEST_DATABASE_URL is set."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('browser') / 'helpdesk.sqlite'}"
        return
    name = f"helpdesk_browser_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def live_app(browser_database, tmp_path_factory):
    """The app the browser tests are served, with demo data and built search indexes (a test may change its config
    for a while, and puts it back)."""
    app = create_app({
        "SECRET_KEY": "browser-tests",
        "SQLALCHEMY_DATABASE_URI": browser_database,
        "INDEX_DIR": str(tmp_path_factory.mktemp("browser-index")),
        # Files and mail of the journeys stay out of the repository's instance folder.
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("browser-uploads")),
        "MAIL_FILE_DIR": str(tmp_path_factory.mktemp("browser-mail")),
        "SESSION_COOKIE_SECURE": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "EMAIL_ALLOW_SPECIAL_DOMAINS": True,  # as `make run`: the demo's accounts are @demo.local
        # One browser logs in many times a minute from 127.0.0.1: the login throttle is tested elsewhere.
        # (Not RATELIMIT_ENABLED: the limiter object is shared, that would switch it off for later tests.)
        "LOGIN_RATE_LIMIT": "1000 per minute", "ANONYMOUS_SEARCH_RATE_LIMIT": "1000 per minute",
    })
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed(PASSWORD)
        indexing.sync(timeout=30.0)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app served by werkzeug on a free loopback port."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless (never a downloaded browser build)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Visitor:
    """A browser tab that audits every page it loads with axe-core and records script errors."""

    def __init__(self, page, base_url: str):
        """Wrap a Playwright page."""
        self.page = page
        self.base_url = base_url
        self.loaded: list[str] = []
        self.audited: set[str] = set()
        self.errors: list[str] = []
        page.on("load", lambda: self.loaded.append(page.url))
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        """Keep the Content-Security-Policy violations and script errors the browser reports."""
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"{self.page.url}: {message.text}")

    def goto(self, path: str) -> None:
        """Open a page of the app and audit it."""
        self.page.goto(self.base_url + path)
        self.audit()

    def audit(self, context: str = "", page=None) -> None:
        """Run axe-core on the current page (or on `page`, e.g. a popup); fail on any violation, minor ones included."""
        from playwright.sync_api import Error as PlaywrightError

        page = page or self.page
        for attempt in range(3):
            page.wait_for_load_state()  # a navigation the last click started must finish first
            try:
                violations = page.evaluate(AXE_RUN)
                break
            except PlaywrightError:  # the document was replaced while axe ran: audit the new one
                if attempt == 2:
                    raise
        self.audited.add(page.url)
        if violations:
            lines = [f"axe-core: {len(violations)} violation(s) sur {page.url} {context}".rstrip()]
            for violation in violations:
                lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
                lines.extend(f"      {node}" for node in violation["nodes"])
            pytest.fail("\n".join(lines), pytrace=False)

    def login(self, email: str) -> None:
        """Log in through the login form (after logging out any current user)."""
        self.page.context.clear_cookies()
        self.goto("/connexion")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(PASSWORD)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state()
        assert "/connexion" not in self.page.url, f"connexion refusée pour {email}"
        self.audit()

    def screenshot(self, name: str) -> None:
        """Save a screenshot into docs/screenshots/ when UPDATE_SCREENSHOTS=1 (normal runs write nothing)."""
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def visitor(browser, live_server):
    """A fresh browser context with axe injected into every document; checks at the end that every loaded
    page was audited and that no script error or CSP violation occurred."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_init_script(script=AXE_SOURCE)
    context.set_default_timeout(10_000)
    tab = Visitor(context.new_page(), live_server)
    yield tab
    context.close()
    unaudited = [url for url in tab.loaded if url not in tab.audited]
    assert not unaudited, f"pages chargées sans audit d'accessibilité : {unaudited}"
    assert not tab.errors, "erreurs dans le navigateur :\n" + "\n".join(tab.errors)
