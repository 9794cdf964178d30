"""`flask admin` commands: importing structures and accounts from a CSV file."""
from pathlib import Path

import click
from flask.cli import AppGroup

from helpdesk.admin import imports
from helpdesk.command_output import FrenchChoice, FrenchPath
from helpdesk.errors import ServiceError
from helpdesk.mail.sender import send_pending

admin_cli = AppGroup("admin", help="Administration: bulk import of structures and accounts.")


@admin_cli.command("import")
@click.argument("file", type=FrenchPath(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file and say what it would create.")
@click.option("--encoding", type=FrenchChoice(list(imports.ENCODING_NAMES)), default=None,
              help="The file's encoding, when automatic detection reads its accents wrong.")
def import_command(file, dry_run, encoding):
    """Create the structures and member accounts of a CSV file (as on the web page), inviting each account."""
    with file.open("rb") as handle:
        content = handle.read(imports.MAX_BYTES + 1)
    plan = imports.check_import(content, file.name, encoding or "")
    for problem in plan.problems:
        click.echo(f"Erreur à la ligne {problem.line}, colonne « {problem.field_label} ». {problem.message}", err=True)
    if plan.problems:
        raise click.ClickException(f"{len(plan.problems)} erreur(s), rien n'a été importé.")
    if not plan.can_apply:
        raise click.ClickException("Ce fichier ne crée rien : ses structures existent déjà et il ne nomme aucun compte.")
    click.echo(f"Encodage lu : {plan.read_as_label}.")
    summary = f"{len(plan.new_structures)} structure(s) et {len(plan.accounts)} compte(s)"
    reused = f"{len(plan.reused_structures)} structure(s) existante(s) complétée(s)"
    if dry_run:
        click.echo(f"Vérification seule : {summary} à créer, {reused}. Rien n'a été enregistré.")
        return
    try:
        imports.apply_import(plan, None)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    send_pending()
    click.echo(f"Import terminé : {summary} créés, {reused} ; {len(plan.accounts)} invitation(s) envoyée(s).")
