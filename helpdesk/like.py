"""LIKE patterns built from what users type, and the case-insensitive « contains » both engines answer alike."""
from sqlalchemy import String, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import GenericFunction


class unicode_lower(GenericFunction):
    """Lowercase text, accented capitals included (« Élodie » → « élodie »): PostgreSQL's lower() does; SQLite's
    own lower() folds ASCII letters only, so there it is the Python function registered on each connection."""

    type = String()
    inherit_cache = True


@compiles(unicode_lower)
def _postgresql_lower(element, compiler, **kw) -> str:
    """lower(): on PostgreSQL the very folding its ILIKE applies."""
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _sqlite_lower(element, compiler, **kw) -> str:
    """The function registered by register_sqlite_functions."""
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def _lower(value):
    """SQLite's unicode_lower(): Python's lowercase of a text, anything else unchanged (NULL stays NULL)."""
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(dbapi_connection) -> None:
    """Give a new SQLite connection unicode_lower(), deterministic so that SQLite may use it anywhere."""
    dbapi_connection.create_function("unicode_lower", 1, _lower, deterministic=True)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character « \\ ») matching `text` anywhere, its wildcards taken literally: « 50 % »
    finds « 50 % », not everything starting with « 50 »."""
    literal_text = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal_text}%"


def any_contains(text: str, *columns) -> ColumnElement[bool]:
    """One of `columns` contains `text`, whatever the case, accented capitals included, with the same results on
    SQLite and PostgreSQL (accents themselves count: « elodie » does not find « Élodie », on either)."""
    pattern = unicode_lower(literal(contains_pattern(text)))
    return or_(*(unicode_lower(column).like(pattern, escape="\\") for column in columns))
