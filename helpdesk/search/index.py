"""Index storage: create/open, atomic rebuild, incremental changes, cached searchers.

Layout: the index path the caller passes is a symlink to a generation directory
next to it (``articles -> articles.1732780000000000000``).  A rebuild writes a
new generation and swaps the symlink with one atomic ``rename``, so searches
keep working throughout; the previous generation is kept until the next
rebuild because searchers opened on it may still be reading its files.
"""

import functools
import os
import shutil
import threading
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.scoring import BM25F
from whoosh.util.filelock import try_for

from .schema import ARTICLES, KINDS, QUESTIONS


class IndexBusy(Exception):
    """The index write lock could not be obtained in time; retry at the next sync."""


WEIGHTING = {
    # K1 2.0 (term frequency saturates later) and the same length normalisation
    # in every field did best on the relevance judgments (docs/search.md).
    ARTICLES: BM25F(B=0.75, K1=2.0),
    QUESTIONS: BM25F(B=0.75, K1=1.2, subject_B=0.5),
}

# How many times a searcher is opened again when a commit removed the files it was opening.
OPEN_ATTEMPTS = 5

# Per thread: {index path: (generation directory it pointed to, searcher)}.
_thread_searchers = threading.local()


def _generation_dir(path: Path) -> Path:
    """Return a new, unused generation directory name next to ``path``."""
    return path.with_name(f"{path.name}.{time.time_ns()}")


def _point(path: Path, target: Path) -> None:
    """Atomically make the symlink ``path`` point to ``target`` (a sibling)."""
    staging_link = path.with_name(f".{path.name}.link")
    if staging_link.is_symlink():
        staging_link.unlink()
    staging_link.symlink_to(target.name)
    os.replace(staging_link, path)


def _adopt_plain_directory(path: Path) -> None:
    """Turn a plain index directory at ``path`` into the symlink layout."""
    if path.is_dir() and not path.is_symlink():
        generation = _generation_dir(path)
        os.rename(path, generation)
        _point(path, generation)


def open_index(path, kind: str):
    """Open the index of ``kind`` at ``path``, creating an empty one if needed."""
    path = Path(path)
    _adopt_plain_directory(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generation = _generation_dir(path)
        generation.mkdir()
        whoosh_index.create_in(generation, KINDS[kind]["schema"]())
        _point(path, generation)
    elif not whoosh_index.exists_in(path):
        whoosh_index.create_in(path, KINDS[kind]["schema"]())
    return whoosh_index.open_dir(path.resolve())


def _writer(ix, timeout: float, **options):
    """Return a writer holding the index lock, or raise IndexBusy after ``timeout`` seconds."""
    try:
        return ix.writer(timeout=timeout, **options)
    except LockError as exc:
        raise IndexBusy(f"index {ix.storage.folder} is locked") from exc


def _hold_lock(ix, timeout: float):
    """Acquire the index write lock (the one writers take) or raise IndexBusy after ``timeout`` seconds."""
    lock = ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=timeout, delay=0.1):
        raise IndexBusy(f"index {ix.storage.folder} is locked")
    return lock


def _remove_old_generations(path: Path) -> None:
    """Delete generations older than the live one and its predecessor."""
    live = path.resolve().name
    generations = sorted(
        (p for p in path.parent.glob(f"{path.name}.*") if p.suffix[1:].isdigit()),
        key=lambda p: int(p.suffix[1:]),
    )
    names = [p.name for p in generations]
    keep = {live}
    if live in names and names.index(live) > 0:
        keep.add(names[names.index(live) - 1])
    for generation in generations:
        if generation.name not in keep:
            shutil.rmtree(generation, ignore_errors=True)


