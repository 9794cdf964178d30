"""Reading request arguments (query string, form lists, URL path) without trusting them."""
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

from flask import request, url_for
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from helpdesk.plain_text import without_hidden_characters
from helpdesk.translation import lazy_gettext as _l

MAX_INT_ARG = 2**31 - 1
UNDECODABLE_INPUT = _l("La demande contient des caractères illisibles (du texte qui n'est pas encodé en UTF-8), "
                       "rien n'a donc été enregistré. Retapez ou recollez le texte depuis la page du site, puis "
                       "réessayez.")


class UndecodableInput(BadRequest):
    """A query string or a posted form whose text is not UTF-8 (see refuse_undecodable_input)."""

    @property
    def message(self) -> str:
        """Why the request is refused, in the user's language."""
        return str(UNDECODABLE_INPUT)


def _is_utf8(percent_encoded: bytes) -> bool:
    """Whether a query string or a URL-encoded form body reads as UTF-8 once its %XX escapes are decoded."""
    try:
        unquote_to_bytes(percent_encoded).decode()
    except UnicodeDecodeError:
        return False
    return True


def refuse_undecodable_input() -> None:
    """Refuse (400) a request whose query string or URL-encoded form is not UTF-8, before any view reads it.

    Werkzeug would otherwise keep « %E9 » as text or fail on raw bytes in a query string (a server error): stored,
    the text would be silently damaged. A multipart form (the forms with files) is not checked: Werkzeug has already
    replaced what it could not read by « � », and that character is also what a jurist pastes from an emailed reply
    received in a broken charset; refusing it would lose the message typed around it (browsers send these forms in
    UTF-8 anyway)."""
    if not _is_utf8(request.query_string):
        raise UndecodableInput()
    # The body is kept: the form is parsed from it afterwards.
    if request.mimetype == "application/x-www-form-urlencoded" and not _is_utf8(request.get_data(cache=True)):
        raise UndecodableInput()


def positive_int(value: str) -> int | None:
    """A positive integer that fits an INTEGER column; None when malformed or out of range."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_INT_ARG else None


def int_arg(name: str) -> int | None:
    """A positive integer argument that fits an INTEGER column; None when absent or malformed."""
    return positive_int(request.args.get(name, ""))


def page_arg() -> int:
    """The requested page number; 1 when absent or malformed."""
    return int_arg("page") or 1


def text_arg(name: str, limit: int = 200, values=None) -> str:
    """A free-text argument (of the query string, or of `values`: a posted form), trimmed, without hidden characters
    (PostgreSQL refuses NUL), at most `limit` long."""
    values = request.args if values is None else values
    return without_hidden_characters(values.get(name) or "").strip()[:limit]


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """Only follow local redirects (after login, after a language switch, back to the queue after a bulk action);
    anything else leads to `fallback` (default: the home page)."""
    # Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would become "//evil.example".
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):
        return target
    return fallback or url_for("main.index")


def request_address() -> str:
    """The path and query string of the current request as asked for: no « ? » added without a query (Werkzeug's
    `full_path` ends with one), and none taken off the end of a query (« ?q=délai? », typed in the address bar)."""
    return request.full_path if request.query_string else request.path


def page_address() -> str | None:
    """The address that shows the current page again: its own for a GET, or for a form whose address also answers GET
    (a form sent back with its errors); for a page answering a POST to an action-only address (a refused reply, an
    error page), the page of the app the form was sent from, else None. The language switch goes back there, and
    page-address.js puts it in the address bar, so that a reload, a bookmark or a language change never asks that
    action address for a page (« Méthode non autorisée »)."""
    if not _is_utf8(request.query_string):  # the request is refused (refuse_undecodable_input): no address to keep
        return None
    here = request_address()
    if request.method == "GET" or (request.url_rule is not None and "GET" in request.url_rule.methods):
        return here
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path == request.path:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def url_with_query(endpoint: str, changes: dict | None = None, **path_values) -> str:
    """The URL of `endpoint` (`path_values` fill its path) carrying the current query string, every value of a
    repeated argument kept, with `changes` replacing arguments (a list for several values; None or [] removes one).

    The arguments go in the query string only, never to url_for as its own options: `?_method=`, `?_anchor=` or
    `?endpoint=` typed in an address would otherwise break the page (a server error) or rewrite its links."""
    arguments = request.args.to_dict(flat=False)
    for name, value in (changes or {}).items():
        values = value if isinstance(value, list) else [] if value is None else [value]
        if values:
            arguments[name] = values
        else:
            arguments.pop(name, None)
    query = urlencode([(name, value) for name, values in arguments.items() for value in values])
    url = url_for(endpoint, **path_values)
    return f"{url}?{query}" if query else url


class BoundedIntegerConverter(IntegerConverter):
    """The `<int:...>` URL converter, capped at what an INTEGER column holds: a larger id matches no route (404)
    instead of reaching the database, which would fail on it."""

    def __init__(self, map, *args, **kwargs):
        """Flask's integer converter with `max` defaulting to MAX_INT_ARG."""
        kwargs.setdefault("max", MAX_INT_ARG)
        super().__init__(map, *args, **kwargs)
