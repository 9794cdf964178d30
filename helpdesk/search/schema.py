"""Whoosh schemas of the two indexes and the conversion of plain dicts into index fields."""

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import french_analyzer, spelling_analyzer

ARTICLES = "articles"
QUESTIONS = "questions"


def _text(stored: bool = False) -> TEXT:
    """Return a French full-text field."""
    return TEXT(analyzer=french_analyzer(), stored=stored)


def article_schema() -> Schema:
    """Return the schema of the knowledge-base articles index."""
    schema = Schema(
        slug=ID(unique=True, stored=True),
        title=_text(stored=True),
        summary=_text(stored=True),
        # Stored so that snippets can be highlighted without a database round trip.
        body=_text(stored=True),
        tags=KEYWORD(commas=True, lowercase=True, scorable=True),
        tags_text=_text(),
        legal_refs=_text(),
        type=ID(stored=True),
        themes=KEYWORD(commas=True, stored=True, scorable=False),
        visibility=ID,
        status=ID,
        updated_on=DATETIME(stored=True, sortable=True),
        version=STORED,
    )
    # Words of published articles (title, summary, body), one field per visibility (spell_public, spell_members...):
    # the source of spelling corrections, each reader drawing only on the visibilities it may see.
    schema.add(spell_field("*"), TEXT(analyzer=spelling_analyzer(), phrase=False), glob=True)
    return schema


def spell_field(visibility: str) -> str:
    """The field holding the spelling vocabulary of the published articles of one visibility."""
    return f"spell_{visibility}"


def question_schema() -> Schema:
    """Return the schema of the similar-questions index."""
    return Schema(
        id=ID(unique=True, stored=True),
        reference=STORED,
        subject=_text(),
        body=_text(),
        status=ID(stored=True),
        structure_id=ID(stored=True),
        theme=ID(stored=True),
        created_at=DATETIME(sortable=True),
        version=STORED,
    )


def _joined(values, separator: str) -> str:
    """Join a list of strings, accepting an already joined string."""
    return values if isinstance(values, str) else separator.join(values or ())


def article_fields(doc: dict) -> dict:
    """Convert an article dict (slug, title, visibility, status required) into index fields."""
    fields = {
        "slug": doc["slug"],
        "title": doc["title"],
        "summary": doc.get("summary") or "",
        "body": doc.get("body") or "",
        "tags": _joined(doc.get("tags"), ","),
        "tags_text": _joined(doc.get("tags"), " "),
        "legal_refs": _joined(doc.get("legal_refs"), " "),
        "type": doc.get("type") or "",
        "themes": _joined(doc.get("themes"), ","),
        "visibility": doc["visibility"],
        "status": doc["status"],
        "version": str(doc.get("version", "")),
    }
    if doc.get("updated_on") is not None:
        fields["updated_on"] = doc["updated_on"]
    if doc["status"] == "published":
        fields[spell_field(doc["visibility"])] = f"{fields['title']} {fields['summary']} {fields['body']}"
    return fields


def question_fields(doc: dict) -> dict:
    """Convert a question dict (id, subject, status required) into index fields."""
    fields = {
        "id": str(doc["id"]),
        "reference": doc.get("reference") or "",
        "subject": doc["subject"],
        "body": doc.get("body") or "",
        "status": doc["status"],
        "structure_id": str(doc.get("structure_id") or ""),
        "theme": doc.get("theme") or "",
        "version": str(doc.get("version", "")),
    }
    if doc.get("created_at") is not None:
        fields["created_at"] = doc["created_at"]
    return fields


KINDS = {
    ARTICLES: {"schema": article_schema, "key": "slug", "fields": article_fields},
    QUESTIONS: {"schema": question_schema, "key": "id", "fields": question_fields},
}
