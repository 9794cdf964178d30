"""Attachments: content checks, storage, limits, transactions, permissions and downloads."""
import hashlib
import io
import re
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from helpdesk.attachments.content import KINDS, clean_filename, detect_kind, display_filename
from helpdesk.attachments.services import (
    AttachmentRejected, AttachmentTooLarge, remove_attachments, save_upload, save_uploads, stored_path)
from helpdesk.errors import Forbidden
from helpdesk.extensions import db
from helpdesk.kb.services import save_article
from helpdesk.models import Attachment, Message, Ticket
from helpdesk.tickets import services
from tests import factories
from tests.factories import docx_bytes, pdf_bytes, png_bytes, zip_bytes

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
ODT = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"})
ODS = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<office/>"})
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def stored_files(app) -> list[Path]:
    """Every file under the upload directory."""
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def count(model) -> int:
    """Rows of a table."""
    return db.session.scalar(select(func.count()).select_from(model))


def article(world, **overrides):
    """A published resource written by the world's jurist."""
    data = {"slug": "modele-cddi", "title": "Modèle de CDDI", "body": "Le modèle.", "visibility": "members"}
    data.update(overrides)
    item = save_article(None, data, world.jurist)
    item.status = "published"
    db.session.commit()
    return item


# --- content ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, kind", [
    (pdf_bytes(), "pdf"), (png_bytes(), "png"), (JPEG, "jpeg"), (docx_bytes(), "docx"),
    (docx_bytes(XLSX_TYPE), "xlsx"), (ODT, "odt"), (ODS, "ods"), ("Bonjour, été 2026\n".encode(), "txt"),
])
def test_accepted_kinds_are_recognised_by_their_content(data, kind):
    assert detect_kind(data) is KINDS[kind]


@pytest.mark.parametrize("data", [
    b"",
    b"<html><script>alert(1)</script></html>\n%PDF-1.4\n%%EOF",  # PDF header not at the start (polyglot)
    pdf_bytes() + zip_bytes({"evil.html": b"<script>alert(1)</script>"}),  # PDF with a zip appended
    png_bytes() + zip_bytes({"evil.jar": b"x"}),  # image/zip polyglot
    b"%PDF-1.4 truncated without end marker",
    zip_bytes({"evil.html": b"<script>"}),  # a zip that is no office document
    docx_bytes("application/vnd.ms-word.document.macroEnabled.main+xml"),  # .docm with macros
    b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
    b"texte\x00avec NUL",
    "caf\u00e9".encode("latin-1"),  # not UTF-8
    b"GIF89a\x01\x00\x01\x00",
])
def test_unknown_truncated_or_polyglot_content_is_refused(data):
    assert detect_kind(data) is None


def lying_zip_bomb(inflated_size: int) -> bytes:
    """A DOCX-looking zip whose type declaration inflates to `inflated_size` bytes while its headers claim 100."""
    name = b"[Content_Types].xml"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = compressor.compress(b"<Types>" + b" " * inflated_size) + compressor.flush()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(body), 100, len(name), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, 0, len(body), 100,
                          len(name), 0, 0, 0, 0, 0, 0)
    entries = local + name + body
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(name), len(entries), 0)
    return entries + central + name + end


def test_a_zip_bomb_lying_about_its_size_is_refused_without_inflating_it():
    """A 64 MB declaration squeezed in a small upload, its headers claiming 100 bytes: refused, and checking it
    never holds more than a few kilobytes of it in memory (a real bomb would fill the server's)."""
    bomb = lying_zip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        assert detect_kind(bomb) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


