"""Telling a repeated request (a reload, another page or sort of the same search) from a new one, through the
visitor's session."""
from collections.abc import MutableMapping


def normalised_words(text: str) -> str:
    """Searched words as compared for repeats: lower case, single spaces."""
    return " ".join(text.lower().split())


def new_in_a_row(memory: MutableMapping, key: str, value) -> bool:
    """Whether `value` differs from the last one remembered under `key` in `memory` (the session); remembers it."""
    if memory.get(key) == value:
        return False
    memory[key] = value
    return True
