"""Telling a repeated request (a reload, another page or sort of the same search) from a new one, through the
visitor's session."""
import hashlib
import hmac
from collections.abc import MutableMapping

from flask import current_app


def normalised_words(text: str) -> str:
    """Searched words as compared for repeats: lower case, single spaces."""
    return " ".join(text.lower().split())


def new_in_a_row(memory: MutableMapping, key: str, value) -> bool:
    """Whether `value` differs from the last one remembered under `key` in `memory` (the session); remembers it.

    The session is a signed cookie that anyone holding it can read: it keeps a keyed hash of `value` (searched
    words), never `value` itself."""
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"{key}\0{value}".encode(), hashlib.sha256).hexdigest()[:32]
    if memory.get(key) == digest:
        return False
    memory[key] = digest
    return True
