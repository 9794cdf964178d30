"""Statistics benchmark: dashboard and annual report render times on PostgreSQL with 200,000 questions.

Creates a throwaway database on the given server, migrates it, bulk-loads
generated data with COPY (600 structures, 1,200 members, 200,000 questions over
ten years, resource reads, searches, suggestion clicks), then renders each page
through the Flask test client as a logged-in admin and reports p50/p95 wall time,
the mean CPU time per render of the application and of its PostgreSQL backend
(CPU is what a shared, loaded machine inflates least), and the load average.

    .venv/bin/python bench/stats_bench.py --server postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""
import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import flask_migrate
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpdesk import create_app  # noqa: E402
from helpdesk.auth.services import create_user  # noqa: E402
from helpdesk.demo import THEMES, luhn_siret  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.kb.content import load_starter_content  # noqa: E402
from helpdesk.models import REGIONS, STRUCTURE_TYPES  # noqa: E402

PASSWORD = "bench-password-2026"
STATUS_WEIGHTS = {"closed": 70, "answered": 15, "waiting": 5, "open": 5, "new": 5}


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def generate(connection: psycopg.Connection, questions: int, years: int, rng: random.Random) -> None:
    """Bulk-load structures, members, questions and knowledge-base activity with COPY."""
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=365 * years)
    with connection.cursor() as cursor:
        theme_ids = [row[0] for row in cursor.execute("SELECT id FROM theme ORDER BY id")]
        staff_ids = [row[0] for row in cursor.execute("SELECT id FROM \"user\" WHERE role != 'member'")]
        article_ids = [row[0] for row in cursor.execute("SELECT id FROM article WHERE status = 'published'")]
        with cursor.copy("COPY structure (name, siret, type, region, active, created_at) FROM STDIN") as copy:
            for number in range(600):
                copy.write_row((f"Structure {number}", luhn_siret(f"7{number:012d}"), rng.choice(list(STRUCTURE_TYPES)),
                                rng.choice(list(REGIONS)), number % 12 != 0, start))
        structure_ids = [row[0] for row in cursor.execute("SELECT id FROM structure ORDER BY id")]
        with cursor.copy("COPY \"user\" (email, name, password_hash, role, structure_id, active, session_token, "
                         "created_at) FROM STDIN") as copy:
            for number, structure_id in enumerate(structure_ids * 2):
                copy.write_row((f"membre{number}@bench.test", f"Membre {number}", "x", "member", structure_id, True,
                                uuid.uuid4().hex, start))
        members = list(cursor.execute("SELECT id, structure_id FROM \"user\" WHERE role = 'member'"))
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        span = (now - start).total_seconds()
        with cursor.copy("COPY ticket (reference, structure_id, author_id, subject, body, theme_id, priority, status, "
                         "channel, assignee_id, created_at, last_activity_at, first_response_at, due_at, resolved_at, "
                         "closed_at) FROM STDIN") as copy:
            # Filed in chronological order, as in production (the table's physical order follows the dates).
            moments = sorted(rng.random() * span for _ in range(questions))
            for number, offset in enumerate(moments):
                author_id, structure_id = rng.choice(members)
                created = start + timedelta(seconds=offset)
                age_days = (now - created).days
                status = "closed" if age_days > 90 and rng.random() < 0.95 else rng.choices(statuses, weights)[0]
                first = resolved = closed = None
                if status != "new":
                    first = created + timedelta(hours=rng.lognormvariate(3, 1))
                if status in ("answered", "closed"):
                    resolved = first + timedelta(hours=rng.lognormvariate(2, 1.2))
                if status == "closed":
                    closed = resolved + timedelta(days=rng.uniform(0, 5))
                due = created + timedelta(hours=72) if rng.random() < 0.8 else None
                copy.write_row((f"Q-{created.year}-{number:06d}", structure_id, author_id, "Question générée",
                                "Texte de la question générée pour le banc d'essai.", rng.choice(theme_ids),
                                rng.randint(0, 3), status, "web", None if status == "new" else rng.choice(staff_ids),
                                created, closed or resolved or first or created, first, due, resolved, closed))
        with cursor.copy("COPY article_read (article_id, reader, created_at) FROM STDIN") as copy:
            for _ in range(questions // 2):
                copy.write_row((rng.choice(article_ids), "member", start + timedelta(seconds=rng.random() * span)))
        with cursor.copy("COPY search_log (query, results, role, created_at) FROM STDIN") as copy:
            for number in range(questions // 10):
                copy.write_row((f"recherche {number % 500}", number % 3, "member",
                                start + timedelta(seconds=rng.random() * span)))
        with cursor.copy("COPY suggestion_click (user_id, article_id, created_at) FROM STDIN") as copy:
            for _ in range(questions // 20):
                copy.write_row((rng.choice(members)[0], rng.choice(article_ids),
                                start + timedelta(seconds=rng.random() * span)))
    connection.commit()
    connection.autocommit = True
    connection.execute("VACUUM ANALYZE")


def backend_cpu(pid: int):
    """A function returning the CPU seconds used so far by PostgreSQL backend `pid` (None when the server runs
    on another machine and /proc does not show it)."""
    path = Path(f"/proc/{pid}/stat")
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float | None:
        """utime + stime of the backend process."""
        if not path.exists():
            return None
        fields = path.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    return read


def measure(client, url: str, runs: int, db_cpu) -> tuple[list[float], float, float | None]:
    """Render `url` `runs` times (after one warm-up): wall durations in milliseconds, and the mean CPU
    milliseconds per render of this process and of the database backend (None if unknown)."""
    with client.get(url) as response:
        response.get_data()
    timings = []
    cpu_begin, db_begin = time.process_time(), db_cpu()
    for _ in range(runs):
        begin = time.perf_counter()
        with client.get(url) as response:
            response.get_data()  # streamed exports are timed until their last line
        timings.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, url
    cpu = (time.process_time() - cpu_begin) * 1000 / runs
    db_end = db_cpu()
    return timings, cpu, None if db_begin is None or db_end is None else (db_end - db_begin) * 1000 / runs


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    """Create the database, load it, measure, drop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--questions", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    server = make_url(args.server)
    name = f"helpdesk_stats_bench_{uuid.uuid4().hex[:8]}"
    admin_engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name)
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "SESSION_COOKIE_SECURE": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                          "SEARCH_SYNC_AFTER_REQUEST": False, "EMAIL_ALLOW_SPECIAL_DOMAINS": True,  # @bench.test
                          "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                          # One connection, so that one backend process runs every query and its CPU can be read.
                          "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
                          "INDEX_DIR": tempfile.mkdtemp(prefix="stats-bench-index-")})
        with app.app_context():
            flask_migrate.upgrade()
            from helpdesk.models import Theme

            db.session.add_all(Theme(name=theme, slug=f"theme-{index}") for index, theme in enumerate(THEMES))
            db.session.commit()
            create_user("admin@bench.test", "Admin Banc", PASSWORD, "admin", None)
            for number in range(3):
                create_user(f"juriste{number}@bench.test", f"Juriste {number}", PASSWORD, "jurist", None)
            load_starter_content()
            begin = time.perf_counter()
            raw_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(raw_url) as connection:
                generate(connection, args.questions, args.years, random.Random(2026))
            load_seconds = time.perf_counter() - begin
            db.session.remove()
            client = app.test_client()
            assert client.post("/connexion", data={"email": "admin@bench.test", "password": PASSWORD}).status_code == 302
            year = datetime.now(timezone.utc).year - 1
            pages = {
                "Tableau de bord (12 derniers mois)": "/statistiques/",
                "Tableau de bord filtré (région, 10 ans)":
                    f"/statistiques/?du={year - 8}-01&au={year + 1}-{datetime.now(timezone.utc).month:02d}"
                    "&region=bretagne",
                f"Rapport annuel {year}": f"/statistiques/rapport/{year}",
                "Graphique délais par mois (SVG)": "/statistiques/graphiques/delais-par-mois.svg",
                "Graphique thèmes du rapport (SVG)": f"/statistiques/rapport/{year}/graphiques/themes.svg",
                "Export CSV des questions (12 mois, admin)": "/statistiques/export/questions.csv",
            }
            version = db.session.execute(text("SHOW server_version")).scalar()
            db_cpu = backend_cpu(db.session.execute(text("SELECT pg_backend_pid()")).scalar())
            db.session.remove()
            print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU, "
                  f"Python {platform.python_version()}, PostgreSQL {version}")
            print(f"Data: {args.questions} questions over {args.years} years, loaded in {load_seconds:.1f} s; "
                  f"{args.runs} runs per page")
            print(f"Load average before: {load_average()}")
            print(f"{'page':<45} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'app CPU':>8} {'DB CPU':>8}")
            for label, page_url in pages.items():
                timings, cpu, database_cpu = measure(client, page_url, args.runs, db_cpu)
                database = "?" if database_cpu is None else f"{database_cpu:.1f}"
                print(f"{label:<45} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f} "
                      f"{max(timings):8.1f} {cpu:8.1f} {database:>8}")
            print(f"Load average after: {load_average()}")
            print("CPU columns: mean milliseconds per render of this process (Flask, templates, charts, CSV) and of "
                  "its PostgreSQL backend (parallel workers not counted; '?' when the server is remote).")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            with admin_engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


if __name__ == "__main__":
    main()
