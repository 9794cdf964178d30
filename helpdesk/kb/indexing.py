"""Keeping the search indexes derived from the database.

Every change to an article or a question writes a SearchChange row in the same
transaction (a session listener). After commit, `sync` applies the log to this
machine's indexes and remembers how far it got; anything not applied (crash,
lock timeout) is applied by the next sync. Sequence numbers may commit out of
order on PostgreSQL, so changes of the last few minutes are re-checked against
the ids already seen.
"""
import fcntl
import json
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app, g, has_app_context
from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, selectinload

from helpdesk import search
from helpdesk.extensions import db
from helpdesk.i18n import PARIS
from helpdesk.markup import markdown_to_text
from helpdesk.models import Article, Message, SearchChange, Ticket

log = logging.getLogger(__name__)
INDEXES = (search.ARTICLES, search.QUESTIONS)


class SyncBusy(Exception):
    """Another process holds this machine's indexer lock."""


def _log_clock() -> datetime:
    """The machine's clock, never frozen_time's: the change log's times serve the indexers' bookkeeping (the
    re-check window, pruning), and changes written as of a past moment (demo history) must wait to be applied."""
    return datetime.now(timezone.utc)


def index_path(name: str) -> Path:
    """Where this machine keeps the named index."""
    return Path(current_app.config["INDEX_DIR"]) / name


# Run by most flushes: built once, with its cache key.
_LOG_CHANGES = insert(SearchChange)


@event.listens_for(Session, "after_flush")
def _record_changes(session, flush_context):
    """Log index changes for the articles and questions touched by this flush, in its transaction.

    A key already logged by an earlier flush of the same transaction is not logged again: both rows
    would commit together and the indexer reads the object's committed state anyway.
    """
    logged = session.info.setdefault("search_keys", set())
    keys = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Article):
            keys.add((search.ARTICLES, instance.slug))
        elif isinstance(instance, Ticket):
            keys.add((search.QUESTIONS, str(instance.id)))
        elif isinstance(instance, Message) and not instance.internal:
            keys.add((search.QUESTIONS, str(instance.ticket_id)))
    keys -= logged
    if keys:
        logged.update(keys)
        now = _log_clock()
        session.connection().execute(
            _LOG_CHANGES,
            [{"index_name": name, "object_key": key, "created_at": now} for name, key in sorted(keys)],
        )
        session.info["search_changes"] = True


@event.listens_for(Session, "after_commit")
def _flag_pending(session):
    """Ask the current request to sync the indexes once its response is ready."""
    session.info.pop("search_keys", None)
    if session.info.pop("search_changes", False) and has_app_context():
        g.search_pending = True


@event.listens_for(Session, "after_rollback")
def _forget_logged_keys(session):
    """A rolled-back transaction's change rows are gone: log its keys again next time."""
    session.info.pop("search_keys", None)
    session.info.pop("search_changes", None)


def _naive_utc(moment) -> datetime:
    """Whoosh stores naive datetimes: a date, or an aware datetime converted to naive UTC."""
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day)
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def shown_moment(article: Article) -> datetime | None:
    """The date lists show of an article (« à jour au », else its publication: `resource_date` in
    templates/_macros/resources.html), as the naive datetime the index keeps, sorts by (« Tri : Date ») and the API
    reports: a day at midnight, a publication in Paris time, whose day is the one shown; None, sorted last, for a draft
    never published and without « à jour au », for which lists show no date. A later edit moves no date."""
    if article.updated_on:
        return _naive_utc(article.updated_on)
    if article.published_at:
        return article.published_at.astimezone(PARIS).replace(tzinfo=None)
    return None


def article_document(article: Article) -> dict:
    """The index document of an article."""
    return {
        "slug": article.slug, "title": article.title, "summary": article.summary,
        "body": markdown_to_text(article.body),
        "tags": article.tags or [], "legal_refs": article.legal_refs or [], "type": article.type,
        "themes": [theme.slug for theme in article.themes], "visibility": article.visibility,
        "status": article.status, "updated_on": shown_moment(article),
        "version": article.version,
    }


