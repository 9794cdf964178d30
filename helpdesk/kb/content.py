"""Starter resources kept as Markdown files with a TOML front matter (content/kb/*.md)."""
import json
import tomllib
from pathlib import Path

from helpdesk import ROOT
from helpdesk.kb.services import ImportReport, import_articles

CONTENT_DIR = ROOT / "content" / "kb"


def read_article_file(path: Path) -> dict:
    """Parse one file: `+++` TOML front matter, then the Markdown body; the slug is the file name."""
    text = path.read_text(encoding="utf-8")
    _, front_matter, body = text.split("+++", 2)
    data = tomllib.loads(front_matter)
    data.update(slug=path.stem, body=body.strip(), status=data.get("status", "published"))
    return data


def load_starter_content(directory: Path = CONTENT_DIR) -> ImportReport:
    """Upsert the starter resources through the regular import."""
    lines = [json.dumps(read_article_file(path), default=str, ensure_ascii=False)
             for path in sorted(directory.glob("*.md"))]
    return import_articles(lines)
