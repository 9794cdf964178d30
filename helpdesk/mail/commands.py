"""`flask mail` commands: send the outbox, digests, ingest and fetch replies."""
import imaplib
import signal
import sys
from datetime import date

import click
from flask import current_app

from helpdesk.extensions import db
from helpdesk.mail.fetch import fetch_mailbox
from helpdesk.mail.ingest import ingest_or_keep
from helpdesk.mail.notifications import send_digests
from helpdesk.mail.sender import send_pending, stopping
from helpdesk.ops.background import OutageWatch, lower_priority


@click.group()
def mail():
    """Email: outbox, digests, replies by email."""


@mail.command("send-pending")
@click.option("--loop", is_flag=True, help="Keep sending every --interval seconds (production worker).")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between passes with --loop.")
def send_pending_command(loop, interval):
    """Send the mails due in the outbox (retries included); with --loop, SIGTERM stops it between batches."""
    if loop:
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        lower_priority()
    outage = OutageWatch(loop)
    while True:
        with outage.pass_outliving_outage():
            report = send_pending()
            if report.sent or report.retried or report.failed or not loop:
                click.echo(f"Envoyés : {report.sent}, à réessayer : {report.retried}, en échec : {report.failed}.")
        db.session.remove()
        if not loop or stopping.wait(interval):
            return


@mail.command("digest")
def digest_command():
    """Queue today's digest for users who chose one (run daily from cron), then send it."""
    count = send_digests(date.today())
    send_pending()
    click.echo(f"Récapitulatifs envoyés : {count}.")


@mail.command("ingest")
def ingest_command():
    """Read one email on standard input and append it to its question (or keep it for review); past
    MAIL_INBOUND_MAX_BYTES the rest is read and dropped, never held in memory."""
    raw = sys.stdin.buffer.read(current_app.config["MAIL_INBOUND_MAX_BYTES"] + 1)
    while sys.stdin.buffer.read(1024 * 1024):
        pass  # the mail server's pipe is read to its end: it then counts the message delivered
    if not raw.strip():
        raise click.ClickException("Aucun courriel sur l'entrée standard : rien n'a été enregistré.")
    record = ingest_or_keep(raw, "from standard input")
    if record.status == "placed":
        click.echo(f"Ajouté à la question {record.ticket.reference}.")
    else:
        click.echo(f"Conservé pour les juristes (courriel n° {record.id}) : {record.reason_label}")


@mail.command("fetch")
def fetch_command():
    """Ingest the unseen messages of the IMAP mailbox (run from cron)."""
    try:
        count = fetch_mailbox()
    except (RuntimeError, OSError, imaplib.IMAP4.error) as error:
        raise click.ClickException(f"Relève impossible : {error}") from error
    click.echo(f"Courriels relevés : {count}.")
