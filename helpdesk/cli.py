"""Flask commands: users, demo data."""
import click
from flask import Flask

from helpdesk import demo
from helpdesk.auth.services import create_user
from helpdesk.errors import ServiceError
from helpdesk.mail.sender import send_pending
from helpdesk.kb.commands import kb
from helpdesk.mail.commands import mail
from helpdesk.models import ROLES


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(users)
    app.cli.add_command(seed_demo)
    app.cli.add_command(kb)
    app.cli.add_command(mail)


@click.group()
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--structure-id", type=int, default=None, help="Required for members.")
@click.password_option()
def create_user_command(email, name, role, structure_id, password):
    """Create an account (for admins: --role admin)."""
    try:
        user = create_user(email, name, password, role, structure_id)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Compte créé : {user.email} ({user.role_label}).")


@users.command("invite")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--structure-id", type=int, default=None, help="Required for members.")
def invite_user_command(email, name, role, structure_id):
    """Create an account and email it an invitation link to choose its password."""
    try:
        user = create_user(email, name, None, role, structure_id)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    send_pending()
    click.echo(f"Invitation envoyée à {user.email} ({user.role_label}).")


@click.command("seed-demo")
@click.option("--password", default=demo.DEMO_PASSWORD, show_default=True, help="Password of every demo account.")
def seed_demo(password):
    """Load fictional demo data into an empty database, then print the demo logins."""
    if demo.seed(password):
        click.echo("Données de démonstration chargées.")
    else:
        click.echo("La base contient déjà des comptes : données de démonstration non rechargées.")
    click.echo("Comptes de démonstration (mot de passe : %s) :" % password)
    for email, name, role, _ in demo.ACCOUNTS[:6]:
        click.echo(f"  {email:<24} {ROLES[role]}")