def question_version(status: str, theme_id: int | None, last_activity_at, anonymised_at) -> str:
    """What the question index stores to detect stale entries: what a search shows or filters on, the last exchange
    (public answers are indexed) and the anonymisation (texts replaced); a reclassification or an anonymisation moves
    no activity date."""
    anonymised = anonymised_at.isoformat() if anonymised_at else ""
    return f"{status}|{theme_id or ''}|{last_activity_at.isoformat()}|{anonymised}"


def question_documents(tickets: list[Ticket]) -> list[dict]:
    """Index documents of questions: subject, description and public answers, never internal notes."""
    answers: dict[int, list[str]] = {ticket.id: [] for ticket in tickets}
    if tickets:
        rows = db.session.execute(
            select(Message.ticket_id, Message.body)
            .where(Message.ticket_id.in_(answers), Message.internal.is_(False))
            .order_by(Message.created_at, Message.id)
        )
        for ticket_id, body in rows:
            answers[ticket_id].append(body)
    return [
        {
            "id": str(ticket.id), "reference": ticket.reference or "", "subject": ticket.subject,
            "body": "\n\n".join([ticket.body, *answers[ticket.id]]), "status": ticket.status,
            "structure_id": str(ticket.structure_id), "theme": str(ticket.theme_id or ""),
            "created_at": _naive_utc(ticket.created_at),
            "version": question_version(ticket.status, ticket.theme_id, ticket.last_activity_at, ticket.anonymised_at),
        }
        for ticket in tickets
    ]


def _load_documents(name: str, keys: list[str]) -> dict[str, dict]:
    """Current documents of the given keys; a key missing from the result was deleted."""
    if name == search.ARTICLES:
        articles = db.session.scalars(
            select(Article).where(Article.slug.in_(keys)).options(selectinload(Article.themes))).all()
        return {article.slug: article_document(article) for article in articles}
    ids = [int(key) for key in keys if key.isdigit()]
    tickets = db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all()
    return {document["id"]: document for document in question_documents(tickets)}


def _all_documents(name: str, batch: int = 500):
    """Every document of an index, read from the database in batches."""
    if name == search.ARTICLES:
        query = select(Article).options(selectinload(Article.themes)).order_by(Article.id)
        for chunk in db.session.scalars(query.execution_options(yield_per=batch)).partitions():
            yield from (article_document(article) for article in chunk)
    else:
        query = select(Ticket).order_by(Ticket.id)
        for chunk in db.session.scalars(query.execution_options(yield_per=batch)).partitions():
            yield from question_documents(list(chunk))


def database_versions(name: str) -> dict[str, str]:
    """{key: version} of every object the index should hold."""
    if name == search.ARTICLES:
        return {slug: updated_at.isoformat() for slug, updated_at in db.session.execute(
            select(Article.slug, Article.updated_at))}
    return {str(ticket_id): question_version(status, theme_id, activity, anonymised)
            for ticket_id, status, theme_id, activity, anonymised in db.session.execute(
                select(Ticket.id, Ticket.status, Ticket.theme_id, Ticket.last_activity_at, Ticket.anonymised_at))}


@contextmanager
def indexer_lock(name: str, timeout: float):
    """This machine's lock on one index's sync state, waited for at most `timeout` seconds."""
    path = index_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{path}.sync.lock", "w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SyncBusy(name) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _state_file(name: str) -> Path:
    """Where the indexer remembers how far it applied the change log."""
    return Path(f"{index_path(name)}.state.json")


def _read_state(name: str) -> dict | None:
    """The saved sync state, None when the index has never been built here."""
    try:
        return json.loads(_state_file(name).read_text())
    except (FileNotFoundError, ValueError):
        return None


def _write_state(name: str, last_seq: int, seen: list[int]) -> None:
    """Save the sync state atomically."""
    target = _state_file(name)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps({"last_seq": last_seq, "seen": seen}))
    os.replace(temporary, target)


def _window_start():
    """Changes younger than this are re-checked (late commits)."""
    return _log_clock() - timedelta(seconds=current_app.config["SEARCH_SYNC_WINDOW_SECONDS"])


@dataclass
class SyncReport:
    """What a sync did, per index."""

    applied: dict[str, int] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)


