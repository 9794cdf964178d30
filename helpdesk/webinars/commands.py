"""`flask webinars ...` commands: reminders to registered members."""
import click
from flask.cli import AppGroup

from helpdesk.mail.sender import send_pending
from helpdesk.webinars.services import queue_reminders

webinars_cli = AppGroup("webinars", help="Webinars: reminders to registered members.")


@webinars_cli.command("remind")
def remind_command():
    """Queue the reminder of webinars starting within 24 hours to their registered members, once each (hourly
    cron), then send it."""
    count = queue_reminders()
    send_pending()
    click.echo(f"Rappels de webinaire envoyés : {count}.")
