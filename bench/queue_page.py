"""The jurists' queue page (views, filters, sorts, pagination) on a large generated history.

Usage: python bench/queue_page.py [--rows 200000] [--requests 300] [--engines sqlite postgresql] [--explain]
                                 [--keep DIR]

Generates `rows` questions (10 % open, 90 % closed, as after years of service;
new and open ones with a running deadline, so the late and due-soon views are not empty)
on a throwaway SQLite file and/or PostgreSQL database built by the
migrations, then requests the queue page through the Flask test client as a
jurist (rendering included): every view x sort on pages 1 and 3, plus random
filter combinations. Prints p50/p95 per view and overall, in wall time and in
this process's CPU time (on SQLite the whole cost of the page; on PostgreSQL
without the server's share; the CPU figures stay meaningful when other jobs
load the machine), and with --explain
the query plans of the main view/sort combinations and of the view counts.
With --keep DIR the databases are kept (SQLite files in DIR, PostgreSQL
databases named helpdesk_bench_queue_<rows>) and reused by the next run with
--keep, after applying any new migration; drop them by hand afterwards.
"""
import argparse
import gc
import random
import runpy
import statistics
import sys
import time
import types
from datetime import timedelta
from pathlib import Path

import stack

STATUS_WEIGHTS = {"closed": 90, "answered": 4, "waiting": 2.5, "open": 2.5, "new": 1}


def generate(app, rows: int, seed: int = 7) -> None:
    """Insert structures, users, themes and `rows` questions in bulk, then gather statistics."""
    from sqlalchemy import insert, select, text

    from helpdesk.auth.services import create_user
    from helpdesk.demo import luhn_siret
    from helpdesk.extensions import db
    from helpdesk.models import REGIONS, STRUCTURE_TYPES, Structure, Theme, User
    from helpdesk.models._types import utcnow

    rng = random.Random(seed)
    with app.app_context():
        db.session.execute(insert(Structure), [
            {"name": f"Structure {n}", "siret": luhn_siret(f"8{n:012d}"), "type": rng.choice(list(STRUCTURE_TYPES)),
             "region": rng.choice(list(REGIONS)), "active": True} for n in range(600)])
        db.session.execute(insert(Theme), [{"name": f"Thème {n}", "slug": f"theme-{n}", "active": True}
                                           for n in range(15)])
        db.session.commit()
        jurist = create_user("juriste@exemple.test", "Juriste Charge", stack.PASSWORD, "jurist", None)
        structures = list(db.session.scalars(select(Structure.id)))
        db.session.execute(insert(User), [
            {"email": f"membre-{n}@exemple.test", "name": f"Membre {n}", "password_hash": jurist.password_hash,
             "role": "member", "structure_id": structures[n % len(structures)], "active": True} for n in range(3000)]
            + [{"email": f"juriste-{n}@exemple.test", "name": f"Juriste {n}", "password_hash": jurist.password_hash,
                "role": "jurist", "structure_id": None, "active": True} for n in range(2)])
        db.session.commit()
        members = list(db.session.execute(select(User.id, User.structure_id).where(User.role == "member")))
        jurists = list(db.session.scalars(select(User.id).where(User.role == "jurist")))
        themes = list(db.session.scalars(select(Theme.id)))
        statuses, weights = zip(*STATUS_WEIGHTS.items())
        write = _copy_tickets if db.engine.dialect.name == "postgresql" else _insert_tickets
        now = utcnow()
        span = timedelta(days=5 * 365).total_seconds()
        batch = []
        rebuild = _drop_ticket_indexes() if write is _insert_tickets else []
        for number in range(1, rows + 1):
            author, structure = rng.choice(members)
            created = now - timedelta(seconds=span * (1 - number / rows) + rng.random() * 60)
            status = rng.choices(statuses, weights)[0]
            batch.append({
                "reference": f"Q-{created.year}-{number:07d}", "structure_id": structure, "author_id": author,
                "subject": f"Question générée {number}", "body": "Texte de la question générée pour le banc d'essai.",
                "theme_id": rng.choice(themes), "priority": rng.choices((0, 1, 2, 3), (10, 70, 15, 5))[0],
                "status": status, "channel": "web",
                "assignee_id": None if status == "new" or rng.random() < 0.1 else rng.choice(jurists),
                "created_at": created, "last_activity_at": created + timedelta(hours=rng.randint(0, 400)),
                # The clock runs on new and open questions only: most of them are late, a few due within 24 h.
                "next_due_at": created + timedelta(hours=rng.randint(8, 400)) if status in ("new", "open") else None,
            })
            if len(batch) == 10000:
                write(batch)
                batch = []
        if batch:
            write(batch)
        db.session.commit()
        for statement in rebuild:
            db.session.execute(text(statement))
        db.session.commit()
        # As autovacuum would have done on a live database: statistics, and PostgreSQL's visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"))


