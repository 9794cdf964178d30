"""`flask triage ...` commands: service-level maintenance."""
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk.triage import sla

triage = AppGroup("triage", help="Jurists' triage: service levels.")


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
