"""Speed of the admins' import of structures and accounts from a CSV file, in process, on SQLite and PostgreSQL.

Usage: python bench/import_speed.py [--accounts 5000] [--structures 600] [--existing 30]
                                    [--engines sqlite,postgresql] [--profile check|apply]

Generates a fictional CSV file of N member accounts over M structures (every column on every line, long names, types
and regions by name: about 1.1 MB for 5,000 lines; `--existing` of the structures are already in the database), then
on a fresh database per engine (a SQLite file in a temporary directory; a PostgreSQL database created for the run and
dropped after it): the check alone (`check_import`, the preview's work), the two pages through the test client as an admin uses them
(the preview, then « Importer », whose check and apply are timed inside the request), and the check of the same
file once imported (every line an error). Then it verifies what the import wrote (accounts, invitations, events)
and prints a Markdown table of milliseconds per phase (wall, and CPU of this process: the application's share, which
the machine's load does not inflate) and per account. `--profile` prints the top cumulative
costs of one check or one apply under cProfile (on the first engine; BENCH_SORT=tottime sorts them by own time).
"""
import argparse
import cProfile
import io
import os
import pstats
import re
import time
from contextlib import contextmanager

import stack

ADMIN_EMAIL = "admin-import@exemple.test"
FIRST_NAMES = ("Anna", "Basile", "Cora", "Dalia", "Émile", "Fanny", "Gaspard", "Hélène", "Ilan", "Jade")
LAST_NAMES = ("Exemple", "Fictif", "Modèle", "Témoin", "Essai", "Maquette", "Prototype", "Specimen")
# Regions as written in the file (names), and their codes.
REGION_NAMES = ("Bretagne", "La Réunion", "Île-de-France", "Occitanie", "Grand Est", "Hauts-de-France")
REGION_CODES = ("bretagne", "la-reunion", "ile-de-france", "occitanie", "grand-est", "hauts-de-france")
TYPES = ("AI", "ACI", "EI", "ETTI", "GES", "EBE")
TYPE_NAMES = ("Association intermédiaire (AI)", "Atelier et chantier d'insertion (ACI)", "Entreprise d'insertion (EI)",
              "Entreprise de travail temporaire d'insertion (ETTI)", "Groupe économique solidaire (GES)",
              "Entreprise à but d'emploi (EBE)")


def siret(number: int) -> str:
    """The fictional SIRET of structure `number` (valid checksum)."""
    from helpdesk.demo import luhn_siret

    return luhn_siret(f"81{number:011d}")


def structure_name(number: int) -> str:
    """The fictional name of structure `number`, as long as real ones often are."""
    return f"Association Fictive d'Insertion et d'Emploi Solidaire du Pays Exemple n° {number}"


def generate_csv(accounts: int, structures: int) -> bytes:
    """A semicolon-separated file of `accounts` member accounts spread over `structures` structures, as a federation
    exports it from a spreadsheet: every column on every line, the type and region by name (UTF-8 with a byte order
    mark, CRLF)."""
    lines = ["structure;siret;type;région;e-mail;nom;rôle"]
    for number in range(accounts):
        structure = number % structures
        first, last = FIRST_NAMES[number % len(FIRST_NAMES)], LAST_NAMES[number % len(LAST_NAMES)]
        email = f"{first.lower()}.{last.lower()}-{number}@association-fictive-insertion-{structure}.exemple.test"
        email = email.replace("é", "e").replace("è", "e").replace("É", "e")
        lines.append(f"{structure_name(structure)};{siret(structure)};{TYPE_NAMES[structure % len(TYPES)]};"
                     f"{REGION_NAMES[structure % len(REGION_NAMES)]};{email};{first} {last}-{number};membre")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def prepare(app, existing: int) -> None:
    """The admin who imports, and the first `existing` structures of the file already in the database."""
    from helpdesk.auth.services import create_user
    from helpdesk.extensions import db
    from helpdesk.models import Structure

    with app.app_context():
        db.session.add_all(Structure(name=structure_name(number), siret=siret(number), type=TYPES[number % len(TYPES)],
                                     region=REGION_CODES[number % len(REGION_CODES)], active=True)
                            for number in range(existing))
        db.session.commit()
        create_user(ADMIN_EMAIL, "Admin Import", stack.PASSWORD, "admin", None)


