"""Backups: a consistent copy with a manifest; restore refuses altered backups and replaces everything."""
import json
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk.attachments.services import stored_path
from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket
from tests import factories
from tests.factories import pdf_bytes

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="backup/restore cover SQLite; PostgreSQL uses pg_dump")


@pytest.fixture
def saved(app, world, tmp_path, runner):
    """A question with a file, backed up into tmp_path/backup."""
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    return ticket, tmp_path / "backup"


@sqlite_only
def test_backup_writes_database_files_and_a_manifest_of_checksums(app, saved):
    ticket, folder = saved
    manifest = json.loads((folder / "manifest.json").read_text())
    key = ticket.attachments[0].storage_key
    assert set(manifest["files"]) == {"helpdesk.sqlite", f"uploads/{key[:2]}/{key}"}
    assert manifest["files"][f"uploads/{key[:2]}/{key}"]["sha256"] == ticket.attachments[0].sha256
    with sqlite3.connect(folder / "helpdesk.sqlite") as copy:
        assert copy.execute("SELECT reference FROM ticket").fetchall() == [(ticket.reference,)]


@sqlite_only
def test_backup_refuses_a_folder_that_is_not_empty(runner, saved):
    _, folder = saved
    result = runner.invoke(args=["backup", str(folder)])
    assert result.exit_code == 1 and "n'est pas vide" in result.output


@sqlite_only
def test_restore_brings_back_the_database_and_the_files(app, world, runner, saved):
    ticket, folder = saved
    factories.make_ticket(world.member, subject="Question après la sauvegarde")
    stored_path(ticket.attachments[0]).unlink()
    result = runner.invoke(args=["restore", str(folder), "--yes"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    attachment = db.session.scalar(select(Attachment))
    assert stored_path(attachment).read_bytes() == pdf_bytes()


@sqlite_only
@pytest.mark.parametrize("tamper", ["alter_file", "add_file", "remove_file", "alter_database", "drop_manifest"])
def test_restore_refuses_a_backup_that_does_not_match_its_manifest(app, world, runner, saved, tamper):
    ticket, folder = saved
    stored = next(path for path in (folder / "uploads").rglob("*") if path.is_file())
    if tamper == "alter_file":
        stored.write_bytes(b"%PDF-1.4 altered")
    elif tamper == "add_file":
        (folder / "uploads" / "intrus.txt").write_text("x")
    elif tamper == "remove_file":
        stored.unlink()
    elif tamper == "alter_database":
        with (folder / "helpdesk.sqlite").open("ab") as handle:
            handle.write(b"\0")
    else:
        (folder / "manifest.json").unlink()
    factories.make_ticket(world.member, subject="Question à ne pas perdre")
    result = runner.invoke(args=["restore", str(folder), "--yes"])
    assert result.exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2  # nothing replaced
    assert len([p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]) == 1


@sqlite_only
def test_restore_asks_for_confirmation(runner, saved):
    _, folder = saved
    result = runner.invoke(args=["restore", str(folder)], input="n\n")
    assert result.exit_code == 1 and "remplacés" in result.output


@pytest.mark.skipif(not ON_POSTGRES, reason="runs on the PostgreSQL pass")
def test_backup_points_postgresql_users_to_pg_dump(runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 1 and "pg_dump" in result.output
