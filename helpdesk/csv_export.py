"""CSV exports as French spreadsheets open them: semicolons, a BOM, French numbers and Paris dates, and no cell a
spreadsheet would run as a formula; streamed in chunks."""
import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from helpdesk.i18n import PARIS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_BATCH = 1000  # rows read from the database, and CSV lines sent, at a time


def _cell(value) -> str:
    """A CSV cell: French numbers and Paris dates, text that a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(PARIS).isoformat(" ", "minutes")[:16]  # 'YYYY-MM-DD HH:MM', faster than strftime
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_lines(rows: Iterable) -> Iterator[str]:
    """Encode rows as semicolon-separated CSV lines (the French spreadsheet convention), with a BOM first,
    streamed in chunks of EXPORT_BATCH lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    for number, row in enumerate(rows, 1):
        writer.writerow(map(_cell, row))
        if number % EXPORT_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