def admin_client(app):
    """A test client logged in as the admin through the login form."""
    client = app.test_client()
    page = client.get("/connexion").get_data(as_text=True)
    response = client.post("/connexion", data={"csrf_token": stack.CSRF_TOKEN.search(page).group(1),
                                               "email": ADMIN_EMAIL, "password": stack.PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def clock() -> tuple[float, float]:
    """Wall and CPU seconds of this process so far (the CPU time does not grow with the machine's load)."""
    return time.perf_counter(), time.process_time()


def since(started: tuple[float, float]) -> tuple[float, float]:
    """Wall and CPU seconds since `started`."""
    wall, cpu = clock()
    return wall - started[0], cpu - started[1]


@contextmanager
def timed_services(timings: dict):
    """Time every call of check_import and apply_import (wall and CPU, added up per function) while inside."""
    from helpdesk.admin import imports

    originals = {name: getattr(imports, name) for name in ("check_import", "apply_import")}

    def wrap(name, function):
        def timed(*args, **kwargs):
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                wall, cpu = since(started)
                before = timings.get(name, (0.0, 0.0))
                timings[name] = (before[0] + wall, before[1] + cpu)
        return timed

    for name, function in originals.items():
        setattr(imports, name, wrap(name, function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(imports, name, function)


def profile(function, *args) -> None:
    """Run `function` under cProfile and print its top cumulative costs."""
    profiler = cProfile.Profile()
    profiler.enable()
    function(*args)
    profiler.disable()
    output = io.StringIO()
    pstats.Stats(profiler, stream=output).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(35)
    print(output.getvalue())


def run(engine: str, url: str, content: bytes, args) -> list[list]:
    """Measure one engine; the table rows."""
    from sqlalchemy import func, select

    from helpdesk.admin import imports
    from helpdesk.extensions import db
    from helpdesk.models import Event, OutboxEmail, Structure, User

    base = stack.workdir(f"bench-import-{engine}")
    app = stack.helpdesk_app(url, str(base / "index"), UPLOAD_DIR=str(base / "uploads"),
                             SEARCH_SYNC_AFTER_REQUEST=False, MAIL_SEND_AFTER_REQUEST=False)
    stack.migrate(app)
    prepare(app, args.existing)
    seconds = {}
    with app.app_context():
        if args.profile == "check":
            profile(imports.check_import, content, "federation.csv")
        started = clock()
        plan = imports.check_import(content, "federation.csv")
        seconds["check (service)"] = since(started)
        assert plan.can_apply, plan.problems[:5]
        db.session.rollback()
        if args.profile == "apply":
            admin = db.session.scalars(select(User).where(User.email == ADMIN_EMAIL)).one()
            profile(imports.apply_import, plan, admin)
            return []
    client = admin_client(app)
    form = stack.CSRF_TOKEN.search(client.get("/admin/import").get_data(as_text=True)).group(1)
    started = clock()
    preview = client.post("/admin/import", data={"csrf_token": form, "file": (io.BytesIO(content), "federation.csv")},
                          content_type="multipart/form-data")
    seconds["preview page"] = since(started)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Importer ces structures" in page, (preview.status_code, page[page.find("<main"):][:3000])
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    csrf = stack.CSRF_TOKEN.search(page).group(1)
    inside: dict[str, tuple[float, float]] = {}
    with timed_services(inside):
        started = clock()
        confirm = client.post("/admin/import/confirmer", data={"token": token, "csrf_token": csrf})
        seconds["« Importer » page"] = since(started)
    assert confirm.status_code == 302, confirm.get_data(as_text=True)[:2000]
    seconds["  of which check"] = inside["check_import"]
    seconds["  of which apply"] = inside["apply_import"]
    with app.app_context():
        started = clock()
        again = imports.check_import(content, "federation.csv")
        seconds["check once imported (all errors)"] = since(started)
        assert len(again.problems) == args.accounts, len(again.problems)
        written = {
            "accounts": db.session.scalar(select(func.count()).select_from(User).where(User.role == "member")),
            "structures": db.session.scalar(select(func.count()).select_from(Structure)),
            "invitations": db.session.scalar(select(func.count()).select_from(OutboxEmail)
                                             .where(OutboxEmail.kind == "invitation")),
            "user_created events": db.session.scalar(select(func.count()).select_from(Event)
                                                     .where(Event.kind == "user_created")),
        }
        db.session.remove()
    expected = {"accounts": args.accounts, "structures": args.structures,
                "invitations": args.accounts, "user_created events": args.accounts + 1}
    assert written == expected, (written, expected)
    return [[engine, phase, f"{wall * 1000:,.0f}", f"{cpu * 1000:,.0f}", f"{wall * 1000 / args.accounts:.3f}"]
            for phase, (wall, cpu) in seconds.items()]


def main() -> None:
    """Generate the file, measure each engine, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--structures", type=int, default=600)
    parser.add_argument("--existing", type=int, default=30, help="structures of the file already in the database")
    parser.add_argument("--engines", default="sqlite", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--profile", choices=("check", "apply"), help="profile one check or one apply instead")
    args = parser.parse_args()
    content = generate_csv(args.accounts, args.structures)
    print(f"{args.accounts:,} accounts over {args.structures:,} structures ({args.existing} already in the "
          f"database), file of {len(content) / 1024:,.0f} KiB; load average {os.getloadavg()[0]:.1f}")
    rows = []
    for engine in args.engines.split(","):
        if engine == "sqlite":
            rows += run(engine, f"sqlite:///{stack.workdir('bench-import-db') / 'helpdesk.sqlite'}", content, args)
        elif engine == "postgresql":
            with stack.throwaway_postgres("helpdesk_bench_import") as url:
                rows += run(engine, url, content, args)
        else:
            parser.error(f"unknown engine {engine}")
        if args.profile:
            return
    stack.print_table(["engine", "phase", "wall ms", "CPU ms (app)", "wall ms per account"], rows)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
