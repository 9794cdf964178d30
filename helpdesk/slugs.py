"""Slugs: the ASCII, lowercase, dash-separated names of themes and resources in their addresses."""
import re
import unicodedata


# Letters that Unicode does not decompose into ASCII ones (« cœur », « Straße »), and the typographic apostrophe,
# which separates words as the straight one does.
_SPELLED_OUT = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


def slugify(text: str) -> str:
    """ASCII, lowercase, dash-separated form of a label."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_SPELLED_OUT)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