def test_an_office_file_compressed_otherwise_than_office_suites_do_is_refused():
    """Only stored or deflated entries are read: bzip2 and LZMA inflate without any bound on what they produce."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_BZIP2) as archive:
        with zipfile.ZipFile(io.BytesIO(docx_bytes())) as docx:
            for entry in docx.infolist():
                archive.writestr(entry.filename, docx.read(entry))
    assert detect_kind(buffer.getvalue()) is None


@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\windows\\system32\\config.txt", "config.txt"),
    ("rapport\x00.exe.txt", "rapport.exe.txt"),
    ("\u202etxt.exe", "txt.exe"),
    ('bulletin "mai" <2026>.txt', "bulletin _mai_ _2026_.txt"),
    (".htaccess", "htaccess"),
    ("", "fichier"),
])
def test_filenames_lose_paths_control_characters_and_unsafe_characters(raw, shown):
    assert clean_filename(raw) == shown


def test_display_filename_adds_the_detected_extension_and_stays_short():
    assert display_filename("scan", KINDS["pdf"]) == "scan.pdf"
    assert display_filename("x" * 500 + ".pdf", KINDS["pdf"]).endswith(".pdf")
    assert len(display_filename("x" * 500 + ".pdf", KINDS["pdf"])) <= 120


# --- storage service ----------------------------------------------------------------------------------------

def test_saved_file_is_stored_under_a_random_name_with_its_checksum(app, world):
    ticket = factories.make_ticket(world.member)
    attachment = save_upload(pdf_bytes(), "../../contrat Dupont.pdf", uploader=world.member, ticket=ticket)
    db.session.commit()
    path = stored_path(attachment)
    assert path.read_bytes() == pdf_bytes()
    assert path.parent.parent == Path(app.config["UPLOAD_DIR"])
    assert path.parent.name == attachment.storage_key[:2] and "contrat" not in str(path)
    assert attachment.sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "contrat Dupont.pdf", "application/pdf", len(pdf_bytes()))


@pytest.mark.parametrize("files, message", [
    ([("vide.pdf", b"")], "est vide"),
    ([("photo.pdf", png_bytes())], "ne correspond pas à son extension"),
    ([("page.pdf", b"<html><script>alert(1)</script></html>\n%PDF-1.4\n%%EOF")],
     "^Le contenu du fichier « page.pdf » ne correspond pas à son extension, il est peut-être endommagé. Ouvrez-le"),
    ([("outil.exe", b"MZ\x90\x00")], "n'est pas d'un type accepté"),
    # A spreadsheet's CSV export is text inside: it used to be told its content did not match its extension.
    ([("heures.csv", b"nom;heures\nSalarie A;480\n")], "^Le fichier « heures.csv » n'est pas d'un type accepté"),
    ([("lettre.rtf", b"{\\rtf1\\ansi Bonjour}")], "^Le fichier « lettre.rtf » n'est pas d'un type accepté"),
    ([("ok.pdf", pdf_bytes()), ("nul\x00.txt", b"a\x00b")], "n'est pas un texte enregistré en UTF-8"),
    ([("notes.TXT", "Réunion du CSE".encode("cp1252"))], "n'est pas un texte enregistré en UTF-8"),
    ([("notes", "Réunion du CSE".encode("cp1252"))], "n'est pas d'un type accepté"),
])
def test_refused_uploads_store_nothing(app, world, files, message):
    ticket = factories.make_ticket(world.member)
    with pytest.raises(AttachmentRejected, match=message):
        save_uploads(files, uploader=world.member, ticket=ticket)
    assert stored_files(app) == [] and count(Attachment) == 0


def test_every_refused_file_is_named_with_its_reason(app, world):
    """Only the first refused file used to be named: the member fixed it and was refused again for the next."""
    ticket = factories.make_ticket(world.member)
    app.config.update(ATTACHMENT_MAX_FILE_SIZE=1024 * 1024)
    with pytest.raises(AttachmentRejected) as refused:
        save_uploads([("vide.pdf", b""), ("ok.pdf", pdf_bytes()), ("outil.exe", b"MZ\x90\x00"),
                      ("gros.pdf", pdf_bytes("x" * 1024 * 1024)), ("photo.pdf", png_bytes())],
                     uploader=world.member, ticket=ticket)
    assert str(refused.value) == (
        "Aucun fichier n'a été enregistré, 4 sont refusés. Le fichier « vide.pdf » est vide. "
        "Le fichier « outil.exe » n'est pas d'un type accepté. Joignez plutôt un fichier PDF, DOCX, XLSX, ODT, ODS, "
        "PNG, JPEG ou texte (TXT). "
        "Le fichier « gros.pdf » dépasse la taille autorisée (1 Mo par fichier). "
        "Le contenu du fichier « photo.pdf » ne correspond pas à son extension (c'est un fichier Image PNG).")
    assert refused.value.status_code == 400 and stored_files(app) == [] and count(Attachment) == 0
    with pytest.raises(AttachmentTooLarge, match="2 sont refusés"):  # only sizes: « too large » (413)
        save_uploads([("a.pdf", pdf_bytes("x" * 1024 * 1024)), ("b.pdf", pdf_bytes("y" * 1024 * 1024))],
                      uploader=world.member, ticket=ticket)


@pytest.mark.parametrize("url", ["reply", "/ressources/nouvelle"])
def test_reply_and_resource_forms_name_every_refused_file(client, world, login, url):
    ticket = factories.make_ticket(world.member)
    login(world.member if url == "reply" else world.jurist)
    data = {"body": "Les deux documents demandés.", "title": "Modèles", "slug": "", "type": "template",
            "visibility": "members",
            "attachments": [(io.BytesIO(b"MZ\x90\x00"), "outil.exe"), (io.BytesIO(png_bytes()), "avenant.docx")]}
    response = client.post(f"/questions/{ticket.reference}/repondre" if url == "reply" else url,
                           content_type="multipart/form-data", data=data)
    page = response.get_data(as_text=True)
    assert "Aucun fichier n&#39;a été enregistré, 2 sont refusés. Le fichier" in page
    assert str(escape("Le fichier « outil.exe » n'est pas d'un type accepté")) in page
    assert str(escape("Le contenu du fichier « avenant.docx » ne correspond pas à son extension")) in page
    assert "Joignez de nouveau" not in page, "both were refused: neither is to be attached again as is"
    assert count(Message) == 0 and count(Attachment) == 0


def test_only_the_accepted_files_of_a_refused_reply_are_asked_for_again(client, world, login):
    """The member was told to attach again every file, the refused one included."""
    ticket = factories.make_ticket(world.member)
    login(world.member)
    page = client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data", data={
        "body": "Les documents demandés.", "attachments": [
            (io.BytesIO(pdf_bytes()), "contrat.pdf"), (io.BytesIO(b"MZ\x90\x00"), "outil.exe"),
            (io.BytesIO(png_bytes()), "photo.png")]}).get_data(as_text=True)
    assert str(escape("Le fichier « outil.exe » n'est pas d'un type accepté")) in page
    assert ("Joignez de nouveau vos fichiers : contrat.pdf, photo.png n&#39;ont pas été enregistrés, le navigateur "
            "ne peut pas les garder quand la page est renvoyée.") in page
    assert count(Message) == 0 and count(Attachment) == 0


def test_a_reply_refused_for_its_text_asks_again_only_for_the_files_that_would_be_accepted(client, world, login):
    """An empty reply with a document and a program: the member was asked to attach both again, the program being
    refused only at the next sending."""
    ticket = factories.make_ticket(world.member)
    login(world.member)
    page = client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data", data={
        "body": "", "attachments": [(io.BytesIO(pdf_bytes()), "contrat.pdf"), (io.BytesIO(b"MZ\x90\x00"), "outil.exe"),
                                    (io.BytesIO(b""), "vide.txt")]}).get_data(as_text=True)
    assert ("Joignez de nouveau votre fichier : contrat.pdf n&#39;a pas été enregistré, le navigateur ne peut pas le "
            "garder quand la page est renvoyée.") in page
    assert count(Message) == 0 and count(Attachment) == 0


def test_a_text_file_saved_in_windows_1252_is_refused_with_what_to_do(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.member)
    response = client.post(f"/questions/{ticket.reference}/repondre", data={
        "body": "Le compte rendu de la réunion.",
        "attachments": [(io.BytesIO("Réunion du CSE du 3 mars".encode("cp1252")), "compte-rendu.txt")]},
        follow_redirects=True)
    assert ("Le fichier « compte-rendu.txt » n&#39;est pas un texte enregistré en UTF-8. Enregistrez-le en UTF-8 "
            "(ou en PDF) et joignez-le de nouveau.") in response.get_data(as_text=True)
    assert count(Message) == 0 and count(Attachment) == 0


def test_limits_per_file_per_request_and_count_are_checked_before_writing(app, world):
    ticket = factories.make_ticket(world.member)
    app.config.update(ATTACHMENT_MAX_FILE_SIZE=1000, ATTACHMENT_MAX_REQUEST_SIZE=1500, ATTACHMENT_MAX_FILES=3)
    big = pdf_bytes("x" * 1000)
    medium = pdf_bytes("y" * 700)
    with pytest.raises(AttachmentTooLarge, match="par fichier"):
        save_uploads([("petit.pdf", pdf_bytes()), ("gros.pdf", big)], uploader=world.member, ticket=ticket)
    with pytest.raises(AttachmentTooLarge, match="par envoi"):
        save_uploads([("a.pdf", medium), ("b.pdf", medium)], uploader=world.member, ticket=ticket)
    with pytest.raises(AttachmentRejected, match="3 fichiers au plus"):
        save_uploads([("a.txt", b"a")] * 4, uploader=world.member, ticket=ticket)
    assert stored_files(app) == [] and count(Attachment) == 0


@pytest.mark.parametrize("url", ["/questions/nouvelle", "/questions/{reference}"])
def test_file_inputs_carry_the_limits_and_their_refusals_for_the_browser(client, world, login, url):
    """The browser refuses a file too large as soon as it is chosen (static/js/uploads.js), with the server's words,
    in the reader's language: the whole sending is not lost to a refusal after the upload."""
    ticket = factories.make_ticket(world.member)
    client.application.config.update(ATTACHMENT_MAX_FILE_SIZE=3 * 1024 * 1024, ATTACHMENT_MAX_FILES=4)
    login(world.member)
    page = client.get(url.format(reference=ticket.reference)).get_data(as_text=True)
    file_input = re.search(r'<input[^>]*type="file"[^>]*>', page).group(0)
    for attribute in ('data-max-files="4"', f'data-max-file-bytes="{3 * 1024 * 1024}"',
                      f'data-max-total-bytes="{20 * 1024 * 1024}"',
                      'data-too-many="Vous pouvez joindre 4 fichiers au plus par envoi."',
                      'data-file-too-large="Le fichier « {name} » dépasse la taille autorisée (3 Mo par fichier)."',
                      'data-total-too-large="L&#39;ensemble des fichiers dépasse la taille autorisée (20 Mo par envoi)."',
                      'data-none-attached="Aucun fichier n&#39;est joint pour l&#39;instant. Choisissez-les de nouveau, '
                      'dans ces limites."'):
        assert attribute in file_input, attribute
    assert "/static/js/uploads.js" in page
    world.member.locale = "en"
    db.session.commit()
    english = client.get(url.format(reference=ticket.reference)).get_data(as_text=True)
    assert 'data-too-many="You can attach 4 files at most per upload."' in english


