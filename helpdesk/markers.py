"""Marking French texts for the catalogues where they are defined, to be translated where they are shown."""


def N_(message: str) -> str:
    """Mark a French text for the catalogues and return it untranslated (translated where it is shown)."""
    return message