def _drop_ticket_indexes() -> list[str]:
    """Drop the question table's SQLite indexes for the bulk load; return the statements that rebuild them.

    Building an index once over millions of rows is many times faster than updating it on every insert (at 20
    million questions the live indexes made the load take hours); the rebuilt indexes are the migrations' own.
    """
    from sqlalchemy import text

    from helpdesk.extensions import db

    indexes = list(db.session.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket' AND sql IS NOT NULL")))
    for name, _ in indexes:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    db.session.commit()
    return [sql for _, sql in indexes]


def _insert_tickets(batch: list[dict]) -> None:
    """Insert generated questions into SQLite with the driver's executemany, committed so the journal stays small.

    The values go through the columns' own bind processors (UTC timestamps stored as SQLAlchemy stores them), so
    the rows are those an ORM insert writes, at a fraction of its cost per row.
    """
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    connection = db.session.connection()
    columns = list(batch[0])
    processors = [Ticket.__table__.c[name].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
                  for name in columns]
    rows = [tuple(value if process is None else process(value) for process, value in zip(processors, row.values()))
            for row in batch]
    connection.exec_driver_sql(
        f"INSERT INTO ticket ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
    db.session.commit()


def _copy_tickets(batch: list[dict]) -> None:
    """Stream generated questions into PostgreSQL with COPY (several times faster at millions of rows)."""
    from helpdesk.extensions import db

    columns = list(batch[0])
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY ticket ({', '.join(columns)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([row[column] for column in columns])


def _login(client) -> None:
    """Open the jurist's session through the login form."""
    response = client.post("/connexion", data={"email": "juriste@exemple.test", "password": stack.PASSWORD})
    assert response.status_code == 302, response.status_code


def request_plan(count: int, seed: int = 3) -> list[tuple[str, dict]]:
    """Every view x sort on pages 1 and 3, then random filter combinations, up to `count` requests."""
    from helpdesk.models import REGIONS, STATUSES, STRUCTURE_TYPES
    from helpdesk.queue.services import SORTS, VIEWS

    rng = random.Random(seed)
    plan = [(view, {"vue": view, "tri": sort, "page": page}) for view in VIEWS for sort in SORTS for page in (1, 3)]
    while len(plan) < count:
        view = rng.choice(list(VIEWS))
        args = {"vue": view, "tri": rng.choice(list(SORTS)), "page": rng.choice((1, 1, 2, 5))}
        for name, values in (("theme", range(1, 16)), ("region", list(REGIONS)), ("type", list(STRUCTURE_TYPES)),
                             ("statut", list(STATUSES))):
            if rng.random() < 0.3:
                args[name] = rng.choice(list(values))
        plan.append((view, args))
    return plan[:count]


def measure(app, count: int) -> dict[str, list[tuple[float, float]]]:
    """Time each planned request (wall and this process's CPU, milliseconds), grouped by view."""
    client = app.test_client()
    _login(client)
    # As a gunicorn worker does once it has loaded the app and after its first requests (gunicorn.conf.py).
    hooks = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    worker = types.SimpleNamespace(nr=0)
    hooks["post_worker_init"](worker)
    pauses: list[float] = []
    watch = _full_collection_watch(pauses)
    gc.callbacks.append(watch)
    timings: dict[str, list[tuple[float, float]]] = {}
    try:
        for view, args in [("warm-up", {"vue": "ouvertes"})] * 3 + request_plan(count):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get("/file/", query_string=args)
            elapsed = ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
            assert response.status_code == 200, (args, response.status_code)
            worker.nr += 1
            hooks["post_request"](worker, None, None, response)
            if view != "warm-up":
                timings.setdefault(view, []).append(elapsed)
    finally:
        gc.callbacks.remove(watch)
        gc.unfreeze()
    print(f"full garbage collections: {len(pauses)}, longest {max(pauses, default=0):.1f} ms, "
          f"total {sum(pauses):.1f} ms", file=sys.stderr)
    return timings


def _full_collection_watch(pauses: list[float]):
    """A gc callback appending the duration (ms) of each full (generation 2) collection to `pauses`."""
    started = [0.0]

    def watch(phase: str, info: dict) -> None:
        """Time generation-2 collections."""
        if info["generation"] == 2:
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                pauses.append((time.perf_counter() - started[0]) * 1000)
    return watch


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method)."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def explain(app) -> None:
    """Print the plans of the main view/sort queries and of the view counts."""
    from sqlalchemy import select, text

    from helpdesk.extensions import db
    from helpdesk.models import User
    from helpdesk.queue.services import SORTS, VIEWS, QueueFilters, queue_count_query, queue_query, view_counts_query

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "juriste@exemple.test"))
        postgres = db.engine.dialect.name == "postgresql"
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        queries = [(f"{view} / {sort}", queue_query(user, QueueFilters(view=view, sort=sort)).limit(25))
                   for view in VIEWS for sort in SORTS]
        queries.append(("capped count of a page (ouvertes)",
                        queue_count_query(user, QueueFilters(view="ouvertes"))))
        queries.append(("view counts", view_counts_query(user)))
        for label, query in queries:
            sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
            rows = db.session.execute(text(prefix + sql)).all()
            plan = [row[0] for row in rows] if postgres else [row[-1] for row in rows]
            print(f"-- {label}")
            for line in plan:
                print(f"   {line}")


def run(engine: str, rows: int, requests: int, show_plans: bool, base: Path, keep: Path | None) -> list[list]:
    """Generate (or reuse), measure and (optionally) explain on one engine; return table rows."""
    config = {"WTF_CSRF_ENABLED": False}
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        if engine == "sqlite":
            path = keep / f"queue-{rows}.sqlite"
            fresh = not path.exists()
            url = f"sqlite:///{path}"
        else:
            url, fresh = kept_postgres(f"helpdesk_bench_queue_{rows}")
        return _run_on(url, engine, rows, requests, show_plans, keep, config, fresh)
    if engine == "sqlite":
        url = f"sqlite:///{base}/queue-{rows}.sqlite"
        return _run_on(url, engine, rows, requests, show_plans, base, config, True)
    with stack.throwaway_postgres("helpdesk_bench_queue") as url:
        return _run_on(url, engine, rows, requests, show_plans, base, config, True)


def kept_postgres(name: str) -> tuple[str, bool]:
    """The URL of a PostgreSQL database kept between runs, created if missing, and whether it is new."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(stack.PG_SERVER)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        fresh = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None
        if fresh:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), fresh


def _run_on(url, engine, rows, requests, show_plans, base, config, fresh) -> list[list]:
    """The body of `run` once the database exists; `fresh` databases are filled first."""
    app = stack.helpdesk_app(url, str(base / f"index-{engine}-{rows}"), **config)
    stack.migrate(app)
    if fresh:
        started = time.perf_counter()
        generate(app, rows)
        print(f"{engine}: {rows} questions generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if show_plans:
        print(f"\n## Query plans, {engine}, {rows} questions\n")
        explain(app)
    timings = measure(app, requests)
    with app.app_context():
        from helpdesk.extensions import db
        db.session.remove()
        db.engine.dispose()
    timings["all"] = [value for values in timings.values() for value in values]
    table = []
    for view, values in timings.items():
        wall, cpu = [value[0] for value in values], [value[1] for value in values]
        table.append([engine, rows, view, len(values), f"{percentile(wall, 50):.1f}", f"{percentile(wall, 95):.1f}",
                      f"{max(wall):.1f}", f"{percentile(cpu, 50):.1f}", f"{percentile(cpu, 95):.1f}"])
    return table


def main() -> int:
    """Run every engine x size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the databases and reuse them on the next run")
    args = parser.parse_args()
    base = stack.workdir("bench-queue")
    table = []
    for rows in args.rows:
        for engine in args.engines:
            table.extend(run(engine, rows, args.requests, args.explain, base, args.keep))
    print()
    stack.print_table(["engine", "questions", "view", "requests", "p50 ms", "p95 ms", "max ms", "CPU p50 ms",
                       "CPU p95 ms"], table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
