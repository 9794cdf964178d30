"""`flask flash send`: the background fan-out of published bulletins."""
import time

import click
from flask.cli import AppGroup

from helpdesk.flash import services
from helpdesk.ops.background import OutageWatch, lower_priority

flash_cli = AppGroup("flash", help="Flash info bulletins.")


@flash_cli.command("send")
@click.option("--batch-size", default=500, show_default=True, help="Recipients written per transaction.")
@click.option("--loop", is_flag=True, help="Keep running, looking for published bulletins every --interval seconds.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between passes with --loop.")
def send_command(batch_size, loop, interval):
    """Fan out published bulletins to their subscribers; safe to stop and restart at any time (no duplicates)."""
    if loop:
        lower_priority()
    outage = OutageWatch(loop)
    while True:
        with outage.pass_outliving_outage():
            sent = services.send_pending(
                batch_size, after_batch=lambda article, count: click.echo(f"{article.slug} : {count} destinataire(s)"))
            if not loop:
                click.echo(f"Envoi terminé : {sent} nouveau(x) destinataire(s).")
                return
        time.sleep(interval)
