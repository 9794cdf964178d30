"""Cost of one question submission against one bare insert, in process, on PostgreSQL.

Usage: python bench/submit_cost.py [--requests 50] [--rounds 3] [--profile 0]

Sequential requests through the Flask test client (no HTTP server, no
concurrency): wall and CPU milliseconds per request of the helpdesk's
new-question POST (logged-in member, CSRF token, three jurists to notify; index
sync and mail sending left to the loops, as `make serve` runs) and of
bench/bare_app.py's insert and of the helpdesk's POST with the filing service
replaced by a no-op (the request's cost around the filing), alternating so that machine load affects both
alike; then the SQL statements of one submission and, with --profile N, the top
cumulative costs of N submissions under cProfile.
"""
import argparse
import cProfile
import pstats
import sys
import time
import types
from unittest import mock

import bare_app
import stack
from sqlalchemy import event


def main() -> int:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="submissions to profile (0: none)")
    args = parser.parse_args()
    base = stack.workdir("bench-cost")
    with stack.throwaway_postgres("helpdesk_bench_cost") as url:
        app = stack.helpdesk_app(url, str(base / "index"), SEARCH_SYNC_AFTER_REQUEST=False,
                                 MAIL_SEND_AFTER_REQUEST=False)
        stack.migrate(app)
        seeded = stack.seed_members(app, 1)
        stack.sync_indexes(app)
        client = app.test_client()
        login = client.get("/connexion").get_data(as_text=True)
        client.post("/connexion", data={"csrf_token": stack.CSRF_TOKEN.search(login).group(1),
                                        "email": seeded["emails"][0], "password": stack.PASSWORD})
        token = stack.CSRF_TOKEN.search(client.get("/questions/nouvelle").get_data(as_text=True)).group(1)
        cookie = client.get_cookie("session").value
        bare_app.create_schema(url)
        bare = bare_app.create_app(url).test_client()
        sequence = iter(range(10**9))

        def submit(count: int) -> None:
            for _ in range(count):
                client.set_cookie("session", cookie)  # as wrk does: the flash of the redirect is not kept
                response = client.post("/questions/nouvelle", data={
                    "csrf_token": token, "subject": f"Question mesurée {next(sequence)}",
                    "body": "Une description suffisamment longue pour être acceptée.",
                    "theme": seeded["theme_id"], "priority": 1})
                assert response.status_code == 302, response.status_code

        def insert(count: int) -> None:
            for _ in range(count):
                assert bare.post("/rows", data={"payload": "ligne"}).status_code == 201

        def submit_without_filing(count: int) -> None:
            """The same requests with the filing service replaced by a no-op: what the request costs around it."""
            from helpdesk.tickets import services

            filed = types.SimpleNamespace(reference="Q-2026-00001")
            with mock.patch.object(services, "file_question", lambda *args, **kwargs: filed):
                submit(count)

        submit(5)
        insert(5)
        rows = []
        for _ in range(args.rounds):
            for label, run in (("helpdesk submission", submit), ("bare insert", insert),
                               ("helpdesk, filing skipped", submit_without_filing)):
                wall, cpu = time.perf_counter(), time.process_time()
                run(args.requests)
                rows.append([label, f"{(time.perf_counter() - wall) / args.requests * 1000:.1f}",
                             f"{(time.process_time() - cpu) / args.requests * 1000:.1f}"])
        statements = []
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
        listener = lambda *call: statements.append(" ".join(call[2].split())[:70])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        submit(1)
        event.remove(engine, "before_cursor_execute", listener)
        profile = cProfile.Profile(time.process_time)  # CPU: waits on PostgreSQL are not ours
        if args.profile:
            profile.runcall(submit, args.profile)
        with app.app_context():
            engine.dispose()
    stack.print_table(["request", "wall ms", "CPU ms"], rows)
    print(f"\n{len(statements)} SQL statements per submission:")
    for statement in statements:
        print(f"  {statement}")
    if args.profile:
        print(f"\nProfile of {args.profile} submissions, top cumulative CPU:")
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
