"""The outbox and its sender, against a real SMTP server: content, retries, exactly-once delivery."""
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.exc import OperationalError

from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.mail.notifications import queue_notifications
from helpdesk.mail.outbox import queue_email
from helpdesk.mail.reply_address import reply_address
from helpdesk.mail import sender as sender_module
from helpdesk.mail.sender import claim_batch, retry_delay, send_pending
from helpdesk.models import Event, Message, OutboxEmail, User
from helpdesk.models._types import frozen_time, utcnow
from helpdesk.tickets import services
from tests import factories
from tests.conftest import POSTGRES_URL
from tests.mail.helpers import html_part, outbox, text_part

ANSWER = "Oui, le renouvellement est possible pour achever une formation qualifiante."


def _answered_ticket(world):
    """A question of the world's structure, claimed and answered publicly by the jurist."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    services.add_message(ticket, world.jurist, ANSWER)
    return ticket


def test_answer_is_delivered_in_french_with_reference_text_html_link_and_threading(app, world, smtp):
    ticket = _answered_ticket(world)
    send_pending()
    delivered = smtp.recorder.to(world.member.email)
    assert len(delivered) == 1
    mail = delivered[0]
    assert mail["Subject"] == f"[{ticket.reference}] Réponse à votre question : {ticket.subject}"
    assert mail["From"] == "Helpdesk juridique <helpdesk@federation.example.test>"
    assert mail["Reply-To"] == reply_address(world.member, ticket)
    link = f"https://helpdesk.example.test/questions/{ticket.reference}"
    assert ANSWER in text_part(mail) and link in text_part(mail) and "Bonjour Alice" in text_part(mail)
    assert ANSWER in html_part(mail) and f'href="{link}"' in html_part(mail)
    thread = f"<{ticket.reference.lower()}@federation.example.test>"
    assert mail["In-Reply-To"] == thread and mail["References"] == thread
    assert mail["Message-ID"].startswith(f"<{ticket.reference.lower()}.")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert outbox(to_address=world.member.email)[0].status == "sent"


def test_html_part_escapes_what_members_wrote(app, world, smtp):
    ticket = factories.make_ticket(world.member, subject="Question <script>alert(1)</script>")
    send_pending()
    mail = smtp.recorder.to(world.jurist.email)[0]
    assert "<script>" not in html_part(mail) and "&lt;script&gt;" in html_part(mail)
    assert ticket.reference in mail["Subject"]


def test_line_breaks_in_a_subject_cannot_inject_headers(app, world, smtp):
    factories.make_ticket(world.member, subject="Contrat\r\nBcc: espion@ailleurs.example")
    assert send_pending().sent == 2
    mail = smtp.recorder.to(world.jurist.email)[0]
    assert mail["Bcc"] is None and "Contrat Bcc: espion@ailleurs.example" in mail["Subject"]


def test_mail_server_down_keeps_the_answer_and_delivers_it_exactly_once_later(app, world, client, login, smtp_down):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    send_pending()
    login(world.jurist)
    page = client.post(f"/questions/{ticket.reference}/repondre", data={
        "body": ANSWER, "kind": "public", "status_after": "answered"}, follow_redirects=True)
    assert page.status_code == 200 and "votre message a été envoyé." in page.get_data(as_text=True)
    assert db.session.query(Message).filter_by(body=ANSWER).count() == 1
    waiting = outbox(to_address=world.member.email)
    assert [row.status for row in waiting] == ["pending"]
    assert waiting[0].attempts == 1 and "Connection refused" in waiting[0].last_error
    smtp_down.start()
    assert send_pending().sent == 0, "not retried before its backoff delay"
    with frozen_time(utcnow() + timedelta(hours=1)):
        assert send_pending().sent == 4, "two jurists told of the question, two members of the answer"
        assert send_pending().sent == 0
    assert len(smtp_down.recorder.to(world.member.email)) == 1
    assert outbox(to_address=world.member.email)[0].status == "sent"


def test_mails_of_a_request_are_sent_right_after_its_response(app, world, client, login, smtp):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    send_pending()
    login(world.jurist)
    client.post(f"/questions/{ticket.reference}/repondre", data={
        "body": ANSWER, "kind": "public", "status_after": "waiting"}, follow_redirects=True)
    delivered = smtp.recorder.to(world.member.email)
    assert len(delivered) == 1 and "Précisions attendues" in delivered[0]["Subject"]


def test_default_file_backend_writes_eml_files(app, world, tmp_path):
    ticket = factories.make_ticket(world.member)
    assert send_pending().sent == 2
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    assert ticket.reference.encode() in files[0].read_bytes()


def _queue_many(world, count: int) -> None:
    """Queue `count` mails to the member."""
    for number in range(count):
        queue_email(to=world.member, kind="test", template="digest", subject=f"Essai {number}",
                    context={"items": []}, dedupe_key=f"test:{number}")
    db.session.commit()


def test_two_concurrent_senders_never_send_the_same_mail_twice(app, world, smtp):
    send_pending()
    smtp.recorder.messages.clear()
    _queue_many(world, 40)
    app.config["MAIL_BATCH_SIZE"] = 5
    reports = factories.twice_at_once(app, send_pending)
    subjects = [message["Subject"] for message in smtp.messages]
    assert len(subjects) == 40 and len(set(subjects)) == 40
    assert sum(report.sent for report in reports) == 40
    assert {row.status for row in outbox(kind="test")} == {"sent"}


def test_claimed_rows_are_invisible_to_another_sender_until_the_claim_goes_stale(app, world, smtp):
    send_pending()
    smtp.recorder.messages.clear()
    _queue_many(world, 3)
    token, claimed = claim_batch(10)
    assert len(claimed) == 3
    assert send_pending().sent == 0, "another sender must not take claimed rows"
    with frozen_time(utcnow() + timedelta(minutes=11)):
        assert send_pending().sent == 3, "a dead sender's claim is taken over"
    assert len(smtp.messages) == 3


def test_mail_that_keeps_failing_is_marked_failed_shown_to_admins_and_can_be_resent(
        app, world, client, login, smtp_down):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    factories.make_ticket(world.member)
    send_pending()
    with frozen_time(utcnow() + timedelta(hours=1)):
        report = send_pending()
    assert report.failed == 2
    failed = outbox(to_address=world.jurist.email)[0]
    assert failed.status == "failed" and failed.attempts == 2
    login(world.admin)
    page = client.get("/admin/courriels").get_data(as_text=True)
    assert "Échec" in page and world.jurist.email in page and "Connection refused" in page
    client.post(f"/admin/courriels/{failed.id}/renvoyer")
    smtp_down.start()
    assert send_pending().sent >= 1
    assert len(smtp_down.recorder.to(world.jurist.email)) == 1


def test_outbox_counts_are_written_as_numbers_are_elsewhere(app, world, client, login):
    """« 1 200 » with a narrow no-break space, as every other page writes a number (it showed « 1200 »)."""
    db.session.execute(insert(OutboxEmail), [
        {"dedupe_key": f"count-{index}", "to_address": "a@example.org", "kind": "test", "subject": "Test",
         "status": "sent"} for index in range(1200)])
    db.session.commit()
    login(world.admin)
    page = client.get("/admin/courriels").get_data(as_text=True)
    assert '<td data-label="Envoyé">1\u202f200</td>' in page and ">1200</td>" not in page


def test_outbox_page_is_for_admins_only(app, world, client, login):
    login(world.jurist)
    assert client.get("/admin/courriels").status_code == 403


def test_rolled_back_change_leaves_no_mail(app, world):
    ticket = factories.make_ticket(world.member)
    before = len(outbox())
    record_event("closed", world.jurist, ticket)
    db.session.rollback()
    assert len(outbox()) == before


def test_one_change_never_queues_the_same_mail_twice(app, world):
    ticket = factories.make_ticket(world.member)
    row = outbox(to_address=world.jurist.email)[0]
    again = queue_email(to=world.jurist, kind="x", template="closed", subject="x", context={},
                        ticket=row.ticket, dedupe_key=row.dedupe_key)
    assert again is None and len(outbox(to_address=world.jurist.email)) == 1
    created = db.session.scalar(select(Event).where(Event.ticket_id == ticket.id, Event.kind == "created"))
    queue_notifications(created, ticket)
    db.session.commit()
    assert len(outbox(to_address=world.jurist.email)) == 1, "the same event's notification is queued once"


def test_notification_is_rendered_when_sent_not_while_the_member_waits(app, world, smtp):
    ticket = factories.make_ticket(world.member, subject="Avenant au CDDI")
    row = outbox(to_address=world.jurist.email)[0]
    assert row.text_body is None, "nothing rendered while the member waits"
    send_pending()
    [mail] = smtp.recorder.to(world.jurist.email)
    assert ticket.body in text_part(mail) and ticket.reference in html_part(mail)
    assert outbox(to_address=world.jurist.email)[0].status == "sent"


def test_retry_delay_doubles_with_bounded_jitter(app):
    for attempts, base in ((1, 60), (2, 120), (5, 960)):
        delay = retry_delay(attempts).total_seconds()
        assert base <= delay <= base * 1.25
    assert retry_delay(30).total_seconds() <= 6 * 3600 * 1.25


def test_a_slow_sender_skips_the_rows_another_sender_took_over(app, world, smtp, monkeypatch):
    """A batch outliving its claim renews it before sending and leaves the rows another sender took over."""
    send_pending()
    smtp.recorder.messages.clear()
    _queue_many(world, 4)
    build = sender_module.build_message
    late = {"by": timedelta()}
    monkeypatch.setattr(sender_module, "utcnow", lambda: utcnow() + late["by"])

    def slow_build(row):
        """While the first mail is built the claim goes stale and another sender takes the other rows over."""
        if row.subject.endswith("Essai 0"):
            late["by"] = timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT_SECONDS"] + 60)
            db.session.execute(update(OutboxEmail).where(OutboxEmail.id != row.id, OutboxEmail.kind == "test")
                               .values(claimed_by="other-sender", claimed_at=sender_module.utcnow()))
            db.session.commit()
        return build(row)

    monkeypatch.setattr(sender_module, "build_message", slow_build)
    assert send_pending().sent == 1
    assert [message["Subject"] for message in smtp.messages] == [outbox(kind="test")[0].subject]
    assert sorted(row.claimed_by or "" for row in outbox(kind="test")) == ["", "other-sender", "other-sender",
                                                                         "other-sender"]


def test_a_mail_cancelled_by_anonymisation_after_its_batch_was_built_is_not_sent(app, world, smtp, monkeypatch):
    """A member anonymised while a sender holds their mail, already built, in its batch: that mail never leaves."""
    from helpdesk.privacy.services import anonymise_user

    send_pending()
    smtp.recorder.messages.clear()
    services.close(_answered_ticket(world), world.jurist)  # an answer and a closing notice to the member
    factories.make_ticket(world.outsider, subject="Question d'une autre structure")
    batch = sender_module._build_batch

    def build_then_anonymise(claimed):
        """The admin anonymises the member between the building of the batch and its sending."""
        outgoing = batch(claimed)
        anonymise_user(world.member, world.admin)
        return outgoing

    monkeypatch.setattr(sender_module, "_build_batch", build_then_anonymise)
    address = world.member.email
    report = send_pending()
    assert smtp.recorder.to(address) == [] and report.sent == len(smtp.messages) > 0
    assert all("Question d'une autre structure" in message["Subject"] for message in smtp.messages), \
        "only the mail about another structure's question goes"
    assert {row.status for row in outbox(recipient_id=world.member.id)} == {"cancelled"}


def test_a_mail_that_fails_to_build_holds_back_no_other_mail(app, world, smtp, monkeypatch):
    send_pending()
    smtp.recorder.messages.clear()
    _queue_many(world, 3)
    build = sender_module.build_message

    def failing_build(row):
        """The second mail's text breaks its template."""
        if row.subject.endswith("Essai 1"):
            raise RecursionError("maximum recursion depth exceeded")
        return build(row)

    monkeypatch.setattr(sender_module, "build_message", failing_build)
    report = send_pending()
    assert (report.sent, report.retried) == (2, 1)
    assert sorted(message["Subject"] for message in smtp.messages) == ["Essai 0", "Essai 2"]
    assert [row.status for row in outbox(kind="test")] == ["sent", "pending", "sent"]
    assert "RecursionError" in outbox(kind="test")[1].last_error


