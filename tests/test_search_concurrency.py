"""Several worker processes editing at once, each syncing after its requests, plus the machine's indexer loop:
no index update is lost or duplicated."""
import multiprocessing
import random

from sqlalchemy import func, select

from helpdesk import create_app, search
from helpdesk.extensions import db
from helpdesk.kb import indexing, services
from helpdesk.models import Article, Ticket, User
from helpdesk.tickets.services import file_question
from tests.conftest import BASE_CONFIG
from tests.test_kb import add_article

WORKERS = 3
ROUNDS = 12


def _worker_app(config: dict):
    """The app as one gunicorn worker would build it, on the shared database and index directory."""
    return create_app({**BASE_CONFIG, **config, "SEARCH_LOCK_TIMEOUT": 0.2})


def _editing_worker(config: dict, number: int, jurist_id: int, member_id: int, slugs: list[str]) -> None:
    """Edit articles, create articles and file questions, running the after-request sync after each one."""
    app = _worker_app(config)
    rng = random.Random(number)
    with app.app_context():
        jurist, member = db.session.get(User, jurist_id), db.session.get(User, member_id)
        for round_ in range(ROUNDS):
            action = rng.choice(("edit", "edit", "create", "question"))
            if action == "edit":
                article = db.session.scalar(select(Article).where(Article.slug == rng.choice(slugs)))
                services.save_article(article, {"slug": article.slug, "title": f"Édité par {number} au tour {round_}",
                                                "body": f"Corps {number}-{round_}", "visibility": "public"}, jurist)
            elif action == "create":
                services.save_article(None, {"slug": f"w{number}-r{round_}", "title": f"Nouvelle {number} {round_}",
                                             "body": "Texte neuf", "visibility": "public"}, jurist)
            else:
                file_question(member, f"Question {number}-{round_}", "Une description suffisamment longue.", None)
            indexing.sync_after_request(None)
        db.session.remove()
        db.engine.dispose()


def _indexer_loop(config: dict, stop) -> None:
    """`flask kb sync --loop` in short: sync until told to stop, shrugging off busy locks."""
    app = _worker_app(config)
    with app.app_context():
        while not stop.wait(0.05):
            try:
                indexing.sync(timeout=0.2)
            except (indexing.SyncBusy, search.IndexBusy):
                pass
        db.session.remove()
        db.engine.dispose()


def test_concurrent_workers_and_indexer_lose_and_duplicate_no_index_update(app, world):
    """After concurrent edits from several processes and one final sync, both indexes match the database exactly."""
    slugs = [f"base-{n}" for n in range(5)]
    for slug in slugs:
        add_article(slug, f"Article {slug}", "Texte initial.")
    indexing.sync()
    config = {key: app.config[key] for key in ("SQLALCHEMY_DATABASE_URI", "INDEX_DIR")}
    jurist_id, member_id = world.jurist.id, world.member.id
    # Forked children must not inherit open database connections: close ours first.
    db.session.remove()
    db.engine.dispose()
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    indexer = context.Process(target=_indexer_loop, args=(config, stop))
    workers = [context.Process(target=_editing_worker, args=(config, n, jurist_id, member_id, slugs))
               for n in range(WORKERS)]
    indexer.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    stop.set()
    indexer.join(timeout=30)
    assert [worker.exitcode for worker in workers] == [0] * WORKERS
    assert indexer.exitcode == 0

    indexing.sync()
    db.session.expire_all()
    for name, model in ((search.ARTICLES, Article), (search.QUESTIONS, Ticket)):
        report = indexing.check(name)
        assert report.consistent, (name, report)
        rows = db.session.scalar(select(func.count()).select_from(model))
        assert search.document_count(indexing.index_path(name), name) == rows
    assert db.session.scalar(select(func.count()).select_from(Article)) > len(slugs)
