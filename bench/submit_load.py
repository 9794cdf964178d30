"""Question submission under concurrent load, side by side with the bare stack's ceiling.

Usage: python bench/submit_load.py [--workers 2 4] [--clients 8 32] [--duration 15] [--floor]

For each worker count, on a throwaway PostgreSQL database: gunicorn (the
project's gunicorn.conf.py) serves the helpdesk with this machine's indexer
(`flask kb sync --loop`) and mail sender (`flask mail send-pending --loop`)
running, mailing to a loopback SMTP server. Each of the `clients` members logs
in through the login form first (a scrypt password check each, kept out of the
timed run); then wrk (bench/submit.lua), one connection per member, posts the
new-question form with that member's session cookie and CSRF token (each
question queues one notification per jurist in the outbox, in its transaction). The same
gunicorn settings then serve bench/bare_app.py (one INSERT per request) under
the same load; with --floor, bench/floor_app.py too, twice (the same
submission's database work hand-written on the helpdesk's schema, with Flask's
session and a CSRF check but no other extension: statement by statement, then
as one PostgreSQL statement), and the helpdesk with its filing service
replaced by a no-op (bench/filing_skipped.py: the request around the filing). Once wrk stops, the loops (running at the niceness `make serve`
gives them) drain the backlog the load left: the table gives the seconds until
the outbox holds no due mail and the indexes no pending change. Afterwards every
acknowledged question must be in the database exactly once, every notification
delivered exactly once, and the search indexes consistent with the database.
"""
import argparse
import os
import sys
from pathlib import Path

import stack

HERE = Path(__file__).resolve().parent


def verify_submissions(app, acks_file: Path) -> dict:
    """Compare the acknowledged references with the database: missing, duplicated, stored without an ack."""
    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    acked = [line for line in acks_file.read_text().splitlines() if line]
    with app.app_context():
        stored = dict(db.session.execute(select(Ticket.reference, Ticket.subject)).all())
        duplicated_subjects = db.session.scalar(select(func.count()).select_from(
            select(Ticket.subject).group_by(Ticket.subject).having(func.count() > 1).subquery()))
    return {
        "acked": len(acked),
        "missing": len(set(acked) - stored.keys()),
        "acked_twice": len(acked) - len(set(acked)),
        "duplicated": duplicated_subjects,
        "unacknowledged": len(stored.keys() - set(acked)),
    }


def run_helpdesk(workers: int, clients: int, duration: float, base: Path) -> dict:
    """Serve the helpdesk on a fresh database and load it with wrk; return figures and the verification."""
    with stack.throwaway_postgres("helpdesk_bench_submit") as url:
        index_dir = str(base / f"index-{workers}-{clients}")
        sink = stack.SmtpSink()
        app = stack.helpdesk_app(url, index_dir, **stack.mail_settings(sink.port))
        stack.migrate(app)
        seeded = stack.seed_members(app, clients)
        stack.sync_indexes(app)
        env = stack.helpdesk_env(url, index_dir, sink.port)
        indexer = stack.Loop("indexer", env, base / "indexer.log")
        mailer = stack.Loop("mailer", env, base / "mailer.log")
        server = stack.Gunicorn("wsgi:app", workers, env, base / "gunicorn.log", "/healthz")
        acks = base / f"acks-{workers}-{clients}.txt"
        try:
            sessions = [stack.open_session(server.port, email) for email in seeded["emails"]]
            result = stack.run_wrk(HERE / "submit.lua", server.url, clients, duration, {
                "BENCH_SESSIONS": ",".join(f"{cookie}|{token}" for cookie, token in sessions),
                "BENCH_THEME": str(seeded["theme_id"]), "BENCH_ACKS": str(acks)})
        finally:
            server.stop()
            try:
                result["drain_s"] = stack.wait_for_loops(app)
            finally:
                indexer.stop()
                mailer.stop()
        result["check"] = verify_submissions(app, acks)
        result["index_consistent"] = all(stack.index_consistent(app).values())
        stack.drain_outbox(app)
        result["mail"] = stack.verify_notifications(app, sink)
        sink.stop()
        with app.app_context():
            from helpdesk.extensions import db
            db.engine.dispose()
        return result


def run_bare(workers: int, clients: int, duration: float, base: Path) -> dict:
    """Serve the bare app on a fresh database and load it with wrk."""
    import bare_app

    with stack.throwaway_postgres("helpdesk_bench_bare") as url:
        bare_app.create_schema(url)
        server = stack.Gunicorn("bare_app:app", workers, {**os.environ, "BARE_DATABASE_URL": url},
                                base / "bare.log", "/")
        try:
            result = stack.run_wrk(HERE / "bare.lua", server.url, clients, duration, {})
        finally:
            server.stop()
        rows = bare_app.count_rows(url)
        result["check"] = {"acked": result["acked"], "missing": max(result["acked"] - rows, 0),
                           "duplicated": 0, "unacknowledged": max(rows - result["acked"], 0)}
        result["index_consistent"] = None
        result["mail"] = None
        result["drain_s"] = None
        return result


