"""`flask triage ...` commands: service-level maintenance."""
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk.command_output import FrenchIntRange
from helpdesk.tickets.services import close_inactive, remind_waiting
from helpdesk.triage import sla

triage = AppGroup("triage", help="Jurists' triage: service levels, closing inactive questions.")


@triage.command("backfill-deadlines")
@click.option("--dry-run", is_flag=True, help="Only list the questions that would get deadlines.")
def backfill_deadlines_command(dry_run):
    """Compute the deadlines of open questions filed before service levels existed (safe to run again)."""
    report = sla.backfill_deadlines(dry_run=dry_run)
    zone = ZoneInfo(current_app.config["SLA_TIMEZONE"])
    verb = "recevraient" if dry_run else "ont reçu"
    click.echo(f"{len(report)} question(s) ouverte(s) sans échéance {verb} leurs échéances.")
    for question in report:
        due = (f"échéance le {question.next_due_at.astimezone(zone):%d/%m/%Y à %H:%M}" if question.next_due_at
               else "délai suspendu (la balle est dans le camp du membre)")
        click.echo(f"  {question.reference} : {due}")


@triage.command("close-inactive")
@click.option("--days", type=FrenchIntRange(min=1), help="Days without activity (default: AUTO_CLOSE_DAYS).")
def close_inactive_command(days):
    """Close the questions answered or waiting for their member with no activity for a while, then remind the
    members of those waiting that will be closed in AUTO_CLOSE_REMINDER_DAYS days (daily cron)."""
    days = days or current_app.config["AUTO_CLOSE_DAYS"]
    references = close_inactive(days)
    click.echo(f"{len(references)} question(s) sans activité depuis {days} jours clôturée(s).")
    for reference in references:
        click.echo(f"  {reference}")
    before = current_app.config["AUTO_CLOSE_REMINDER_DAYS"]
    if not 0 < before < days:
        return  # reminders switched off, or no time left for one
    reminded = remind_waiting(days, before)
    click.echo(f"{len(reminded)} rappel(s) envoyé(s) pour des questions en attente du membre, clôturées dans {before} "
               "jours sans nouvelles.")
    for reference in reminded:
        click.echo(f"  {reference}")