def test_files_of_a_transaction_that_does_not_commit_are_deleted(app, world):
    ticket = factories.make_ticket(world.member)
    save_uploads([("a.pdf", pdf_bytes()), ("b.png", png_bytes())], uploader=world.member, ticket=ticket)
    assert len(stored_files(app)) == 2
    db.session.rollback()
    assert stored_files(app) == [] and count(Attachment) == 0


def test_removed_file_stays_until_the_removal_commits(app, world):
    ticket = factories.make_ticket(world.member)
    attachment = save_upload(pdf_bytes(), "a.pdf", uploader=world.member, ticket=ticket)
    db.session.commit()
    remove_attachments([attachment])
    db.session.rollback()
    assert len(stored_files(app)) == 1
    remove_attachments([db.session.get(Attachment, attachment.id)])
    db.session.commit()
    assert stored_files(app) == [] and count(Attachment) == 0


def test_an_attachment_has_exactly_one_parent(app, world):
    with pytest.raises(TypeError):
        save_upload(pdf_bytes(), "a.pdf", uploader=world.member)
    assert stored_files(app) == []


def test_question_with_one_bad_file_is_not_filed_at_all(app, world):
    with pytest.raises(AttachmentRejected):
        factories.make_ticket(world.member, attachments=[("ok.pdf", pdf_bytes()), ("vide.txt", b"")])
    db.session.rollback()
    assert count(Ticket) == 0 and count(Attachment) == 0 and stored_files(app) == []