def run_floor(workers: int, clients: int, duration: float, base: Path, single_statement: bool) -> dict:
    """Serve the hand-written submission (bench/floor_app.py) on a fresh helpdesk database and load it with wrk."""
    import secrets
    import urllib.request

    with stack.throwaway_postgres("helpdesk_bench_floor") as url:
        app = stack.helpdesk_app(url, str(base / "index-floor"))
        stack.migrate(app)
        seeded = stack.seed_members(app, clients)
        env = {**os.environ, "FLOOR_DATABASE_URL": url, "FLOOR_SECRET_KEY": secrets.token_hex(32),
               "FLOOR_SINGLE_STATEMENT": "1" if single_statement else "0"}
        server = stack.Gunicorn("floor_app:app", workers, env, base / "floor.log", "/")
        acks = base / f"acks-floor-{int(single_statement)}-{workers}-{clients}.txt"
        try:
            sessions = []
            for email in seeded["emails"]:
                with urllib.request.urlopen(f"{server.url}/login/{email}") as response:
                    sessions.append((response.headers["Set-Cookie"].split(";", 1)[0], response.read().decode()))
            result = stack.run_wrk(HERE / "submit.lua", server.url, clients, duration, {
                "BENCH_SESSIONS": ",".join(f"{cookie}|{token}" for cookie, token in sessions),
                "BENCH_THEME": str(seeded["theme_id"]), "BENCH_ACKS": str(acks)})
        finally:
            server.stop()
        result["check"] = verify_submissions(app, acks)
        result["index_consistent"] = result["mail"] = result["drain_s"] = None
        with app.app_context():
            from helpdesk.extensions import db
            db.engine.dispose()
        return result


def run_filing_skipped(workers: int, clients: int, duration: float, base: Path) -> dict:
    """Serve the helpdesk with its filing service replaced by a no-op (bench/filing_skipped.py) and load it."""
    with stack.throwaway_postgres("helpdesk_bench_skipped") as url:
        app = stack.helpdesk_app(url, str(base / "index-skipped"))
        stack.migrate(app)
        seeded = stack.seed_members(app, clients)
        stack.sync_indexes(app)
        server = stack.Gunicorn("filing_skipped:app", workers, stack.helpdesk_env(url, str(base / "index-skipped"), 0),
                                base / "skipped.log", "/healthz")
        try:
            sessions = [stack.open_session(server.port, email) for email in seeded["emails"]]
            result = stack.run_wrk(HERE / "submit.lua", server.url, clients, duration, {
                "BENCH_SESSIONS": ",".join(f"{cookie}|{token}" for cookie, token in sessions),
                "BENCH_THEME": str(seeded["theme_id"]), "BENCH_ACKS": str(base / "acks-skipped.txt")})
        finally:
            server.stop()
        # Nothing is stored: every "acknowledged" request is counted, none can be verified.
        result["check"] = {"acked": result["acked"], "missing": 0, "duplicated": 0, "unacknowledged": 0}
        result["index_consistent"] = result["mail"] = result["drain_s"] = None
        with app.app_context():
            from helpdesk.extensions import db
            db.engine.dispose()
        return result


def throughput(result: dict) -> float:
    """Acknowledged operations per second."""
    return result["acked"] / (result["duration_us"] / 1e6)


def drained(result: dict) -> str:
    """Seconds the loops took to clear the load's backlog of mail and index changes, for the table."""
    if result["mail"] is None:
        return "-"
    return "timeout" if result["drain_s"] is None else f"{result['drain_s']:.1f}"


def errors(result: dict) -> int:
    """Transport errors, error statuses, timeouts and refused submissions."""
    return sum(result[key] for key in ("connect_errors", "read_errors", "write_errors", "status_errors",
                                       "timeouts", "refused"))


def main() -> int:
    """Run every combination and print the table; exit 1 on a lost or duplicated submission."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--floor", action="store_true",
                        help="also serve bench/floor_app.py (the submission hand-written, two ways) and the helpdesk "
                             "with its filing skipped (bench/filing_skipped.py)")
    args = parser.parse_args()
    base = stack.workdir("bench-submit")
    rows, failed = [], False
    for workers in args.workers:
        for clients in args.clients:
            bare = run_bare(workers, clients, args.duration, base)
            runs = [("bare insert", bare)]
            if args.floor:
                runs += [("floor, statements", run_floor(workers, clients, args.duration, base, False)),
                         ("floor, one statement", run_floor(workers, clients, args.duration, base, True)),
                         ("helpdesk, filing skipped", run_filing_skipped(workers, clients, args.duration, base))]
            runs.append(("helpdesk submit", run_helpdesk(workers, clients, args.duration, base)))
            for label, result in runs:
                check = result["check"]
                failed |= bool(check["missing"] or check["duplicated"] or check.get("acked_twice"))
                failed |= result["index_consistent"] is False
                mail = result["mail"]
                failed |= bool(mail and (mail["undelivered"] or mail["delivered twice"] or result["drain_s"] is None))
                rows.append([label, workers, clients, f"{throughput(result):.0f}", f"{result['p50_us'] / 1000:.1f}",
                             f"{result['p95_us'] / 1000:.1f}", errors(result), check["acked"], check["missing"],
                             check["duplicated"], check["unacknowledged"],
                             {None: "-", True: "yes", False: "NO"}[result["index_consistent"]],
                             f"{mail['queued']}/{mail['undelivered']}/{mail['delivered twice']}" if mail else "-",
                             drained(result), "" if result is bare else f"{throughput(result) / throughput(bare):.0%}"])
    stack.print_table(["app", "workers", "clients", "ok/s", "p50 ms", "p95 ms", "errors", "acked", "lost",
                       "duplicated", "stored unacked", "index ok", "mails queued/undelivered/twice", "backlog drained s",
                       "vs bare"], rows)
    print(f"logs: {base}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
