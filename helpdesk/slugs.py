"""Slugs: the ASCII, lowercase, dash-separated names of themes and resources in their addresses."""
import re
import unicodedata


def slugify(text: str) -> str:
    """ASCII, lowercase, dash-separated form of a label."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