def rebuild(path, kind: str, documents, *, procs: int | None = None, limitmb: int = 256, timeout: float = 60.0) -> int:
    """Build a fresh index of ``kind`` from ``documents`` and swap it in atomically; return the count."""
    path = Path(path)
    # Holding the live index's lock makes concurrent apply() calls raise
    # IndexBusy instead of writing into a generation about to be replaced.
    live_lock = _hold_lock(open_index(path, kind), timeout)
    try:
        generation = _generation_dir(path)
        generation.mkdir()
        ix = whoosh_index.create_in(generation, KINDS[kind]["schema"]())
        procs = procs or os.cpu_count() or 1
        options = {"procs": procs, "multisegment": True} if procs > 1 else {}
        writer = ix.writer(limitmb=limitmb, compound=False, **options)
        to_fields = KINDS[kind]["fields"]
        count = 0
        for doc in documents:
            writer.add_document(**to_fields(doc))
            count += 1
        writer.commit()
        _point(path, generation)
    finally:
        live_lock.release()
    _remove_old_generations(path)
    return count


def apply(path, kind: str, upserts: list[dict], deletes: list[str], timeout: float = 2.0) -> None:
    """Add/replace ``upserts`` and remove the ``deletes`` keys in one commit; raise IndexBusy if locked."""
    spec = KINDS[kind]
    writer = _writer(open_index(path, kind), timeout, compound=False)
    with writer:
        for doc in upserts:
            writer.update_document(**spec["fields"](doc))
        for key in deletes:
            writer.delete_by_term(spec["key"], str(key))


def get_searcher(path, kind: str):
    """Return this thread's searcher for the index at ``path``, reopened if the index changed.

    A Whoosh searcher reads stored fields and postings through shared file
    handles, so two threads using one at once read each other's bytes: each
    thread of a process (the demo's threaded server, a threaded worker) keeps
    its own, while the arrays built from segments are shared (``arrays.py``).
    """
    key = os.path.abspath(path)
    searchers = _thread_searchers.__dict__.setdefault("searchers", {})
    live = os.path.realpath(key)
    cached = searchers.get(key)
    if cached and cached[0] == live and cached[1].up_to_date():
        return cached[1]
    # The previous searcher is not closed: a caller may still hold it; it is released with its last reference.
    searcher = _open_searcher(path, kind)
    searchers[key] = (live, searcher)
    return searcher


def _open_searcher(path, kind: str):
    """A new searcher of the index at ``path``. Whoosh reads the name of the newest table of contents, then opens
    it: a writer committing in between deletes it (FileNotFoundError), and the next try reads the new one."""
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            return open_index(path, kind).searcher(weighting=WEIGHTING[kind])
        except FileNotFoundError:
            if attempt == OPEN_ATTEMPTS:
                raise


def document_count(path, kind: str) -> int:
    """Return how many documents the index at ``path`` holds (through this process's searcher)."""
    return get_searcher(path, kind).doc_count()


def _fields(schema) -> tuple[dict, dict]:
    """A schema's analyzers by field name and by glob field pattern (``spell_*``)."""
    fields = {name: getattr(field, "analyzer", None) for name, field in schema.items()}
    globs = {pattern: getattr(field, "analyzer", None)
             for pattern, (_, field) in schema._dyn_fields.items()}  # noqa: SLF001 (Whoosh keeps globs there only)
    return fields, globs


@functools.cache
def _current_fields(kind: str) -> tuple[dict, dict]:
    """The analyzers by field of this code's schema of ``kind`` (built once per process)."""
    return _fields(KINDS[kind]["schema"]())


def schema_is_current(path, kind: str) -> bool:
    """Whether the index at ``path`` has this code's fields and analyzers (False: it was built by an older release
    with other fields or other index terms; rebuild it)."""
    return _fields(get_searcher(path, kind).schema) == _current_fields(kind)


def index_versions(path, kind: str) -> dict[str, str]:
    """Return ``{key: version}`` for every document in the index (to compare with the database)."""
    key_field = KINDS[kind]["key"]
    searcher = get_searcher(path, kind)
    return {fields[key_field]: fields["version"] for fields in searcher.all_stored_fields()}