def test_reply_with_a_bad_file_changes_nothing(app, world):
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Réponse", status_after="answered")
    with pytest.raises(AttachmentRejected):
        services.add_message(ticket, world.member, "Voici le contrat", attachments=[("c.pdf", b"faux")])
    db.session.rollback()
    assert ticket.status == "answered" and count(Message) == 1 and stored_files(app) == []


def test_deleting_a_question_removes_its_messages_and_every_file(app, world):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    services.add_message(ticket, world.jurist, "Note", internal=True, attachments=[("analyse.txt", b"Analyse")])
    services.add_message(ticket, world.member, "Complément", attachments=[("paie.png", png_bytes())])
    assert len(stored_files(app)) == 3
    services.delete_question(ticket, world.admin)
    assert count(Ticket) == 0 and count(Message) == 0 and count(Attachment) == 0
    assert stored_files(app) == []


def test_only_admins_delete_questions(app, world):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    for user in (world.member, world.jurist):
        with pytest.raises(Forbidden):
            services.delete_question(ticket, user)
    assert count(Ticket) == 1 and len(stored_files(app)) == 1


# --- through the browser ------------------------------------------------------------------------------------

def upload(name: str, data: bytes):
    """A file part for the test client."""
    return (io.BytesIO(data), name)


def test_member_files_a_question_with_documents_and_a_colleague_downloads_them(app, client, world, login):
    login(world.member)
    response = client.post("/questions/nouvelle", content_type="multipart/form-data", data={
        "subject": "Renouvellement de CDDI", "theme": world.theme.id, "priority": 1,
        "body": "Le contrat joint arrive à échéance le mois prochain.",
        "attachments": [upload("contrat été.pdf", pdf_bytes()), upload("notes.txt", "Échéance : mai".encode())]})
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert [a.filename for a in ticket.attachments] == ["contrat été.pdf", "notes.txt"]
    login(world.colleague)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "contrat été.pdf" in page and f"/pieces-jointes/{ticket.attachments[0].id}" in page
    download = client.get(f"/pieces-jointes/{ticket.attachments[0].id}")
    assert download.status_code == 200 and download.data == pdf_bytes()
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''contrat%20%C3%A9t%C3%A9.pdf" in disposition
    text = client.get(f"/pieces-jointes/{ticket.attachments[1].id}")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_file_sizes_are_written_in_the_readers_language(client, world, login):
    """The English interface read « contrat.pdf (2 Ko) » and « (1,4 Mo) »: French units and decimal comma."""
    ticket = factories.make_ticket(world.member)
    save_upload(pdf_bytes("x" * 2000), "contrat.pdf", uploader=world.member, ticket=ticket)
    save_upload(pdf_bytes("x" * 1_450_000), "bulletins.pdf", uploader=world.member, ticket=ticket)
    db.session.commit()
    login(world.member)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "(2 Ko)" in page and "(1,4 Mo)" in page
    client.post("/langue", data={"locale": "en", "next": "/questions/"})
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "(2 KB)" in page and "(1.4 MB)" in page and "Ko)" not in page and "Mo)" not in page