def _rebuild_locked(name: str) -> int:
    """Rebuild one index from the database (lock held); return the number of documents."""
    last_seq = db.session.scalar(select(func.max(SearchChange.id)).where(SearchChange.index_name == name)) or 0
    seen = list(db.session.scalars(select(SearchChange.id).where(
        SearchChange.index_name == name, SearchChange.created_at >= _window_start())))
    count = search.rebuild(index_path(name), name, _all_documents(name))
    _write_state(name, last_seq, seen)
    return count


def rebuild(name: str, timeout: float = 600.0) -> int:
    """Rebuild one index from the database while searches go on; return its size."""
    with indexer_lock(name, timeout):
        return _rebuild_locked(name)


def sync(timeout: float | None = None) -> SyncReport:
    """Apply pending changes to this machine's indexes (building them if absent or built with other fields by an
    older release)."""
    if timeout is None:
        timeout = current_app.config["SEARCH_LOCK_TIMEOUT"]
    report = SyncReport()
    for name in INDEXES:
        with indexer_lock(name, timeout):
            state = _read_state(name)
            if state is None or not search.schema_is_current(index_path(name), name):
                _rebuild_locked(name)
                report.rebuilt.append(name)
                continue
            report.applied[name] = _apply_log(name, state, timeout)
    return report


def _apply_log(name: str, state: dict, timeout: float) -> int:
    """Apply the changes not yet seen; return how many objects were refreshed."""
    last_seq, seen = state["last_seq"], set(state["seen"])
    window_start = _window_start()
    rows = db.session.execute(
        select(SearchChange.id, SearchChange.object_key, SearchChange.created_at)
        .where(SearchChange.index_name == name,
               (SearchChange.id > last_seq) | (SearchChange.created_at >= window_start))
        .order_by(SearchChange.id)
    ).all()
    fresh = [row for row in rows if row.id > last_seq or row.id not in seen]
    keys = sorted({row.object_key for row in fresh})
    if len(keys) > current_app.config["SEARCH_REBUILD_THRESHOLD"]:
        _rebuild_locked(name)
        return len(keys)
    if keys:
        documents = _load_documents(name, keys)
        deletes = [key for key in keys if key not in documents]
        search.apply(index_path(name), name, list(documents.values()), deletes, timeout=timeout)
    new_last = max([last_seq, *(row.id for row in rows)])
    _write_state(name, new_last, [row.id for row in rows if row.created_at >= window_start])
    return len(keys)


def sync_after_request(response):
    """After a request that changed indexed data, apply the change now (bounded wait, never fails the request)."""
    if g.pop("search_pending", False) and current_app.config["SEARCH_SYNC_AFTER_REQUEST"]:
        try:
            sync()
        except (SyncBusy, search.IndexBusy):
            log.info("index busy: change left for the next sync")
        except Exception:
            log.exception("index sync failed: change left for the next sync")
    return response


@dataclass
class CheckReport:
    """Differences between the database and an index."""

    missing: list[str]
    stale: list[str]
    extra: list[str]

    @property
    def consistent(self) -> bool:
        """True when the index matches the database."""
        return not (self.missing or self.stale or self.extra)


def check(name: str) -> CheckReport:
    """Compare the index with the database: objects missing, stale (old version) or extra."""
    expected = database_versions(name)
    indexed = search.index_versions(index_path(name), name) if _read_state(name) is not None else {}
    return CheckReport(
        missing=sorted(key for key in expected if key not in indexed),
        stale=sorted(key for key in expected if key in indexed and indexed[key] != expected[key]),
        extra=sorted(key for key in indexed if key not in expected),
    )


@dataclass
class IndexStatus:
    """Where this machine's index stands against the change log."""

    built: bool
    pending_changes: int


def status(name: str) -> IndexStatus:
    """Whether the index was built here and how many changed objects it has not applied yet."""
    state = _read_state(name)
    if state is None:
        return IndexStatus(built=False, pending_changes=0)
    pending = db.session.scalar(select(func.count(SearchChange.object_key.distinct())).where(
        SearchChange.index_name == name, SearchChange.id > state["last_seq"]))
    return IndexStatus(built=True, pending_changes=pending)


def prune_log(days: int) -> int:
    """Delete change-log rows older than `days` (indexes built since then don't need them)."""
    cutoff = _log_clock() - timedelta(days=days)
    deleted = db.session.execute(SearchChange.__table__.delete().where(SearchChange.created_at < cutoff)).rowcount
    db.session.commit()
    return deleted
