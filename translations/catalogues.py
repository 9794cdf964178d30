"""Keep the catalogues in step with the code: extract the French msgids, update fr and en, make the French
catalogue map each msgid to itself, compile. Run by `make translations`; English msgstrs are written by hand."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYBABEL = str(Path(sys.executable).with_name("pybabel"))
LOCALES = ("fr", "en")


def run(*args: str) -> None:
    """Run pybabel from the repository root, quietly."""
    subprocess.run([PYBABEL, "-q", *args], cwd=ROOT, check=True)


def fill_french(path: Path) -> None:
    """French is the source language: each French msgstr is its msgid."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    for message in catalog:
        if message.id:
            message.string = ((message.id[0],) + (message.id[1],) * (catalog.num_plurals - 1)
                              if message.pluralizable else message.id)
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=120, omit_header=False)


def main() -> None:
    """Extract, update (or create), fill French, compile."""
    pot = HERE / "messages.pot"
    run("extract", "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l", "--no-location", "--sort-output", "-w", "120",
        "-o", str(pot), ".")
    for locale in LOCALES:
        po = HERE / locale / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if command == "update" else []
        run(command, "-i", str(pot), "-d", str(HERE), "-l", locale, "-w", "120", *extra)
    fill_french(HERE / "fr" / "LC_MESSAGES" / "messages.po")
    run("compile", "-d", str(HERE))
    pot.unlink()


if __name__ == "__main__":
    main()
