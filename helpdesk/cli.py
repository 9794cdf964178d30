"""Flask commands: users, demo data, personal-data retention, backup and restore, and each area's group."""
import copy
import functools
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError, ProgrammingError

from helpdesk import backup, demo
from helpdesk.admin.commands import admin_cli
from helpdesk.auth.services import create_user
from helpdesk.command_output import FRENCH_INT, CommandError, FrenchChoice, FrenchPath, speak_french
from helpdesk.errors import ServiceError
from helpdesk.flash.commands import flash_cli
from helpdesk.kb.commands import kb
from helpdesk.mail.sender import send_pending
from helpdesk.mail.commands import mail
from helpdesk.models import ROLES
from helpdesk.ops.background import database_error_message
from helpdesk.privacy.services import apply_retention
from helpdesk.triage.commands import triage
from helpdesk.webinars.commands import webinars_cli


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI; each of them (the migrations' too) reports database errors in French."""
    app.cli.add_command(users)
    app.cli.add_command(admin_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(kb)
    app.cli.add_command(flash_cli)
    app.cli.add_command(mail)
    app.cli.add_command(triage)
    app.cli.add_command(webinars_cli)
    app.cli.add_command(retention)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    for name, command in list(app.cli.commands.items()):
        app.cli.commands[name] = _in_french(command)


def _in_french(command: click.Command) -> click.Command:
    """A copy of the command (of each command of a group) that prints its errors in French (see command_output) and
    ends with a French message instead of a traceback when the database cannot be reached or has not been migrated;
    the shared command objects stay untouched."""
    guarded = copy.copy(command)
    speak_french(guarded)
    if isinstance(command, click.Group):
        guarded.commands = {name: _in_french(sub) for name, sub in command.commands.items()}
    elif command.callback is not None:
        callback = command.callback

        @functools.wraps(callback)
        def reporting(*args, **kwargs):
            """Run the command; a database that is missing, unreachable or not migrated becomes a CommandError."""
            try:
                return callback(*args, **kwargs)
            except (OperationalError, ProgrammingError) as error:
                message = database_error_message(error)
                if message is None:
                    raise
                raise CommandError(message) from error

        guarded.callback = reporting
    return guarded


@click.group()
def users():
    """Manage user accounts."""


def _account_refusal(error: ServiceError, role: str) -> click.ClickException:
    """The French message of a refused account, telling how to name a member's structure on the command line (staff
    are given none)."""
    if error.field == "structure" and role == "member":
        return click.ClickException(f"{error.message} Indiquez --structure-id N : N est le numéro de la structure, "
                                    "à la fin de l'adresse de sa page (Administration › Structures adhérentes, "
                                    "/admin/structures/N).")
    return click.ClickException(error.message)


def _ask_password() -> str:
    """The initial password, typed twice without being shown."""
    password = click.prompt("Mot de passe", hide_input=True, prompt_suffix=" : ")
    if click.prompt("Mot de passe (à nouveau)", hide_input=True, prompt_suffix=" : ") != password:
        raise click.ClickException("Les deux mots de passe saisis diffèrent : relancez la commande.")
    return password


@users.command("create")
@click.option("--email", required=True, help="The account's login address.")
@click.option("--name", required=True, help="The name shown to members and the team.")
@click.option("--role", type=FrenchChoice(list(ROLES)), required=True, help="What the account may do.")
@click.option("--structure-id", type=FRENCH_INT, default=None, help="Required for members.")
@click.option("--password", help="The initial password; asked twice, without echo, when not given.")
def create_user_command(email, name, role, structure_id, password):
    """Create an account (for admins: --role admin)."""
    if password is None:
        password = _ask_password()
    try:
        user = create_user(email, name, password, role, structure_id)
    except ServiceError as error:
        raise _account_refusal(error, role) from error
    click.echo(f"Compte créé : {user.email} ({user.role_label}).")


@users.command("invite")
@click.option("--email", required=True, help="The account's login address, where the invitation goes.")
@click.option("--name", required=True, help="The name shown to members and the team.")
@click.option("--role", type=FrenchChoice(list(ROLES)), required=True, help="What the account may do.")
@click.option("--structure-id", type=FRENCH_INT, default=None, help="Required for members.")
def invite_user_command(email, name, role, structure_id):
    """Create an account and email it an invitation link to choose its password."""
    try:
        user = create_user(email, name, None, role, structure_id)
    except ServiceError as error:
        raise _account_refusal(error, role) from error
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


@click.group()
def retention():
    """Apply the personal-data retention periods."""


@retention.command("anonymise")
@click.option("--years", type=FRENCH_INT, default=None, help="Anonymise questions closed more than this many years ago "
              "(default: RETENTION_YEARS).")
@click.option("--dry-run", is_flag=True, help="Only list what would be anonymised.")
def retention_anonymise(years, dry_run):
    """Anonymise old closed questions (texts replaced, files deleted) and old login addresses; delete expired import
    previews."""
    years = years if years is not None else current_app.config["RETENTION_YEARS"]
    try:
        report = apply_retention(years, current_app.config["LOGIN_ADDRESS_RETENTION_DAYS"], dry_run=dry_run)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    verb = "seraient anonymisées" if dry_run else "anonymisées"
    click.echo(f"{len(report.questions)} question(s) clôturée(s) depuis plus de {years} an(s) {verb}.")
    for reference in report.questions:
        click.echo(f"  {reference}")
    click.echo(f"{report.events} adresse(s) de connexion {'seraient effacées' if dry_run else 'effacées'}.")
    click.echo(f"{report.import_previews} fichier(s) d'import expiré(s) "
               f"{'seraient supprimés' if dry_run else 'supprimés'}.")


@click.command("backup")
@click.argument("destination", type=FrenchPath(file_okay=False, path_type=Path))
def backup_command(destination):
    """Copy the SQLite database (online backup API), the uploaded files and a manifest into DESTINATION."""
    try:
        report = backup.backup(destination)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Sauvegarde écrite dans {destination} : {report.files} fichier(s) et {backup.MANIFEST}.")
    if report.missing:
        click.echo(f"Attention : {len(report.missing)} fichier(s) supprimé(s) pendant la sauvegarde ; "
                   "relancez-la pour une copie complète.", err=True)


@click.command("restore")
@click.argument("source", type=FrenchPath(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source, yes):
    """Replace the database and the uploaded files with the backup in SOURCE, after checking its manifest."""
    try:
        backup.verify(source)
        if not yes:
            click.confirm("La base et les fichiers actuels seront remplacés. Continuer ?", abort=True)
        count = backup.restore(source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restauration terminée : {count} fichier(s) vérifié(s) et restauré(s).")