def test_a_batch_is_sent_without_reloading_its_rows(app, world, smtp):
    """Building a batch loads its rows, questions and recipients once: no query per mail besides stamping its claim
    and marking it sent."""
    send_pending()
    smtp.recorder.messages.clear()
    for number in range(3):
        factories.make_ticket(world.member, subject=f"Question groupée {number}")
    queued = len(outbox(status="pending"))
    assert queued >= 6
    statements = []
    engine = db.engine
    listener = lambda *call: statements.append(call[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert send_pending().sent == queued
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    marks = [statement for statement in statements if statement.lstrip().upper().startswith("UPDATE")]
    assert len(statements) - len(marks) <= 8, statements
    assert len(marks) == 2 * queued + 1, "one claim, then per mail its stamp before sending and its mark after"


def test_a_sender_asked_to_stop_claims_nothing_more(app, world, smtp):
    """Once the loop is told to stop (SIGTERM), no batch is claimed: nothing is left delivered but unmarked."""
    send_pending()
    smtp.recorder.messages.clear()
    _queue_many(world, 3)
    sender_module.stopping.set()
    try:
        assert send_pending().sent == 0
        assert {row.status for row in outbox(kind="test")} == {"pending"} and smtp.messages == []
    finally:
        sender_module.stopping.clear()
    assert send_pending().sent == 3


def test_mail_a_request_could_not_send_goes_out_after_the_next_request(app, world, client, login, smtp,
                                                                      monkeypatch, caplog):
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    send_pending()
    real_claim = sender_module.claim_batch

    def locked(*args, **kwargs):
        """The database is locked by another writer (SQLite under the development server)."""
        raise OperationalError("UPDATE outbox_email ...", {}, Exception("database is locked"))

    monkeypatch.setattr(sender_module, "claim_batch", locked)
    monkeypatch.setattr(sender_module.log, "disabled", False)  # the migrations' logging setup disabled it
    login(world.member)
    client.post(f"/questions/{ticket.reference}/repondre", data={"body": "Merci, une précision."},
                follow_redirects=True)
    [left] = outbox(to_address=world.jurist.email, kind="member_replied")
    assert (left.status, left.attempts) == ("pending", 0)
    assert "mail left in the outbox" in caplog.text
    monkeypatch.setattr(sender_module, "claim_batch", real_claim)
    login(world.jurist)
    client.post(f"/questions/{ticket.reference}/repondre", data={
        "body": ANSWER, "kind": "public", "status_after": "answered"}, follow_redirects=True)
    assert [mail["Subject"] for mail in smtp.recorder.to(world.jurist.email)][1:] == [
        f"[{ticket.reference}] Nouveau message du membre : {ticket.subject}"]
    assert len(smtp.recorder.to(world.member.email)) == 1
    assert outbox(status="pending") == []


def test_admin_sends_waiting_mail_from_the_outbox_page(app, world, client, login, smtp_down):
    ticket = factories.make_ticket(world.member)
    send_pending()
    waiting = outbox(status="pending")
    assert waiting and all(row.next_attempt_at > utcnow() for row in waiting), "retries scheduled for later"
    login(world.admin)
    page = client.get("/admin/courriels").get_data(as_text=True)
    assert "Envoyer maintenant les courriels en attente" in page
    smtp_down.start()
    page = client.post("/admin/courriels/envoyer", follow_redirects=True).get_data(as_text=True)
    assert "envoi terminé, avec 2 courriels envoyés, 0 à réessayer plus tard et 0 en échec." in page
    assert {mail["To"] for mail in smtp_down.messages} == {world.jurist.email, world.jurist2.email}
    assert outbox(status="pending") == [] and "Envoyer maintenant" not in page
    assert ticket.reference in smtp_down.messages[0]["Subject"]


def test_a_waiting_mail_says_in_its_action_column_that_nothing_is_to_be_done(app, world, client, login):
    """The « Action » column was empty for a mail in waiting: it says that none is needed, the sending being
    automatic; a failed mail still offers « Renvoyer »."""
    factories.make_ticket(world.member)
    failed = outbox(to_address=world.jurist2.email)[0]
    failed.status = "failed"
    db.session.commit()
    login(world.admin)
    page = client.get("/admin/courriels").get_data(as_text=True)
    rows = {email: row for row in page.split("<tr>") for email in (world.jurist.email, world.jurist2.email)
            if f">{email}</td>" in row}
    assert "<td data-label=\"Action\">Aucune, l'envoi est automatique</td>" in rows[world.jurist.email]
    assert "Renvoyer" in rows[world.jurist2.email] and "automatique" not in rows[world.jurist2.email]


def test_admin_send_with_the_mail_server_down_keeps_the_mail_for_later(app, world, client, login, smtp_down):
    factories.make_ticket(world.member)
    login(world.admin)
    page = client.post("/admin/courriels/envoyer", follow_redirects=True).get_data(as_text=True)
    assert "envoi terminé, avec 0 courriel envoyé, 2 à réessayer plus tard et 0 en échec." in page
    assert factories.error_banner(page).count(" : ") == 1
    assert [row.status for row in outbox()] == ["pending", "pending"]


def _until_another_session_waits_for_a_lock(done: threading.Event, timeout: float = 20) -> None:
    """Poll PostgreSQL until some session of this database waits for a lock (or `done` is set): a fixed pause let a
    loaded machine send before the other writer had even reached the row."""
    deadline = time.monotonic() + timeout
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        while not done.is_set() and time.monotonic() < deadline:
            if connection.scalar(text("SELECT count(*) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND wait_event_type = 'Lock'")):
                return
            time.sleep(0.02)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs concurrent writers: PostgreSQL (SQLite serialises writes)")
def test_an_anonymisation_waits_for_the_mail_being_handed_to_the_server(app, world, smtp, monkeypatch):
    """PostgreSQL: an admin anonymising a member while one of their mails is being sent waits for it; that mail is
    recorded as sent, the rest are cancelled and never leave."""
    from helpdesk.privacy.services import anonymise_user

    send_pending()
    smtp.recorder.messages.clear()
    services.close(_answered_ticket(world), world.jurist)
    address, member_id, admin_id = world.member.email, world.member.id, world.admin.id
    handing, finished = threading.Event(), threading.Event()
    connection = sender_module.BACKENDS["smtp"]

    @contextmanager
    def slow_first_mail():
        """The SMTP connection, the member's first mail held until the anonymisation has had time to start."""
        with connection() as send:
            def send_slowly(message):
                """Let the anonymisation start while the member's first mail is in the server's hands."""
                if message["To"] == address and not handing.is_set():
                    handing.set()
                    _until_another_session_waits_for_a_lock(finished)
                send(message)
            yield send_slowly

    def anonymise_meanwhile():
        """The admin's request, in its own session, once the first mail is being handed over."""
        handing.wait(timeout=10)
        with app.app_context():
            try:
                anonymise_user(db.session.get(User, member_id), db.session.get(User, admin_id))
            finally:
                finished.set()
                db.session.remove()

    monkeypatch.setitem(sender_module.BACKENDS, "smtp", slow_first_mail)
    admin = threading.Thread(target=anonymise_meanwhile)
    admin.start()
    send_pending()
    admin.join(timeout=30)
    assert finished.is_set() and not admin.is_alive()
    rows = outbox(recipient_id=member_id)
    delivered = smtp.recorder.to(address)
    assert len(rows) >= 2 and rows[0].status == "sent" and len(delivered) >= 1
    assert len(delivered) == sum(row.status == "sent" for row in rows), "what left is what is recorded as sent"
    assert {row.status for row in rows} <= {"sent", "cancelled"} and rows[-1].status == "cancelled"
