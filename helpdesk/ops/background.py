"""Long-running background loops (indexer, mail sender, bulletin fan-out) yield the CPU to the web workers and
outlive a database that is briefly unreachable; commands report database errors in French."""
import logging
import os
import time
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


class OutageWatch:
    """One background loop's passes: with `loop`, a database that cannot be reached (restarting, failing over) is
    tried again at the next pass instead of ending the loop while the web workers go on serving, and the outage is
    reported twice, when it starts and when it ends, not at every pass; a single run (without `loop`) still fails."""

    def __init__(self, loop: bool):
        self.loop = loop
        self.down_since: float | None = None  # time.monotonic() of the first failed pass of the outage in progress

    @contextmanager
    def pass_outliving_outage(self) -> Iterator[None]:
        """Run one pass; report the start of an outage (the first failed pass) and its end (the next good one)."""
        try:
            yield
        except OperationalError as error:
            if not self.loop:
                raise
            db.session.remove()
            if self.down_since is None:
                self.down_since = time.monotonic()
                click.echo(f"{database_error_message(error)} Nouvel essai à chaque passage ; le retour de la base "
                           "sera signalé.", err=True)
            return
        if self.down_since is not None:
            click.echo(f"Base de données de nouveau accessible après {time.monotonic() - self.down_since:.0f} s "
                       "d'interruption : reprise normale.", err=True)
            self.down_since = None
