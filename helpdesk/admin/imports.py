"""Importing member structures and their accounts from a CSV file: read it, check every line against the rules of
the structure and account forms, then create everything in one transaction (or nothing), inviting each new account.

Between the preview and « Importer », the file waits on the server (UPLOAD_DIR/imports, shared by the web workers
like the attachments) under a random name; the page only carries a signed reference to it, bound to the admin, and
the file is read and checked again against the database before anything is written.
"""
import csv
import hashlib
import io
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import format_number
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpdesk.admin.services import normalise_siret, siret_problem, structure_problems
from helpdesk.auth.services import account_name_problem, add_users, email_problem, normalise_email, taken_emails
from helpdesk.batches import in_batches
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import REGIONS, STRUCTURE_TYPES, Structure, User
from helpdesk.permissions import ensure_admin
from helpdesk.plain_text import one_line, without_hidden_characters
from helpdesk.slugs import slugify
from helpdesk.translation import gettext as _, lazy_gettext as _l

MAX_BYTES = 2 * 1024 * 1024  # 5,000 lines of 400 bytes: every column filled, long names
MAX_LINES = 5000
STAGING_MAX_AGE_SECONDS = 3600
# The columns: their key, the header of the model file, whether a file must have it, and the headers accepted for
# it (compared once slugified: case, accents and punctuation aside).
COLUMNS = (
    ("structure", "structure", True, {"structure", "nom-de-la-structure", "nom-structure"}),
    ("siret", "siret", True, {"siret"}),
    ("type", "type", True, {"type", "type-de-structure"}),
    ("region", "région", True, {"region", "delegation"}),
    ("email", "e-mail", True, {"e-mail", "email", "courriel", "adresse-e-mail"}),
    ("name", "nom", True, {"nom", "nom-complet", "nom-du-compte"}),
    ("role", "rôle", False, {"role"}),
)
MODEL_EXAMPLE = ("Association Exemple Insertion", "732 829 320 00074", "AI", "Bretagne",
                 "camille.exemple@association-exemple.fr", "Camille Exemple", "membre")
FIELD_LABELS = {"file": _l("fichier"), "structure": _l("nom de la structure"), "siret": "SIRET",
                "type": _l("type"), "region": _l("région"), "email": _l("e-mail"), "name": _l("nom"),
                "role": _l("rôle")}
MEMBER_ROLE_NAMES = {"", "membre", "member"}
STAFF_ROLE_NAMES = {"juriste", "jurist", "administrateur", "administratrice", "admin", "administrator"}
INVALID_REFERENCE = _l("Cet aperçu n'est pas valide. Déposez de nouveau le fichier.")
EXPIRED_REFERENCE = _l("Cet aperçu a expiré ou a déjà été importé. Déposez de nouveau le fichier si besoin.")


@dataclass(frozen=True)
class Problem:
    """A line of the file that cannot be imported: its number (1 is the header), the column and why."""

    line: int
    field: str
    message: str

    @property
    def field_label(self) -> str:
        """The column in words."""
        return str(FIELD_LABELS[self.field])


@dataclass
class NewStructure:
    """A structure the file creates, from the first line naming its SIRET."""

    line: int
    name: str
    siret: str
    type: str
    region: str
    accounts: int = 0

    @property
    def type_label(self) -> str:
        """The type in words."""
        return str(STRUCTURE_TYPES[self.type])

    @property
    def region_label(self) -> str:
        """The region in words."""
        return REGIONS[self.region]


@dataclass(frozen=True)
class NewAccount:
    """A member account the file creates in the structure of its SIRET."""

    line: int
    email: str
    name: str
    siret: str
    structure_name: str


@dataclass
class ImportPlan:
    """What importing a file would do, or why it cannot."""

    filename: str
    encoding: str = ""  # chosen on the form; empty: detected
    read_as: str = ""  # the encoding the file was read in, once read
    new_structures: list[NewStructure] = field(default_factory=list)
    reused_structures: dict[str, Structure] = field(default_factory=dict)
    reused_accounts: dict[str, int] = field(default_factory=dict)
    accounts: list[NewAccount] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def read_as_label(self) -> str:
        """The encoding the file was read in, in words, and whether the admin chose it or it was detected."""
        label = ENCODING_NAMES[self.read_as]
        return (_("%(encoding)s (choisi)", encoding=label) if self.encoding
                else _("%(encoding)s (détecté automatiquement)", encoding=label))

    @property
    def can_apply(self) -> bool:
        """No error, and something to create."""
        return not self.problems and bool(self.new_structures or self.accounts)

    def problem(self, line: int, column: str, message: str) -> None:
        """Note what is wrong with a line."""
        self.problems.append(Problem(line, column, message))


