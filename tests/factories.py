"""Test data factories; each takes **overrides."""
import html
import itertools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from sqlalchemy import event

from helpdesk.api.tokens import create_token
from helpdesk.auth.services import create_user
from helpdesk.demo import luhn_siret
from helpdesk.extensions import db
from helpdesk.models import Structure, Theme, Ticket, User
from helpdesk.tickets import services

PASSWORD = "mot-de-passe-de-test"
_sequence = itertools.count(1)


def make_structure(**overrides) -> Structure:
    """A member structure with a valid SIRET."""
    number = next(_sequence)
    values = {"name": f"Structure {number}", "siret": luhn_siret(f"9{number:012d}"), "type": "ACI",
              "region": "bretagne", "active": True}
    values.update(overrides)
    structure = Structure(**values)
    db.session.add(structure)
    db.session.commit()
    return structure


def make_theme(**overrides) -> Theme:
    """An active theme."""
    number = next(_sequence)
    values = {"name": f"Thème {number}", "slug": f"theme-{number}", "active": True}
    values.update(overrides)
    theme = Theme(**values)
    db.session.add(theme)
    db.session.commit()
    return theme


def make_user(role: str = "member", structure: Structure | None = None, **overrides) -> User:
    """A user; members get a new structure unless one is given."""
    number = next(_sequence)
    if role == "member" and structure is None:
        structure = make_structure()
    values = {"email": f"user{number}@exemple.test", "name": f"Prénom{number} Nom{number}", "password": PASSWORD}
    values.update(overrides)
    return create_user(values["email"], values["name"], values["password"], role,
                       structure.id if structure else None)


def make_ticket(author: User, **overrides) -> Ticket:
    """A question filed through the service."""
    values = {"subject": "Renouvellement d'un CDDI", "body": "Pouvons-nous renouveler ce contrat au-delà de 24 mois ?",
              "theme_id": None, "priority": 1}
    values.update(overrides)
    return services.file_question(author, **values)


def make_world() -> SimpleNamespace:
    """Two structures with members, two jurists, an admin and a theme."""
    structure = make_structure(name="Chantier des Tests", region="bretagne", type="ACI")
    other_structure = make_structure(name="Association Ailleurs", region="occitanie", type="AI")
    return SimpleNamespace(
        structure=structure,
        other_structure=other_structure,
        member=make_user("member", structure, email="membre@exemple.test", name="Alice Membre"),
        colleague=make_user("member", structure, email="collegue@exemple.test", name="Bruno Collègue"),
        outsider=make_user("member", other_structure, email="autre@exemple.test", name="Chloé Ailleurs"),
        jurist=make_user("jurist", email="juriste@exemple.test", name="Denis Juriste"),
        jurist2=make_user("jurist", email="juriste2@exemple.test", name="Emma Juriste"),
        admin=make_user("admin", email="admin@exemple.test", name="Fanny Admin"),
        theme=make_theme(name="Réforme IAE", slug="reforme-iae"),
    )


def make_api_token(user: User, scope: str = "write", expires_in_days: int = 90) -> str:
    """A personal access token of `user`; returns its plain value."""
    return create_token(user, f"Jeton {next(_sequence)}", scope, expires_in_days)[1]


def bearer(token: str) -> dict:
    """The Authorization header of an API request."""
    return {"Authorization": f"Bearer {token}"}


def confirmation_page(client, listing_url: str, url: str, back: str | None = None) -> str:
    """The page at `url` asking to confirm an action, once checked that the listing only links to it (no button there
    acts in one click) and that the page offers « Annuler » back to the listing (or to `back`)."""
    listing = client.get(listing_url).get_data(as_text=True)
    assert f'href="{url}"' in listing and f'action="{url}"' not in listing, "the listing acts in one click"
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="{back or listing_url}">Annuler</a>' in text
    return text


def plain_spaces(text: str) -> str:
    """`text` with the spaces French typography ties (no-break inside « » and before « : », narrow before « ; ! ? »)
    as plain spaces, for assertions on the words rather than on that spacing; other no-break spaces (« 3 jours »,
    « 1 300 ») stay."""
    return re.sub("\xa0(?=[:»])|(?<=«)\xa0|\u202f(?=[;!?])", " ", text)


def error_banner(page: str) -> str:
    """The text of a page's error banner (« Erreur : … »), its tags dropped and its spaces plain."""
    banner = page[page.index('<p class="flash flash-error"'):]
    return plain_spaces(re.sub(r"<[^>]+>", "", banner[:banner.index("</p>")]))


def assert_export_refused(client, export_url: str, page_url: str) -> None:
    """The export at `export_url` is not made: it leads back to `page_url`, which says so and marks the refused filter."""
    response = client.get(export_url)
    assert response.status_code == 302 and response.headers["Location"] == page_url
    page = html.unescape(client.get(page_url).get_data(as_text=True))
    assert ("un filtre n'est pas valide, rien n'a été exporté. Corrigez-le sur cette page puis exportez à "
            "nouveau.") in page
    assert error_banner(page).count(" : ") == 1  # it read « … pas valide : rien n'a été exporté »
    assert 'aria-invalid="true"' in page


def pdf_bytes(text: str = "Contrat de travail") -> bytes:
    """A small well-formed PDF."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text.encode() +
            b"\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def png_bytes() -> bytes:
    """A 1x1 PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """A zip archive with these entries, in this order (the first one stored, as OpenDocument requires)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for position, (name, data) in enumerate(entries.items()):
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if position == 0 else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx_bytes(main_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml") -> bytes:
    """A minimal DOCX container (or another Office type when `main_type` says so)."""
    declaration = f'<Types><Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>'
    return zip_bytes({"[Content_Types].xml": declaration.encode(), "word/document.xml": b"<w:document/>"})


def without_return_address(page: str) -> str:
    """A page without the language switch's return address (the current address, query string included, carried
    back after switching) nor its CSRF tokens (random: they may hold any letters), to look for what else the page
    shows back."""
    return re.sub(r'<input type="hidden" name="(?:next|csrf_token)" value="[^"]*">', "", page)


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """The SQL statements the block runs on the app's engine, in order, each on one line."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        """Note one statement."""
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def twice_at_once(app, work: Callable[[], object]) -> list:
    """Run `work()` in two threads at once, each in its own app context and database session; what each returned, or
    the first error raised in either, raised again here."""
    results: list = []
    errors: list = []

    def run():
        """One run of `work`, on this thread's own session."""
        with app.app_context():
            try:
                results.append(work())
            except Exception as error:  # raised again below, on the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
    return results
