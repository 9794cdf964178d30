"""Health checks behind /healthz: a small registry each area adds its figures to.

A check is a function returning a dict of figures (shown as they are) or
raising `Unhealthy` when the instance should not take traffic. Areas register
theirs with `@health_check("name")` in a module create_app imports.
"""
import logging
from collections.abc import Callable

from sqlalchemy import func, select, text

from helpdesk import search
from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.models import OutboxEmail
from helpdesk.models._types import utcnow

log = logging.getLogger(__name__)
CHECKS: dict[str, Callable[[], dict]] = {}


class Unhealthy(Exception):
    """A finding that makes this instance unfit for traffic; the message is shown in /healthz."""


def health_check(name: str):
    """Register the decorated function as the health check `name`."""

    def register(check: Callable[[], dict]) -> Callable[[], dict]:
        CHECKS[name] = check
        return check

    return register


def run_checks() -> tuple[bool, dict[str, dict]]:
    """Run every check; return (all passed, {name: {"ok": ..., figures or "error"}})."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = {"ok": True, **check()}
        except Unhealthy as problem:
            results[name] = {"ok": False, "error": str(problem)}
        except Exception as error:
            # Details (connection strings, paths) go to the log, not to an unauthenticated endpoint.
            log.exception("health check %s failed", name)
            results[name] = {"ok": False, "error": type(error).__name__}
        finally:
            db.session.rollback()
    return all(result["ok"] for result in results.values()), results


@health_check("database")
def database() -> dict:
    """The database answers a trivial query."""
    db.session.execute(text("SELECT 1"))
    return {}


@health_check("index")
def index() -> dict:
    """Every search index of this machine is built and readable; how many changes wait for the indexer."""
    figures = {}
    for name in indexing.INDEXES:
        status = indexing.status(name)
        if not status.built:
            raise Unhealthy(f"index {name} not built yet")
        figures[name] = {"documents": search.document_count(indexing.index_path(name), name),
                         "pending_changes": status.pending_changes}
    return figures


@health_check("outbox")
def outbox() -> dict:
    """The mail backlog: due mails, the age of the oldest, and mails given up on (never fails the check:
    a down mail server delays mail, the site keeps working)."""
    due = (OutboxEmail.status.in_(("pending", "sending"))) & (OutboxEmail.next_attempt_at <= utcnow())
    pending, oldest = db.session.execute(select(func.count(), func.min(OutboxEmail.created_at)).where(due)).one()
    failed = db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == "failed"))
    age = round((utcnow() - oldest).total_seconds()) if oldest else 0
    return {"pending": pending, "oldest_pending_seconds": age, "failed": failed}
