"""Recognising an uploaded file by its content (magic bytes), never by its name alone.

Pure functions: no Flask, no database. Zip containers (DOCX, XLSX, ODT, ODS) are
opened only to read their small type declaration, never extracted.
"""
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from helpdesk.markers import N_


@dataclass(frozen=True)
class FileKind:
    """An accepted kind of file: what we serve it as and which extensions it may carry."""

    name: str
    label: str  # French, marked with N_
    content_type: str
    extensions: tuple[str, ...]


KINDS = {
    kind.name: kind for kind in (
        FileKind("pdf", "PDF", "application/pdf", (".pdf",)),
        FileKind("docx", N_("Word (DOCX)"),
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
        FileKind("xlsx", N_("Excel (XLSX)"),
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
        FileKind("odt", N_("Texte OpenDocument (ODT)"), "application/vnd.oasis.opendocument.text", (".odt",)),
        FileKind("ods", N_("Tableur OpenDocument (ODS)"), "application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
        FileKind("png", N_("Image PNG"), "image/png", (".png",)),
        FileKind("jpeg", N_("Image JPEG"), "image/jpeg", (".jpg", ".jpeg")),
        FileKind("txt", N_("Texte brut"), "text/plain", (".txt",)),  # served with charset=utf-8
    )
}
ACCEPTED_LABELS = N_("PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG ou texte (TXT)")
ACCEPT_ATTRIBUTE = ",".join(ext for kind in KINDS.values() for ext in kind.extensions)

# Main part types declared in [Content_Types].xml; the macro-enabled variants (docm, xlsm) differ and are refused.
_OOXML_MAIN_TYPES = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_OPENDOCUMENT_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_ZIP_END_OF_DIRECTORY = b"PK\x05\x06"
# A zip's central directory sits at the end of the file; a document or image carrying one is a polyglot.
_POLYGLOT_TAIL = 65_536 + 22
_MAX_DECLARATION_SIZE = 1_000_000
_MAX_MIMETYPE_SIZE = 200
_MAX_ZIP_ENTRIES = 10_000


def _read_small(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The entry's content when it is stored or deflated (as office suites write them) and at most `limit` bytes,
    else None. Never more than `limit` bytes are inflated, whatever size the entry claims: a zip bomb declaring a
    small entry that inflates to gigabytes stops there (its checksum then fails), instead of filling the memory."""
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or entry.file_size > limit:
        return None
    with archive.open(entry) as stream:
        return stream.read(limit)


def _zip_kind(data: bytes) -> str | None:
    """DOCX, XLSX, ODT or ODS from the container's own type declaration; None for any other zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
        if len(entries) > _MAX_ZIP_ENTRIES:
            return None
        names = {entry.filename: entry for entry in entries}
        mimetype = names.get("mimetype")
        if mimetype is not None and entries[0].filename == "mimetype":
            return _OPENDOCUMENT_MIMETYPES.get((_read_small(archive, mimetype, _MAX_MIMETYPE_SIZE) or b"").strip())
        declaration = names.get("[Content_Types].xml")
        content_types = _read_small(archive, declaration, _MAX_DECLARATION_SIZE) if declaration else None
        if content_types is None:
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, OSError,
            EOFError):
        return None
    for kind, main_type in _OOXML_MAIN_TYPES.items():
        if main_type in content_types:
            return kind
    return None


def _is_text(data: bytes) -> bool:
    """UTF-8 text without NUL bytes."""
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_kind(data: bytes) -> FileKind | None:
    """The accepted kind whose structure `data` has, or None (unknown, truncated or polyglot content)."""
    if not data:
        return None
    kind = None
    if data.startswith(b"%PDF-"):
        kind = "pdf" if b"%%EOF" in data[-1024:] else None
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png" if data[-12:-4] == b"\x00\x00\x00\x00IEND" else None
    elif data.startswith(b"\xff\xd8\xff"):
        kind = "jpeg" if data.rstrip(b"\x00").endswith(b"\xff\xd9") else None
    elif data.startswith(b"PK\x03\x04"):
        return KINDS.get(_zip_kind(data))
    elif _is_text(data) and b"%PDF-" not in data[:1024]:  # PDF readers find a header anywhere in the first 1 KiB
        kind = "txt"
    if kind is None or _ZIP_END_OF_DIRECTORY in data[-_POLYGLOT_TAIL:]:
        return None
    return KINDS[kind]


_UNSAFE_CHARACTERS = re.compile(r'[\\/:*?"<>|]+')


def clean_filename(filename: str | None) -> str:
    """A filename safe to show: no directory part, no control or NUL characters, no characters
    that are special in paths or headers, no leading dot, at most 120 characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if unicodedata.category(char) == "Zs" else char for char in name
                   if unicodedata.category(char)[0] != "C" and unicodedata.category(char) not in ("Zl", "Zp"))
    name = _UNSAFE_CHARACTERS.sub("_", name).strip().lstrip(".").strip()
    return name[-120:] if len(name) > 120 else name or "fichier"


def display_filename(filename: str | None, kind: FileKind) -> str:
    """The name stored and offered on download: clean, ending with an extension of the detected kind."""
    name = clean_filename(filename)
    stem, dot, extension = name.rpartition(".")
    if not dot or f".{extension.lower()}" not in kind.extensions:
        stem, extension = name, kind.extensions[0][1:]
    stem = stem[: 120 - len(extension) - 1].strip() or "fichier"
    return f"{stem}.{extension.lower()}"


def _extension(filename: str | None) -> str | None:
    """The name's extension, lowercase with its dot, or None when it has none."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    return "." + base.rsplit(".", 1)[-1].strip().lower()


def extension_matches(filename: str | None, kind: FileKind) -> bool:
    """Whether the name's extension (if it has one) agrees with the content; no extension is accepted."""
    extension = _extension(filename)
    return extension is None or extension in kind.extensions


def names_accepted_kind(filename: str | None) -> bool:
    """Whether the name has the extension of an accepted kind (« contrat.pdf »)."""
    extension = _extension(filename)
    return extension is not None and any(extension in kind.extensions for kind in KINDS.values())


def extension_accepted(filename: str | None) -> bool:
    """Whether the name's extension (if it has one) is that of an accepted kind: a CSV export is plain text inside,
    but not a file the help desk takes."""
    return _extension(filename) is None or names_accepted_kind(filename)