@dataclass(frozen=True)
class ImportResult:
    """What an import created."""

    structures: int
    accounts: int
    reused_structures: int


def model_file() -> str:
    """The model file: the header row and one fictional line, semicolon-separated as French spreadsheets write."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for _key, header, _required, _names in COLUMNS])
    writer.writerow(MODEL_EXAMPLE)
    return buffer.getvalue()


# The encodings a spreadsheet saves a CSV file in, besides UTF-8: Windows (Excel, LibreOffice on Windows) and Mac
# Roman (Excel on older Macs). A byte above 127 means a different letter in each, and most such bytes are valid in both.
SINGLE_BYTE_ENCODINGS = ("cp1252", "mac_roman")
# The encodings an admin may choose when detection reads a file wrong, by their Python codec name.
ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "mac_roman": "Mac Roman"}
# What a French file holds beyond ASCII: accented letters, ligatures and French typography.
FRENCH_LOWER = frozenset("àâäçéèêëîïôöùûüÿœæ")
FRENCH_UPPER = frozenset("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ")
FRENCH_SIGNS = frozenset("«»‘’“”–—…€°\u00a0\u202f")


def _french_score(text: str) -> int:
    """How French a decoding reads: each character beyond ASCII counts for it when it is a French letter or sign (a
    capital only where the word before is not lower case: « RÈgion » is a misread « Région »), against it otherwise."""
    score = 0
    for position, char in enumerate(text):
        if char.isascii():
            continue
        before = text[position - 1] if position else ""
        if char in FRENCH_LOWER or char in FRENCH_SIGNS or (char in FRENCH_UPPER and not before.islower()):
            score += 1
        else:
            score -= 1
    return score


def _decode(content: bytes, encoding: str = "") -> tuple[str, str] | None:
    """The text of a file and the encoding it was read in: the `encoding` chosen, or else UTF-8 (with or without a
    byte order mark), Windows-1252 or Mac Roman, whichever reads as the more French (Windows when they read alike);
    None when it cannot be read so (a NUL byte: UTF-16, a spreadsheet's own format)."""
    if b"\x00" in content:
        return None
    if encoding:
        candidates: tuple[str, ...] = (encoding,)
    else:
        try:
            return content.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            candidates = SINGLE_BYTE_ENCODINGS
    readings = []
    for candidate in candidates:
        try:
            readings.append((content.decode("utf-8-sig" if candidate == "utf-8" else candidate), candidate))
        except UnicodeDecodeError:
            continue
    # max keeps the first of equal scores: Windows, the more common.
    return max(readings, key=lambda reading: _french_score(reading[0]), default=None)


def _read_rows(content: bytes, filename: str, plan: ImportPlan) -> list[tuple[int, dict[str, str]]]:
    """The non-blank lines of the file as (line number, {column key: cell}); none if the file itself is refused
    (the reason in `plan`)."""
    if not filename.lower().endswith(".csv"):
        plan.problem(1, "file", _("Le fichier doit être au format CSV (.csv). Dans votre tableur, choisissez "
                                  "« Enregistrer sous » puis le format CSV."))
        return []
    if not content.strip():
        plan.problem(1, "file", _("Le fichier est vide."))
        return []
    if len(content) > MAX_BYTES:
        plan.problem(1, "file", _("Le fichier dépasse %(size)d Mo. Découpez-le en plusieurs fichiers.",
                                  size=MAX_BYTES // 2**20))
        return []
    reading = _decode(content, plan.encoding)
    if reading is None and plan.encoding:
        plan.problem(1, "file", _("Ce fichier ne se lit pas en %(encoding)s. Choisissez un autre encodage, ou "
                                  "« Détection automatique ».", encoding=ENCODING_NAMES[plan.encoding]))
        return []
    if reading is None:
        plan.problem(1, "file", _("Ce fichier n'est pas un fichier CSV lisible. Enregistrez-le au format CSV "
                                  "(UTF-8, Windows ou Mac) depuis votre tableur."))
        return []
    text, plan.read_as = reading
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    # Strict: a quote left open would otherwise swallow the rest of the file into one cell, reported as a missing
    # SIRET or a name too long on a line that looks right.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    read_whole = 0  # the last line of the last row read whole
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), [])
        positions = _column_positions(header, reader.line_num, plan)
        rows = []
        for cells in reader:
            read_whole = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_LINES:
                plan.problem(reader.line_num, "file", _("Le fichier compte plus de %(max)s lignes. Découpez-le en "
                                                        "plusieurs fichiers.", max=format_number(MAX_LINES)))
                return []
            rows.append((reader.line_num, {key: without_hidden_characters(cells[index]).strip()
                                           if index < len(cells) else ""
                                           for key, index in positions.items()}))
    except csv.Error:
        plan.problem(read_whole + 1, "file", _("Un guillemet (\") de cette ligne n'est pas refermé, ou du texte suit "
                                               "un guillemet fermant. Une case entre guillemets doit l'être en "
                                               "entier, et un guillemet à l'intérieur s'écrit deux fois."))
        return []
    if plan.problems:
        return []
    if not rows:
        plan.problem(1, "file", _("Le fichier ne contient aucune ligne à importer après la ligne d'en-tête."))
    return rows


def _column_positions(header: list[str], line: int, plan: ImportPlan) -> dict[str, int]:
    """Where each known column is in the header row; a missing required column, or one given twice (which of the
    two to read would be a guess), is noted in `plan`."""
    slugs = [slugify(cell) for cell in header]
    positions = {}
    for key, title, required, names in COLUMNS:
        indexes = [index for index, slug in enumerate(slugs) if slug in names]
        if len(indexes) > 1:
            plan.problem(line, "file", _("Colonne « %(column)s » présente plusieurs fois dans la ligne d'en-tête "
                                         "(colonnes %(positions)s). Gardez-en une seule.", column=title,
                                         positions=", ".join(str(index + 1) for index in indexes)))
        elif indexes:
            positions[key] = indexes[0]
        elif required:
            plan.problem(line, "file", _("Colonne « %(column)s » absente de la ligne d'en-tête (voir le fichier "
                                         "modèle).", column=title))
    return positions


def _codes(labels: dict) -> dict[str, str]:
    """The code of each way of writing a type or region, its code or its name, slugified (case, accents and
    punctuation aside); the earlier code wins where two would be written alike. Built once per check, in the current
    language, rather than for every line."""
    codes: dict[str, str] = {}
    for code, label in labels.items():
        codes.setdefault(slugify(code), code)
        codes.setdefault(slugify(str(label)), code)
    return codes


def _code(value: str, codes: dict[str, str]) -> str:
    """The code of a type or region as written on a line (see _codes); the value itself when it matches none, for
    the rules to refuse it."""
    return codes.get(slugify(value), value)


def check_import(content: bytes, filename: str, encoding: str = "") -> ImportPlan:
    """Read a CSV file of structures and accounts (in the `encoding` given, detected when empty) and check every line
    against the database; writes nothing."""
    if encoding and encoding not in ENCODING_NAMES:
        raise InvalidInput(_("Cet encodage est inconnu. Choisissez-en un dans la liste."))
    plan = ImportPlan(filename=filename, encoding=encoding)
    rows = _read_rows(content, filename, plan)
    sirets = {normalise_siret(row["siret"]) for _line, row in rows}
    emails = {normalise_email(row["email"]) for _line, row in rows}
    existing_structures = {structure.siret: structure
                           for structure in in_batches(select(Structure), Structure.siret, sirets)}
    existing_emails = taken_emails(emails)
    seen: dict[str, tuple[int, str, str, str, bool]] = {}  # SIRET → first line, name, type, region, usable
    new_structures: dict[str, NewStructure] = {}
    emails_seen: dict[str, int] = {}
    type_codes, region_codes = _codes(STRUCTURE_TYPES), _codes(REGIONS)
    for line, row in rows:
        siret, name = normalise_siret(row["siret"]), one_line(row["structure"])
        type_code, region_code = _code(row["type"], type_codes), _code(row["region"], region_codes)
        structure_ok = _check_structure(plan, line, siret, name, type_code, region_code, row,
                                        existing_structures, seen)
        if structure_ok and siret not in existing_structures and siret not in new_structures:
            new_structures[siret] = NewStructure(line, name, siret, type_code, region_code)
            plan.new_structures.append(new_structures[siret])
        account = _check_account(plan, line, row, existing_emails, emails_seen)
        if structure_ok and account is not None:
            structure = existing_structures.get(siret)
            if structure is not None:
                plan.reused_accounts[siret] = plan.reused_accounts.get(siret, 0) + 1
            else:
                new_structures[siret].accounts += 1
            plan.accounts.append(NewAccount(line, *account, siret,
                                            structure.name if structure is not None else new_structures[siret].name))
    return plan


def _check_structure(plan: ImportPlan, line: int, siret: str, name: str, type_code: str, region_code: str,
                     row: dict[str, str], existing: dict, seen: dict) -> bool:
    """Check a line's structure: a new one (its values), or one already in the database or earlier in the file
    (the same name, type and region when given). Returns whether the line's structure is usable (a structure whose
    first line has an error is not, and its later lines say nothing more about it)."""
    reason = _("Indiquez le SIRET.") if not siret else siret_problem(siret)
    if reason is not None:
        plan.problem(line, "siret", reason)
        # Whether the structure is new is unknown, but a type or a region given is checked all the same.
        problems = structure_problems(name=name, siret=siret, type=type_code, region=region_code)
        for column in ("type", "region"):
            if row[column] and column in problems:
                plan.problem(line, column, problems[column])
        return False
    structure = existing.get(siret)
    if structure is not None:
        reference = (_("la structure existante « %(name)s »", name=structure.name),
                     structure.name, structure.type, structure.region)
    elif siret in seen:
        first_line, *values, usable = seen[siret]
        if not usable:
            return False
        reference = (_("la ligne %(line)d", line=first_line), *values)
    else:
        problems = structure_problems(name=name, siret=siret, type=type_code, region=region_code)
        for column, reason in problems.items():
            plan.problem(line, "structure" if column == "name" else column, reason)
        seen[siret] = (line, name, type_code, region_code, not problems)
        return not problems
    if siret in existing and siret not in plan.reused_structures:
        plan.reused_structures[siret] = structure
    ok = True
    described, known_name, known_type, known_region = reference
    for column, value, known in (("structure", name, known_name), ("type", type_code, known_type),
                                 ("region", region_code, known_region)):
        same = value.casefold() == known.casefold() if column == "structure" else value == known
        if row[column] and not same:
            plan.problem(line, column, _("Ce SIRET est celui de %(reference)s, dont la valeur diffère. Corrigez la "
                                         "ligne ou laissez la case vide.", reference=described))
            ok = False
    return ok


def _check_account(plan: ImportPlan, line: int, row: dict[str, str], existing_emails: set[str],
                   emails_seen: dict[str, int]) -> tuple[str, str] | None:
    """The (email, name) of a line's new member account once checked; None when the line creates no account (empty
    address and name: the line only names its structure) or has an error (noted in `plan`)."""
    email, name, role = normalise_email(row["email"]), one_line(row["name"]), slugify(row.get("role", ""))
    if not email and not name:
        return None
    ok = True
    if not email:
        plan.problem(line, "email", _("Indiquez l'adresse e-mail."))
        ok = False
    elif (reason := email_problem(email)) is not None:
        plan.problem(line, "email", reason)
        ok = False
    elif email in emails_seen:
        plan.problem(line, "email", _("Cette adresse figure déjà ligne %(line)d.", line=emails_seen[email]))
        ok = False
    elif email in existing_emails:
        plan.problem(line, "email", _("Un compte existe déjà avec cette adresse e-mail."))
        ok = False
    if email:
        emails_seen.setdefault(email, line)
    if (reason := account_name_problem(name)) is not None:
        plan.problem(line, "name", reason)
        ok = False
    if role in STAFF_ROLE_NAMES:
        plan.problem(line, "role", _("Ce rôle n'est pas autorisé, car l'import crée des comptes de membres. Créez "
                                     "les comptes des juristes et des administrateurs un par un."))
        ok = False
    elif role not in MEMBER_ROLE_NAMES:
        plan.problem(line, "role", _("Ce rôle est inconnu. Indiquez « membre » ou laissez la case vide."))
        ok = False
    return (email, name) if ok else None


def apply_import(plan: ImportPlan, actor: User | None) -> ImportResult:
    """Create the plan's structures and member accounts in one transaction, each account invited by mail as when it
    is created alone, with one journal event for the import; nothing at all if anything fails. An `actor` (an
    admin on the site) is required but for the command line."""
    if actor is not None:
        ensure_admin(actor)
    if not plan.can_apply:
        raise InvalidInput(_("Ce fichier ne peut pas être importé. Corrigez d'abord les erreurs signalées."))
    try:
        structures = dict(plan.reused_structures)
        for new in plan.new_structures:
            structures[new.siret] = Structure(name=new.name, siret=new.siret, type=new.type, region=new.region,
                                              active=True)
            db.session.add(structures[new.siret])
        db.session.flush()
        add_users([(account.email, account.name, None, structures[account.siret].id) for account in plan.accounts],
                  "member", actor)
        result = ImportResult(len(plan.new_structures), len(plan.accounts), len(plan.reused_structures))
        record_event("structures_imported", actor, filename=plan.filename, structures=result.structures,
                     accounts=result.accounts, reused_structures=result.reused_structures)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput(_("Une structure ou un compte du fichier vient d'être créé par ailleurs, rien n'a donc "
                             "été importé. Déposez de nouveau le fichier pour le vérifier.")) from None
    except BaseException:
        db.session.rollback()
        raise
    return result


def _serializer() -> URLSafeTimedSerializer:
    """The signer of the references to files waiting for « Importer »."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="helpdesk.admin-import")


def _staging_dir() -> Path:
    """Where checked files wait for « Importer »."""
    return Path(current_app.config["UPLOAD_DIR"]) / "imports"


def expired_previews() -> list[Path]:
    """The kept files whose reference has expired (previewed more than STAGING_MAX_AGE_SECONDS ago, never imported):
    member names and addresses nobody can import any more."""
    limit = time.time() - STAGING_MAX_AGE_SECONDS
    expired = []
    for path in _staging_dir().glob("*.csv"):
        try:
            if path.stat().st_mtime < limit:
                expired.append(path)
        except FileNotFoundError:  # imported or removed meanwhile
            continue
    return expired


def remove_expired_previews() -> int:
    """Delete the expired kept files; return how many."""
    expired = expired_previews()
    for path in expired:
        path.unlink(missing_ok=True)
    return len(expired)


def stage_file(content: bytes, plan: ImportPlan, actor: User) -> str:
    """Keep a checked file on the server for STAGING_MAX_AGE_SECONDS (removing older ones) and return the signed
    reference the confirmation form carries."""
    directory = _staging_dir()
    directory.mkdir(parents=True, exist_ok=True)
    remove_expired_previews()
    key = secrets.token_hex(16)
    (directory / f"{key}.csv").write_bytes(content)
    return _serializer().dumps({"admin": actor.id, "key": key, "sha256": hashlib.sha256(content).hexdigest(),
                                "filename": plan.filename, "encoding": plan.encoding})


def staged_file(reference: str, actor: User) -> tuple[bytes, str, str, Path]:
    """The content, name, chosen encoding and path of the file a confirmation form refers to, if this admin checked it less than
    STAGING_MAX_AGE_SECONDS ago and it is unchanged; InvalidInput otherwise."""
    try:
        data = _serializer().loads(reference or "", max_age=STAGING_MAX_AGE_SECONDS)
    except SignatureExpired:
        raise InvalidInput(EXPIRED_REFERENCE) from None
    except BadSignature:
        raise InvalidInput(INVALID_REFERENCE) from None
    if not isinstance(data, dict) or data.get("admin") != actor.id:
        raise InvalidInput(INVALID_REFERENCE)
    path = _staging_dir() / f"{data['key']}.csv"
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(EXPIRED_REFERENCE) from None
    if hashlib.sha256(content).hexdigest() != data["sha256"]:
        raise InvalidInput(INVALID_REFERENCE)
    return content, data["filename"], data.get("encoding", ""), path
