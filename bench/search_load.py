"""Knowledge-base search under concurrent users while jurists edit articles.

Usage: python bench/search_load.py [--articles 50000] [--users 20] [--duration 30] [--workers 4]

On a throwaway PostgreSQL database: `articles` generated public articles
(French-like words, see bench/search_speed.py), indexed once; then gunicorn
serves the search page to `users` concurrent wrk connections while an editor
process saves articles through the service (change log in the transaction)
and this machine's indexer (`flask kb sync --loop`) applies the changes.
Reports search p50/p95, errors, edits applied, and `flask kb check` at the end.
"""
import argparse
import multiprocessing
import random
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import stack
from search_speed import vocabulary

HERE = Path(__file__).resolve().parent
WORDS_PER_BODY = 120


def generate(app, count: int, words: list[str], cumulative: list[float]) -> None:
    """Insert `count` published public articles in bulk (no change log: the index is built afterwards)."""
    from sqlalchemy import insert

    from helpdesk.extensions import db
    from helpdesk.models import Article
    from helpdesk.models._types import utcnow

    rng = random.Random(11)
    draw = lambda k: " ".join(rng.choices(words, cum_weights=cumulative, k=k))  # noqa: E731
    now = utcnow()
    with app.app_context():
        for start in range(0, count, 5000):
            db.session.execute(insert(Article), [
                {"slug": f"ressource-{n}", "title": draw(6).capitalize(), "summary": draw(20), "body": draw(WORDS_PER_BODY),
                 "type": "decryptage", "visibility": "public", "status": "published", "tags": [], "legal_refs": [],
                 "updated_on": date(2026, 1, 1), "source_url": "", "created_at": now, "updated_at": now}
                for n in range(start, min(start + 5000, count))])
        db.session.commit()


def edit_loop(url: str, index_dir: str, count: int, words: list[str], stop, started, done) -> None:
    """Save random articles through the service until told to stop; report how many edits were made."""
    from sqlalchemy import select

    from helpdesk.auth.services import create_user
    from helpdesk.extensions import db
    from helpdesk.kb import services
    from helpdesk.models import Article

    app = stack.helpdesk_app(url, index_dir, SEARCH_SYNC_AFTER_REQUEST=False)
    rng = random.Random(5)
    edits = 0
    with app.app_context():
        jurist = create_user("juriste@exemple.test", "Juriste Édition", stack.PASSWORD, "jurist", None)
        while not stop.is_set():
            article = db.session.scalar(select(Article).where(Article.slug == f"ressource-{rng.randrange(count)}"))
            services.save_article(article, {
                "slug": article.slug, "title": f"{article.title.split(' — ')[0]} — révision {edits}",
                "summary": article.summary, "body": f"{article.body} {rng.choice(words)}",
                "visibility": "public"}, jurist)
            edits += 1
            started.set()
            time.sleep(0.1)
        db.engine.dispose()
    done.put(edits)


def main() -> int:
    """Generate, index, load, edit, check; print the table; exit 1 on errors or an inconsistent index."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[50_000])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    words, cumulative = vocabulary()
    query_words = words[50:2050]
    base = stack.workdir("bench-search")
    rows, failed = [], False
    for count in args.articles:
        with stack.throwaway_postgres("helpdesk_bench_search") as url:
            index_dir = str(base / f"index-{count}")
            app = stack.helpdesk_app(url, index_dir)
            stack.migrate(app)
            generate(app, count, words, cumulative)
            started = time.perf_counter()
            stack.sync_indexes(app, timeout=3600)
            build = time.perf_counter() - started
            env = stack.helpdesk_env(url, index_dir, stack.free_port())
            indexer = stack.Loop("indexer", env, base / "indexer.log")
            server = stack.Gunicorn("wsgi:app", args.workers, env, base / "gunicorn.log", "/healthz")
            context = multiprocessing.get_context("spawn")
            stop, started_editing, done = context.Event(), context.Event(), context.Queue()
            editor = context.Process(target=edit_loop,
                                     args=(url, index_dir, count, words, stop, started_editing, done))
            editor.start()
            started_editing.wait(timeout=120)
            try:
                result = stack.run_wrk(HERE / "search.lua", server.url, args.users, args.duration,
                                       {"BENCH_WORDS": ",".join(quote(word) for word in query_words)})
            finally:
                stop.set()
                edits = done.get(timeout=60)
                editor.join()
                server.stop()
                indexer.stop()
            consistent = stack.index_consistent(app)["articles"]
            with app.app_context():
                from helpdesk.extensions import db
                db.engine.dispose()
        errors = sum(result[key] for key in ("connect_errors", "read_errors", "write_errors", "status_errors",
                                             "timeouts", "refused"))
        failed |= bool(errors) or not consistent
        rows.append([count, args.users, args.workers, f"{build:.0f}", result["requests"],
                     f"{result['requests'] / (result['duration_us'] / 1e6):.0f}", f"{result['p50_us'] / 1000:.1f}",
                     f"{result['p95_us'] / 1000:.1f}", errors, edits, "yes" if consistent else "NO"])
    stack.print_table(["articles", "users", "workers", "index build s", "searches", "searches/s", "p50 ms",
                       "p95 ms", "errors", "edits", "kb check"], rows)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
