"""LIKE patterns built from what users type."""


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character « \\ ») matching `text` anywhere, its wildcards taken literally: « 50 % »
    finds « 50 % », not everything starting with « 50 »."""
    literal = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"
