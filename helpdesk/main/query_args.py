"""Reading query-string arguments without trusting them."""
from flask import request, url_for

MAX_INT_ARG = 2**31 - 1


def int_arg(name: str) -> int | None:
    """A positive integer argument that fits an INTEGER column; None when absent or malformed."""
    value = request.args.get(name, "")
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_INT_ARG else None


def page_arg() -> int:
    """The requested page number; 1 when absent or malformed."""
    return int_arg("page") or 1


def text_arg(name: str, limit: int = 200) -> str:
    """A free-text argument, trimmed, without NUL characters (PostgreSQL refuses them), at most `limit` long."""
    return (request.args.get(name) or "").replace("\x00", "").strip()[:limit]


def safe_next(target: str | None) -> str:
    """Only follow local redirects (after login, after a language switch)."""
    # Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would become "//evil.example".
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):
        return target
    return url_for("main.index")
