"""Fault runs: submissions keep their promise when a worker dies, the mail server stops or the index lock is stuck.

Usage: python bench/faults.py [--submissions 500] [--clients 16] [--workers 4] [--hold 8] [--short]

On a throwaway PostgreSQL database, gunicorn (gunicorn.conf.py) serves the
helpdesk with this machine's indexer running and in-request index syncs on
(so the bounded lock waits are exercised). `clients` threads, each logged in
as its own member through the login form, post `submissions` questions in
all, with the form's CSRF token, never retrying. Meanwhile:
  1. a gunicorn worker is killed with SIGKILL once a fifth of the questions are acknowledged;
  2. right after, and at the same time: the SMTP server (aiosmtpd on loopback, counting mails by
     Message-ID) refuses every mail (421), and a stuck process takes this machine's indexer lock and Whoosh's write
     lock on the question index and sleeps `hold` seconds; then both come back. Each question
     notifies the jurists through the outbox, sent by `flask mail send-pending --loop`.
Submissions must go on while the locks are held (the in-request sync gives up after its
bounded wait). Afterwards: every acknowledged question is in the database exactly once (a question
whose request died with its worker may be stored without acknowledgement, never twice),
every queued notification reached the SMTP server exactly once once the outbox drained, and
after one sync `flask kb check` reports the indexes consistent. Exit 1 otherwise.
--short is the CI version (300 submissions, 5 clients, 2 workers, 2 s outages; under a minute on a quiet machine).
"""
import argparse
import http.client
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import urllib.parse

import stack

REFERENCE = re.compile(r"(Q-\d+-\d+)")


class Member(threading.Thread):
    """One browser: logs in through the form, then posts its questions without ever retrying."""

    def __init__(self, port: int, email: str, theme_id: int, quota: int, number: int, tally):
        super().__init__(daemon=True)
        self.port, self.email, self.theme_id, self.quota, self.number, self.tally = (
            port, email, theme_id, quota, number, tally)
        self.connection = None
        self.cookie = ""

    def _request(self, method: str, path: str, fields: dict | None = None):
        """One HTTP exchange on the kept-alive connection (reopened after a failure)."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response, response.read().decode()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise

    def _open_session(self) -> str:
        """Log in through the form; keep the session cookie and return the form's CSRF token."""
        self.cookie, token = stack.open_session(self.port, self.email)
        return token

    def run(self) -> None:
        """Log in (again after a dead worker if need be), then post the quota."""
        token = None
        for sequence in range(self.quota):
            try:
                token = token or self._open_session()
                response, _ = self._request("POST", "/questions/nouvelle", {
                    "csrf_token": token, "subject": f"Question sous panne m{self.number}-{sequence}",
                    "body": "Un salarié en CDDI peut-il voir son contrat renouvelé au-delà de vingt-quatre mois ?",
                    "theme": self.theme_id, "priority": 1})
            except (OSError, http.client.HTTPException, RuntimeError, AttributeError):
                self.tally.failure()
                continue
            match = response.status == 302 and REFERENCE.search(response.getheader("Location") or "")
            if match:
                self.tally.acknowledge(match.group(1))
            else:
                self.tally.failure()


class Tally:
    """Acknowledged references and failures, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked: list[str] = []
        self.failed = 0

    def acknowledge(self, reference: str) -> None:
        """Record an acknowledged submission."""
        with self.lock:
            self.acked.append(reference)

    def failure(self) -> None:
        """Record a submission without acknowledgement (error, reset, refusal)."""
        with self.lock:
            self.failed += 1


def hold_index_locks(url: str, index_dir: str, seconds: float, ready, go, taken) -> None:
    """A stuck indexer: once told to, take the question index's indexer lock and Whoosh write lock, sleep, release."""
    from helpdesk import search
    from helpdesk.kb import indexing

    app = stack.helpdesk_app(url, index_dir)
    ready.set()
    go.wait()
    with app.app_context(), indexing.indexer_lock(search.QUESTIONS, timeout=60):
        write_lock = search.open_index(indexing.index_path(search.QUESTIONS), search.QUESTIONS).lock("WRITELOCK")
        assert write_lock.acquire(blocking=True)
        taken.set()
        time.sleep(seconds)
        write_lock.release()