def test_new_question_form_is_multipart_and_lists_accepted_types(client, world, login):
    login(world.member)
    page = client.get("/questions/nouvelle").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "PDF, DOCX" in page


def test_member_never_gets_an_internal_notes_attachment(client, world, login):
    ticket = factories.make_ticket(world.member)
    note = services.add_message(ticket, world.jurist, "Analyse interne", internal=True,
                                attachments=[("analyse.txt", b"Avis interne")])
    attachment = note.attachments[0]
    login(world.member)
    assert "analyse.txt" not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    response = client.get(f"/pieces-jointes/{attachment.id}")
    assert response.status_code == 404 and b"Avis interne" not in response.data
    login(world.jurist2)
    assert client.get(f"/pieces-jointes/{attachment.id}").data == b"Avis interne"


@pytest.mark.parametrize("who, expected", [("outsider", 404), ("jurist", 200), ("admin", 200), ("colleague", 200)])
def test_question_files_follow_the_question(client, world, login, who, expected):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    login(getattr(world, who))
    assert client.get(f"/pieces-jointes/{ticket.attachments[0].id}").status_code == expected


def test_anonymous_visitor_gets_404_for_question_files_and_unknown_ids(client, world):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    assert client.get(f"/pieces-jointes/{ticket.attachments[0].id}").status_code == 404
    assert client.get("/pieces-jointes/999999").status_code == 404


