"""Backups of an SQLite deployment: a consistent database copy, the uploaded files and a manifest
of checksums; restoring checks the manifest before replacing anything."""
import hashlib
import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from helpdesk.extensions import db
from helpdesk.models._types import utcnow

DATABASE_FILE = "helpdesk.sqlite"
UPLOADS = "uploads"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore refused; the message says why (in French, for the operator)."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote."""

    files: int
    missing: list[str]


def _sqlite_path() -> Path:
    """The configured SQLite database file; BackupError for other databases."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("Cette commande sauvegarde une base SQLite ; pour PostgreSQL, utilisez pg_dump "
                          "(voir le README).")
    return Path(url.database)


def _sha256(path: Path) -> str:
    """The checksum of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_database(source: Path, target: Path) -> None:
    """Copy an SQLite database with the online backup API: consistent even while the app writes."""
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def backup(destination: Path) -> BackupReport:
    """Write the database, the uploaded files and manifest.json into an empty or new directory."""
    database = _sqlite_path()
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"Le dossier {destination} n'est pas vide : choisissez un nouveau dossier.")
    destination.mkdir(parents=True, exist_ok=True)
    _copy_database(database, destination / DATABASE_FILE)
    uploads = Path(current_app.config["UPLOAD_DIR"])
    if uploads.exists():
        shutil.copytree(uploads, destination / UPLOADS)
    files = sorted(path for path in destination.rglob("*") if path.is_file())
    manifest = {
        "created_at": utcnow().isoformat(),
        "files": {path.relative_to(destination).as_posix(): {"sha256": _sha256(path), "size": path.stat().st_size}
                  for path in files},
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    # Files of attachments removed between the database copy and the file copy are reported, not hidden.
    with closing(sqlite3.connect(destination / DATABASE_FILE)) as copy:
        keys = [row[0] for row in copy.execute("SELECT storage_key FROM attachment")]
    missing = [key for key in keys if not (destination / UPLOADS / key[:2] / key).is_file()]
    return BackupReport(files=len(files), missing=missing)


def verify(source: Path) -> dict:
    """The manifest, if every file it lists is present with its checksum and nothing else is there."""
    manifest_path = source / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"Aucun {MANIFEST} dans {source} : ce n'est pas une sauvegarde.")
    try:
        manifest = json.loads(manifest_path.read_text())
        listed = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{MANIFEST} est illisible.") from None
    if DATABASE_FILE not in listed:
        raise BackupError("La sauvegarde ne contient pas de base de données.")
    present = {path.relative_to(source).as_posix() for path in source.rglob("*") if path.is_file()} - {MANIFEST}
    if present != set(listed):
        extra, absent = sorted(present - set(listed)), sorted(set(listed) - present)
        raise BackupError(f"La sauvegarde ne correspond pas au manifeste (en trop : {extra}, absents : {absent}).")
    for name, entry in listed.items():
        if _sha256(source / name) != entry.get("sha256"):
            raise BackupError(f"Somme de contrôle incorrecte pour {name} : sauvegarde altérée.")
    return manifest


def restore(source: Path) -> int:
    """Replace the database and the uploaded files with a verified backup; return the number of files."""
    database = _sqlite_path()
    manifest = verify(source)
    db.session.remove()
    db.engine.dispose()
    _copy_database(source / DATABASE_FILE, database)
    uploads = Path(current_app.config["UPLOAD_DIR"])
    staging = uploads.with_name(uploads.name + ".restauration")
    shutil.rmtree(staging, ignore_errors=True)
    if (source / UPLOADS).exists():
        shutil.copytree(source / UPLOADS, staging)
    else:
        staging.mkdir(parents=True)
    previous = uploads.with_name(uploads.name + ".avant-restauration")
    shutil.rmtree(previous, ignore_errors=True)
    if uploads.exists():
        uploads.rename(previous)
    staging.rename(uploads)
    shutil.rmtree(previous, ignore_errors=True)
    return len(manifest["files"])
