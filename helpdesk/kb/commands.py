"""`flask kb ...` commands: sync, reindex, check, import, export, search, evaluate."""
import json
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from helpdesk import search
from helpdesk.command_output import FrenchChoice
from helpdesk.kb import indexing, services
from helpdesk.kb.indexing import INDEXES, index_path
from helpdesk.ops.background import OutageWatch, lower_priority
from helpdesk.permissions import MEMBER_ARTICLE_VISIBILITIES
from helpdesk.search.evaluation import evaluate

kb = AppGroup("kb", help="Knowledge base and search indexes.")


def _sync_summary(report: indexing.SyncReport) -> str:
    """What a sync did, in French: the changes applied and the indexes rebuilt, per index."""
    applied = ", ".join(f"{name} {count}" for name, count in report.applied.items()) or "aucun"
    rebuilt = ", ".join(report.rebuilt) or "aucun"
    return f"Index synchronisés. Changements appliqués : {applied} ; index reconstruits : {rebuilt}."


@kb.command("sync")
@click.option("--loop", is_flag=True, help="Keep running, syncing every --interval seconds (one indexer per machine).")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes with --loop.")
def sync_command(loop, interval):
    """Apply pending database changes to this machine's search indexes."""
    if loop:
        lower_priority()
    outage = OutageWatch(loop)
    while True:
        with outage.pass_outliving_outage():
            try:
                report = indexing.sync(timeout=30.0)
            except (indexing.SyncBusy, search.IndexBusy) as error:
                click.echo(f"Index occupé ({error}) : nouvel essai au prochain passage.", err=True)
            else:
                if not loop or report.rebuilt or any(report.applied.values()):
                    click.echo(_sync_summary(report))
            if loop:
                indexing.prune_log(current_app.config["SEARCH_LOG_RETENTION_DAYS"])
        if not loop:
            return
        time.sleep(interval)


@kb.command("reindex")
@click.option("--index", "names", multiple=True, type=FrenchChoice(INDEXES), help="Default: every index.")
def reindex_command(names):
    """Rebuild indexes from the database (searches keep working meanwhile)."""
    for name in names or INDEXES:
        started = time.perf_counter()
        count = indexing.rebuild(name)
        click.echo(f"{name} : {count} documents indexés en {time.perf_counter() - started:.1f} s")


@kb.command("check")
def check_command():
    """Compare indexes with the database; exit code 1 when anything is missing, stale or extra."""
    consistent = True
    for name in INDEXES:
        report = indexing.check(name)
        click.echo(f"{name} : {len(report.missing)} manquants, {len(report.stale)} périmés, {len(report.extra)} en trop")
        for label, keys in (("manquant", report.missing), ("périmé", report.stale), ("en trop", report.extra)):
            for key in keys[:20]:
                click.echo(f"  {label} : {key}")
        consistent &= report.consistent
    if not consistent:
        sys.exit(1)


def _read_lines(file) -> list[str]:
    """The lines of a file opened as UTF-8; another encoding ends the command with a French message."""
    try:
        return file.readlines()
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file.name} n'est pas un fichier texte UTF-8 : enregistrez-le en UTF-8 "
                                   "puis relancez la commande.") from error


@kb.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_command(file):
    """Upsert articles from a JSON-lines file (slug, title, body required); bad lines are reported and skipped."""
    lines = _read_lines(file)
    with click.progressbar(length=len(lines), label="Import", file=sys.stderr) as bar:
        report = services.import_articles(lines, progress=bar.update)
    for number, message in report.warnings:
        click.echo(f"Avertissement à la ligne {number}, {message}.", err=True)
    for number, message in report.errors:
        click.echo(f"Erreur à la ligne {number}, ignorée. {message}", err=True)
    click.echo(f"{report.created} créés, {report.updated} mis à jour, {len(report.errors)} lignes ignorées.")
    indexing.sync(timeout=60.0)


@kb.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8", lazy=False))
def export_command(file):
    """Write every article as JSON lines (re-importable)."""
    click.echo(f"{services.export_articles(file)} ressources exportées.", err=True)


def _member_search(query: str, limit: int) -> list:
    """Search as a member would: published, public and members-only resources."""
    return search.search_articles(
        index_path(search.ARTICLES), query, visibilities=MEMBER_ARTICLE_VISIBILITIES, statuses=("published",),
        per_page=limit, snippets=False).hits


@kb.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, help="How many results to print at most.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (slug, title, score).")
def search_command(query, limit, as_json):
    """Search as a member would and print the results (a line saying so when there is none)."""
    hits = _member_search(query, limit)
    if as_json:
        click.echo(json.dumps([{"slug": hit.slug, "title": hit.title, "score": hit.score} for hit in hits],
                              ensure_ascii=False))
        return
    if not hits:
        click.echo(f"Aucun résultat pour « {query} » parmi les ressources publiées visibles des membres.")
    for rank, hit in enumerate(hits, start=1):
        click.echo(f"{rank:>3}. {hit.title}  [{hit.slug}]")


@kb.command("evaluate")
@click.argument("judgments", type=click.File("r", encoding="utf-8"))
@click.option("--runs", type=click.File("w", encoding="utf-8"), help="Write the ranked results of each query.")
@click.option("--json", "as_json", is_flag=True, help="Print the measures as JSON.")
def evaluate_command(judgments, runs, as_json):
    """Measure search quality on judgments ({qid, query, relevant, group?} per line)."""
    items = []
    for number, line in enumerate(_read_lines(judgments), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"La ligne {number} n'est pas du JSON valide ({error.msg}).") from error
        if not isinstance(item, dict) or not {"qid", "query", "relevant"} <= item.keys():
            raise click.ClickException(f"La ligne {number} n'est pas un objet avec « qid », « query » et « relevant ».")
        items.append(item)
    result = evaluate(items, lambda query: [hit.slug for hit in _member_search(query, 100)], top=100)
    if runs:
        for run in result["runs"]:
            runs.write(json.dumps(run, ensure_ascii=False) + "\n")
    if as_json:
        click.echo(json.dumps(result["summary"], indent=2))
        return
    for metric, value in result["summary"].items():
        click.echo(f"{metric:<10} {value:.4f}" if isinstance(value, float) else f"{metric:<10} {value}")