def test_resource_files_follow_the_resource_visibility(client, world, login):
    public = article(world, slug="public", visibility="public")
    members = article(world, slug="membres", visibility="members")
    internal = article(world, slug="doctrine", visibility="jurists")
    uploaded = {item.slug: save_upload(docx_bytes(), "modele.docx", uploader=world.jurist, article=item)
                for item in (public, members, internal)}
    db.session.commit()
    files = {slug: attachment.id for slug, attachment in uploaded.items()}
    assert client.get(f"/pieces-jointes/{files['public']}").status_code == 200
    assert client.get(f"/pieces-jointes/{files['membres']}").status_code == 404
    login(world.outsider)
    assert client.get(f"/pieces-jointes/{files['membres']}").status_code == 200
    assert client.get(f"/pieces-jointes/{files['doctrine']}").status_code == 404
    assert "modele.docx" in client.get("/ressources/membres").get_data(as_text=True)


def test_oversized_request_gets_a_french_413_page_and_saves_nothing(app, client, world, login):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    login(world.member)
    response = client.post("/questions/nouvelle", content_type="multipart/form-data", data={
        "subject": "Question trop lourde", "theme": world.theme.id, "priority": 1,
        "body": "Description suffisamment longue pour passer.", "attachments": [upload("gros.pdf", pdf_bytes("x" * 60_000))]})
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)
    assert count(Ticket) == 0 and stored_files(app) == []


def test_file_fields_announce_the_size_and_count_limits_before_a_file_is_chosen(app, client, world, login):
    app.config.update(ATTACHMENT_MAX_FILE_SIZE=5 * 1024 * 1024, ATTACHMENT_MAX_REQUEST_SIZE=15 * 1024 * 1024,
                      ATTACHMENT_MAX_FILES=4)
    limits = "Limites : 5 Mo par fichier, 15 Mo par envoi et 4 fichiers au plus."
    ticket = factories.make_ticket(world.member)
    login(world.member)
    new_question = client.get("/questions/nouvelle").get_data(as_text=True)
    assert f'<p class="hint" id="attachments-hint">Facultatif. Types acceptés : PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG ou texte ' \
           f'(TXT). {limits}</p>' in new_question
    assert limits in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    too_large = client.post("/questions/nouvelle", content_type="multipart/form-data",
                            data={"attachments": [upload("gros.pdf", pdf_bytes("x" * 60_000))]})
    assert too_large.status_code == 413 and limits in too_large.get_data(as_text=True)


def test_too_large_file_keeps_the_form_with_a_french_message(app, client, world, login):
    app.config["ATTACHMENT_MAX_FILE_SIZE"] = 1000
    login(world.member)
    response = client.post("/questions/nouvelle", content_type="multipart/form-data", data={
        "subject": "Question avec gros fichier", "theme": world.theme.id, "priority": 1,
        "body": "Description suffisamment longue pour passer.", "attachments": [upload("gros.pdf", pdf_bytes("x" * 2000))]})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "dépasse la taille autorisée" in page and "Question avec gros fichier" in page
    assert count(Ticket) == 0 and stored_files(app) == []


@pytest.mark.parametrize("name, data", [
    ("../../../../etc/cron.d/evil.txt", b"* * * * * root rm -rf /"),
    ("evil\x00.pdf", pdf_bytes()),
])
def test_hostile_filenames_never_become_paths(app, client, world, login, name, data):
    ticket = factories.make_ticket(world.member)
    login(world.member)
    client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data",
                data={"body": "Voici le document", "attachments": [upload(name, data)]})
    attachment = db.session.scalar(select(Attachment))
    assert attachment is not None and "/" not in attachment.filename and "\x00" not in attachment.filename
    assert [path.name for path in stored_files(app)] == [attachment.storage_key]


def test_jurist_answers_and_notes_with_files(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data", data={
        "body": "Voici le modèle", "kind": "public", "status_after": "answered",
        "attachments": [upload("modele.odt", ODT)]})
    client.post(f"/questions/{ticket.reference}/repondre", content_type="multipart/form-data", data={
        "body": "Analyse", "kind": "note", "attachments": [upload("analyse.ods", ODS)]})
    reply, note = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert [a.filename for a in reply.attachments] == ["modele.odt"]
    assert [a.filename for a in note.attachments] == ["analyse.ods"] and note.internal