def verify(app, acked: list[str]) -> dict:
    """Acknowledged questions stored exactly once; nothing stored twice."""
    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    with app.app_context():
        stored = set(db.session.scalars(select(Ticket.reference)))
        duplicated = db.session.scalar(select(func.count()).select_from(
            select(Ticket.subject).group_by(Ticket.subject).having(func.count() > 1).subquery()))
        total = len(stored)
        db.session.remove()
    return {"acked": len(acked), "acked twice": len(acked) - len(set(acked)),
            "lost": len(set(acked) - stored), "duplicated": duplicated, "stored": total,
            "stored unacked": len(stored - set(acked))}


def main() -> int:
    """Run the faults and print the results; exit 1 on a lost or duplicated record or an inconsistent index."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--hold", type=float, default=8.0)
    parser.add_argument("--short", action="store_true")
    args = parser.parse_args()
    if args.short:
        args.submissions, args.clients, args.workers, args.hold = 300, 5, 2, 2.0
    base = stack.workdir("bench-faults")
    started = time.monotonic()
    with stack.throwaway_postgres("helpdesk_bench_faults") as url:
        index_dir = str(base / "index")
        sink = stack.SmtpSink()
        app = stack.helpdesk_app(url, index_dir, **stack.mail_settings(sink.port))
        stack.migrate(app)
        seeded = stack.seed_members(app, args.clients)
        stack.sync_indexes(app)
        env = stack.helpdesk_env(url, index_dir, sink.port, sync_in_request=True)
        indexer = stack.Loop("indexer", env, base / "indexer.log")
        mailer = stack.Loop("mailer", env, base / "mailer.log")
        server = stack.Gunicorn("wsgi:app", args.workers, env, base / "gunicorn.log", "/healthz")
        tally = Tally()
        quotas = [args.submissions // args.clients + (number < args.submissions % args.clients)
                  for number in range(args.clients)]
        members = [Member(server.port, email, seeded["theme_id"], quota, number, tally)
                   for number, (email, quota) in enumerate(zip(seeded["emails"], quotas))]
        events = []
        during_hold = 0
        # The stuck indexer is started (and its app built) before the load, so that it can take the locks at once.
        context = multiprocessing.get_context("spawn")
        ready, go, taken = context.Event(), context.Event(), context.Event()
        holder = context.Process(target=hold_index_locks, args=(url, index_dir, args.hold, ready, go, taken))
        holder.start()
        ready.wait(timeout=60)
        try:
            for member in members:
                member.start()
            while len(tally.acked) < args.submissions // 5 and any(m.is_alive() for m in members):
                time.sleep(0.05)
            victim = server.worker_pids()[0]
            os.kill(victim, signal.SIGKILL)
            events.append(f"worker {victim} killed with SIGKILL after {len(tally.acked)} acknowledgements")
            # The mail server goes down and the index locks are stuck at the same time, while the load goes on.
            sink.outage(True)
            before_outage = len(tally.acked)
            go.set()
            taken.wait(timeout=60)
            during_hold = len(tally.acked)
            holder.join(timeout=120)
            during_hold = len(tally.acked) - during_hold
            sink.outage(False)
            events.append(f"SMTP server refusing mail and index locks held for {args.hold:.0f} s by a stuck process: "
                          f"{len(tally.acked) - before_outage} questions acknowledged during the outage, "
                          f"{during_hold} while the locks were held")
            for member in members:
                member.join(timeout=300)
            events.append(f"load finished: {len(tally.acked)} acknowledged, {tally.failed} failed")
        finally:
            server.stop()
            indexer.stop()
            mailer.stop()
            if holder.is_alive():
                holder.kill()
        checks = verify(app, tally.acked)
        consistency = stack.index_consistent(app)
        stack.drain_outbox(app)
        mail = stack.verify_notifications(app, sink)
        sink.stop()
        with app.app_context():
            from helpdesk.extensions import db
            db.engine.dispose()
    for event in events:
        print(f"- {event}")
    stack.print_table(["submissions", "clients", "workers", *checks, "failed", "kb check", "seconds"], [[
        args.submissions, args.clients, args.workers, *checks.values(), tally.failed,
        "consistent" if all(consistency.values()) else f"INCONSISTENT {consistency}",
        f"{time.monotonic() - started:.0f}"]])
    print()
    stack.print_table([f"notifications {name}" for name in mail], [list(mail.values())])
    healthy = (not (checks["lost"] or checks["duplicated"] or checks["acked twice"]) and all(consistency.values())
               and during_hold > 0 and mail["queued"] > 0
               and not (mail["undelivered"] or mail["delivered twice"] or mail["unknown"]))
    print("OK: submissions went on through the faults; nothing lost, nothing duplicated, every notification "
          "delivered once, indexes consistent"
          if healthy else "FAILED")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
