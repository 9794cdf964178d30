"""Long-running background loops (indexer, mail sender, bulletin fan-out) yield the CPU to the web workers and
outlive a database that is briefly unreachable; commands report database errors in French."""
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from sqlalchemy.exc import OperationalError, ProgrammingError

from helpdesk.extensions import db

log = logging.getLogger(__name__)


def lower_priority() -> int:
    """Raise this process's niceness to BACKGROUND_NICE (never lower it); return the niceness now in force.

    The loops' work can wait a few seconds, a member's request cannot: on a busy machine the scheduler then
    gives web workers the CPU first and the loops catch up in the idle moments. 0 leaves the priority alone.
    """
    target = int(current_app.config["BACKGROUND_NICE"])
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if target > current:
        os.setpriority(os.PRIO_PROCESS, 0, min(target, 19))
        log.info("background loop niceness raised from %s to %s", current, min(target, 19))
    return os.getpriority(os.PRIO_PROCESS, 0)


# PostgreSQL's SQLSTATE for a table that does not exist: the migrations were not applied.
UNDEFINED_TABLE = "42P01"


def database_error_message(error: OperationalError | ProgrammingError) -> str | None:
    """The French sentence an operator reads for a database that cannot be reached or has no schema (None: another
    error, left to the traceback)."""
    detail = str(error.orig).strip().splitlines()[0] if error.orig is not None else type(error).__name__
    if getattr(error.orig, "sqlstate", None) == UNDEFINED_TABLE or "no such table" in detail:
        return (f"La base de données n'a pas le schéma attendu ({detail}) : appliquez les migrations avec "
                "« flask --app helpdesk db upgrade ».")
    if isinstance(error, OperationalError):
        return (f"Base de données inaccessible ({detail}) : vérifiez HELPDESK_SQLALCHEMY_DATABASE_URI "
                "et que le serveur de base de données répond.")
    return None


@contextmanager
def pass_outliving_outage(loop: bool) -> Iterator[None]:
    """Run one pass of a background loop: with `loop`, a database that cannot be reached (restarting, failing over)
    is reported and tried again at the next pass, instead of ending the loop while the web workers go on serving;
    a single run (without `loop`) still fails."""
    try:
        yield
    except OperationalError as error:
        if not loop:
            raise
        db.session.remove()
        click.echo(f"{database_error_message(error)} Nouvel essai au prochain passage.", err=True)