def test_jurist_adds_a_template_to_a_resource_and_withdraws_it(app, client, world, login):
    item = article(world)
    login(world.jurist)
    response = client.post(f"/ressources/{item.slug}/modifier", content_type="multipart/form-data", data={
        "title": item.title, "slug": item.slug, "body": item.body, "type": "template", "visibility": "members",
        "attachments": [upload("modele-cddi.docx", docx_bytes())]})
    assert response.status_code == 302
    attachment = db.session.scalar(select(Attachment))
    assert attachment.article_id == item.id
    assert "modele-cddi.docx" in client.get(f"/ressources/{item.slug}").get_data(as_text=True)
    login(world.member)
    assert client.get(f"/pieces-jointes/{attachment.id}/retirer").status_code == 403
    assert client.post(f"/pieces-jointes/{attachment.id}/retirer").status_code == 403
    login(world.jurist)
    assert client.post(f"/pieces-jointes/{attachment.id}/retirer").status_code == 302
    assert count(Attachment) == 0 and stored_files(app) == []


def test_withdrawing_a_resource_file_asks_to_confirm_first(app, client, world, login):
    """The resource page's « Retirer » deleted the file in one click: it now opens a page naming the file."""
    item = article(world)
    attachment = save_upload(docx_bytes(), "modele-cddi.docx", uploader=world.jurist, article=item)
    db.session.commit()
    url = f"/pieces-jointes/{attachment.id}/retirer"
    login(world.jurist)
    page = factories.confirmation_page(client, f"/ressources/{item.slug}", url)
    assert "Retirer le fichier « modele-cddi.docx » ?" in page and f"de la ressource « {item.title} »" in page
    assert "Confirmer la suppression" in page
    assert count(Attachment) == 1 and len(stored_files(app)) == 1, "asking deletes nothing"
    done = client.post(url, follow_redirects=True).get_data(as_text=True)
    assert "fichier « modele-cddi.docx » retiré." in done
    assert count(Attachment) == 0 and stored_files(app) == []
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404


def test_question_page_asks_for_confirmation_before_deleting(app, client, world, login):
    """The question page's button deleted the question, its messages, history and files in one click."""
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    url = f"/questions/{ticket.reference}/supprimer"
    login(world.admin)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert f'<a href="{url}">Supprimer la question…</a>' in page and f'action="{url}"' not in page
    confirm = client.get(url).get_data(as_text=True)
    assert f"<title>Supprimer la question {ticket.reference} ? — " in confirm and str(escape(ticket.subject)) in confirm
    # The reference holds on one line of a phone, with the no-wrap class of the close confirmation.
    assert f'<h1>Supprimer la question <span class="reference-cell">{ticket.reference}</span> ?</h1>' in confirm
    assert "Supprimer définitivement" in confirm and f'href="/questions/{ticket.reference}">Annuler</a>' in confirm
    assert count(Ticket) == 1 and len(stored_files(app)) == 1
    login(world.jurist)
    assert client.get(url).status_code == 403


def test_question_files_cannot_be_withdrawn(client, world, login):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    login(world.admin)
    assert client.get(f"/pieces-jointes/{ticket.attachments[0].id}/retirer").status_code == 403
    assert client.post(f"/pieces-jointes/{ticket.attachments[0].id}/retirer").status_code == 403
    assert count(Attachment) == 1


def test_admin_deletes_a_question_and_its_files_from_its_page(app, client, world, login):
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    login(world.jurist)
    assert client.post(f"/questions/{ticket.reference}/supprimer").status_code == 403
    login(world.admin)
    assert "Supprimer définitivement" in client.get(f"/questions/{ticket.reference}/supprimer").get_data(as_text=True)
    assert client.post(f"/questions/{ticket.reference}/supprimer").status_code == 302
    assert count(Ticket) == 0 and stored_files(app) == []


def test_the_delete_button_of_a_question_page_asks_to_confirm_first(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.admin)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    danger_zone = page[page.index('class="danger-zone"'):]
    assert 'method="post"' not in danger_zone[:danger_zone.index("</section>")]
    assert count(Ticket) == 1


def test_the_paperclip_before_each_file_is_drawn_and_not_read_aloud(client):
    """A screen reader said « trombone » before every file of a list, then the emoji showed as an empty box where no
    emoji font is installed: the paperclip is a drawing (an SVG the page's policy allows) with no text to read."""
    css = client.get("/static/style.css").get_data(as_text=True)
    rule = css[css.index(".attachments li::before {"):]
    rule = rule[:rule.index("}")]
    assert 'content: "";' in rule and 'url("data:image/svg+xml,' in rule
    assert "📎" not in css
    assert "img-src 'self' data:" in client.get("/connexion").headers["Content-Security-Policy"]
