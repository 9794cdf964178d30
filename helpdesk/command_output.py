"""French output for the project's commands: Click writes its own words in English (« Error: », « Aborted! », « Usage: »,
the checks of a path argument); the commands' refusals are turned here into errors that print French."""
import os
import re
from collections.abc import Callable
from typing import IO

import click


class CommandError(click.ClickException):
    """A command's refusal, printed « Erreur : … » on standard error (Click prints « Error: … »)."""

    def show(self, file: IO | None = None) -> None:
        """Print the message after the French prefix."""
        click.echo(f"Erreur : {self.format_message()}", file=file, err=True)


class CommandAborted(CommandError):
    """The person answered no to a confirmation, or interrupted a question (Click prints « Aborted! »)."""

    def __init__(self) -> None:
        """Always the same message."""
        super().__init__("Abandon.")

    def show(self, file: IO | None = None) -> None:
        """Print the message alone, as Click does for its own."""
        click.echo(self.format_message(), file=file, err=True)


class CommandUsageError(CommandError):
    """Arguments the command cannot take: its usage, where to find its help, then what is wrong (exit status 2)."""

    exit_code = 2

    def __init__(self, error: click.UsageError) -> None:
        """Keep the context of Click's error, its message in French when it is about a parameter's value."""
        message = error.format_message()
        unknown_command = re.fullmatch(r"No such command '(.*)'\.", message)
        if unknown_command:
            message = f"Commande inconnue : « {unknown_command.group(1)} »."
        elif isinstance(error, click.NoSuchOption):
            message = f"Option inconnue : {error.option_name}."
        elif isinstance(error, click.BadParameter):
            hint = error.param_hint if isinstance(error.param_hint, str) else (
                error.param.get_error_hint(error.ctx) if error.param is not None and error.ctx is not None else None)
            hint = re.sub(r"'([^']*)'", r"« \1 »", hint) if hint else None
            if isinstance(error, click.MissingParameter):
                message = f"Il manque {hint}." if hint else message
            else:
                message = f"Valeur invalide pour {hint} : {error.message}" if hint else error.message
        super().__init__(message)
        self.ctx = error.ctx

    def show(self, file: IO | None = None) -> None:
        """Print the usage, the way to the help, then the message."""
        if self.ctx is not None:
            click.echo(re.sub(r"^Usage:", "Utilisation :", self.ctx.get_usage()), file=file, err=True)
            if self.ctx.command.get_help_option(self.ctx) is not None:
                help_option = max(self.ctx.command.get_help_option_names(self.ctx), key=len)
                click.echo(f"Pour l'aide : « {self.ctx.command_path} {help_option} ».", file=file, err=True)
        super().show(file)


def _french_error(error: click.ClickException | click.Abort) -> CommandError:
    """The French counterpart of a Click error raised while a command reads its arguments or runs."""
    if isinstance(error, click.Abort):
        return CommandAborted()
    if isinstance(error, click.UsageError):
        return CommandUsageError(error)
    french = CommandError(error.format_message())
    french.exit_code = error.exit_code
    return french


def _in_french(method: Callable) -> Callable:
    """The bound method `method`, its Click errors raised as their French counterparts."""

    def run(*args, **kwargs):
        """Call the method; a Click error or abort becomes a CommandError."""
        try:
            return method(*args, **kwargs)
        except CommandError:
            raise
        except (click.ClickException, click.Abort) as error:
            raise _french_error(error) from error

    return run


def speak_french(command: click.Command) -> None:
    """Make a command (a copy of a shared one: its methods are replaced) report its errors in French, those of
    reading its arguments (made by its group) included."""
    command.make_context = _in_french(command.make_context)
    command.invoke = _in_french(command.invoke)


class FrenchPath(click.Path):
    """click.Path whose usual refusals (missing, a folder instead of a file, or the reverse) are French."""

    def convert(self, value, param, ctx):
        """Check the path as click.Path does, saying first in French what is most often wrong."""
        path = os.fspath(value)
        if self.exists and not os.path.exists(path):
            self.fail(f"« {path} » n'existe pas.", param, ctx)
        if os.path.isdir(path) and not self.dir_okay:
            self.fail(f"« {path} » est un dossier : indiquez un fichier.", param, ctx)
        if os.path.exists(path) and not os.path.isdir(path) and not self.file_okay:
            self.fail(f"« {path} » est un fichier : indiquez un dossier.", param, ctx)
        return super().convert(value, param, ctx)


class FrenchChoice(click.Choice):
    """click.Choice whose refusal of another value is French, naming the accepted ones."""

    def get_invalid_choice_message(self, value, ctx) -> str:
        """« x » n'est pas l'une des valeurs acceptées (a, b)."""
        return f"« {value} » n'est pas l'une des valeurs acceptées ({', '.join(map(str, self.choices))})."


class FrenchInt(click.types.IntParamType):
    """A whole number whose refusal is French."""

    def convert(self, value, param, ctx):
        """The number, or a French refusal of what is not one."""
        try:
            return int(value)
        except (TypeError, ValueError):
            self.fail(f"« {value} » n'est pas un nombre entier.", param, ctx)


class FrenchIntRange(click.IntRange):
    """click.IntRange (closed bounds, no clamping) whose refusals are French."""

    def convert(self, value, param, ctx):
        """The number within its bounds, or a French refusal saying them."""
        number = FrenchInt().convert(value, param, ctx)
        if self.min is not None and number < self.min and self.max is None:
            self.fail(f"« {number} » doit valoir au moins {self.min}.", param, ctx)
        if self.max is not None and number > self.max and self.min is None:
            self.fail(f"« {number} » doit valoir au plus {self.max}.", param, ctx)
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            self.fail(f"« {number} » doit être compris entre {self.min} et {self.max}.", param, ctx)
        return number


FRENCH_INT = FrenchInt()
