"""Telling a repeated request (a reload, another page or sort of the same search, a resource read again) from a new
one, through the visitor's session, which remembers keyed hashes only."""
import hashlib
import hmac
from collections.abc import MutableMapping

from flask import current_app


def normalised_words(text: str) -> str:
    """Searched words as compared for repeats: lower case, single spaces."""
    return " ".join(text.lower().split())


def keyed_digest(key: str, value, length: int = 32) -> str:
    """A hash of `value` (under `key`) keyed with SECRET_KEY, for the session cookie to carry a value (words searched,
    a resource read, the client's address) without saying it: whoever reads the cookie cannot hash guesses to
    compare."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{key}\0{value}".encode(), hashlib.sha256).hexdigest()[:length]


def new_in_a_row(memory: MutableMapping, key: str, value) -> bool:
    """Whether `value` differs from the last one remembered under `key` in `memory` (the session); remembers it.

    The session is a signed cookie that anyone holding it can read: it keeps a keyed hash of `value` (searched
    words), never `value` itself."""
    digest = keyed_digest(key, value)
    if memory.get(key) == digest:
        return False
    memory[key] = digest
    return True
