"""Knowledge-base operations: read, write, publish, import, export, log searches."""
import json
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk.attachments.services import check_uploads, content_digest, store_uploads
from helpdesk.errors import InvalidInput, NotFound
from helpdesk.events import record_event
from helpdesk.extensions import db, first_time_in
from helpdesk.i18n import PARIS, too_long
from helpdesk.main.forms import FIRST_YEAR, LAST_YEAR
from helpdesk.models import (
    ARTICLE_STATUSES, ARTICLE_TYPES, VISIBILITIES, Article, ArticleRead, FaqSource, FlashBulletin, SearchLog,
    SuggestionClick, Theme, Ticket, User,
)
from helpdesk.models._types import utcnow
from helpdesk.permissions import can_view_article, ensure_can_edit_articles
from helpdesk.plain_text import one_line
from helpdesk.repeats import keyed_digest, new_in_a_row, normalised_words
from helpdesk.slugs import slugify
from helpdesk.submissions import resent_entry
from helpdesk.translation import gettext as _, lazy_gettext as _l

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATUS_FLOW = {"draft": {"published", "archived"}, "published": {"draft", "archived"}, "archived": {"draft", "published"}}
# Slugs that would be shadowed by the pages of /ressources/.
RESERVED_SLUGS = frozenset({"nouvelle", "suggestions", "a-verifier", "references"})
SLUG_MAX, TITLE_MAX, SUMMARY_MAX, URL_MAX = 200, 300, 10_000, 500
BODY_MAX = 200_000
# What a visitor's session remembers so that a reload counts once: the resources read last (a few short keyed hashes:
# the session is a cookie, readable by whoever holds it) and the last search (a keyed hash too).
READ_ARTICLES, READS_REMEMBERED, READ_DIGEST_LENGTH, LAST_SEARCH = "kb_read", 50, 8, "kb_last_search"
# Reads of a resource by visitors who are not logged in count once per client network in this window.
ANONYMOUS_READ_WINDOW = "1 per day"
SUGGESTION_CLICKS = "kb_suggestion_clicks"
# The French names of an article's fields, in the edit form and in the messages about them (imports included).
FIELD_LABELS = {
    "slug": _l("Adresse (slug)"), "title": _l("Titre"), "summary": _l("Résumé"), "body": _l("Contenu (Markdown)"),
    "type": _l("Type"), "visibility": _l("Visibilité"), "status": _l("Statut"), "themes": _l("Thèmes"),
    "tags": _l("Mots-clés"), "legal_refs": _l("Références juridiques"), "updated_on": _l("À jour au"),
    "source_url": _l("Source (adresse web)"),
}


def get_visible_article(user, slug: str) -> Article:
    """The article if `user` may read it; NotFound otherwise (no existence leak)."""
    article = db.session.scalar(select(Article).where(Article.slug == slug).options(selectinload(Article.themes)))
    if article is None or not can_view_article(user, article):
        raise NotFound(_("Cette ressource est introuvable."))
    return article


@dataclass
class ArticleValues:
    """Validated values of an article, from a form or an import line."""

    slug: str
    title: str
    body: str
    summary: str = ""
    type: str = "decryptage"
    visibility: str = "members"
    status: str | None = None
    themes: list[Theme] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    legal_refs: list[str] = field(default_factory=list)
    updated_on: date | None = None
    source_url: str = ""


def _string_list(value, name: str) -> list[str]:
    """A list of non-empty strings, from a list or a comma-separated string (`name`: the field's key)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(_("Le champ « %(field)s » attend une liste de textes.", field=FIELD_LABELS[name]))
    return [item.strip() for item in value if item.strip()]


def _text(data: dict, name: str, maximum: int, required: bool = False) -> str:
    """The text field `name` of raw article data (empty when absent unless `required`), at most `maximum`
    characters."""
    value = data.get(name) if required else data.get(name) or ""
    if required and (not isinstance(value, str) or not value.strip()):
        raise InvalidInput(_("Le champ « %(field)s » est obligatoire.", field=FIELD_LABELS[name]))
    if not isinstance(value, str):
        raise InvalidInput(_("Le champ « %(field)s » attend un texte.", field=FIELD_LABELS[name]))
    if len(value) > maximum:
        raise InvalidInput(too_long(len(value), maximum, FIELD_LABELS[name]))
    return value


def validate_article(data: dict, themes_by_slug: dict[str, Theme]) -> tuple[ArticleValues, list[str]]:
    """Check raw article data; return the values and warnings (unknown themes are dropped)."""
    slug = data.get("slug")
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        raise InvalidInput(_("Le champ « %(field)s » accepte seulement des lettres minuscules, des chiffres et des "
                             "tirets.", field=FIELD_LABELS["slug"]))
    slug = _text(data, "slug", SLUG_MAX)
    if slug in RESERVED_SLUGS:
        raise InvalidInput(_("« %(slug)s » est déjà l'adresse d'une page du site. Choisissez une autre valeur pour "
                             "« %(field)s ».", slug=slug, field=FIELD_LABELS["slug"]))
    values = ArticleValues(slug=slug, title=one_line(_text(data, "title", TITLE_MAX, required=True)),
                           body=_text(data, "body", BODY_MAX))
    values.summary = _text(data, "summary", SUMMARY_MAX).strip()
    values.type = data.get("type") or "decryptage"
    if values.type not in ARTICLE_TYPES:
        raise InvalidInput(_("« %(value)s » n'est pas un type de ressource connu.", value=values.type))
    values.visibility = data.get("visibility") or "members"
    if values.visibility not in VISIBILITIES:
        raise InvalidInput(_("« %(value)s » n'est pas une visibilité connue.", value=values.visibility))
    values.status = data.get("status")
    if values.status is not None and values.status not in ARTICLE_STATUSES:
        raise InvalidInput(_("« %(value)s » n'est pas un statut de ressource connu.", value=values.status))
    values.tags = _string_list(data.get("tags"), "tags")
    values.legal_refs = _string_list(data.get("legal_refs"), "legal_refs")
    warnings = []
    for slug_or_name in _string_list(data.get("themes"), "themes"):
        theme = themes_by_slug.get(slug_or_name)
        if theme is None:
            warnings.append(_("thème inconnu « %(theme)s » ignoré", theme=slug_or_name))
        elif theme not in values.themes:  # a theme named twice (a form posting it twice, a file listing it twice)
            values.themes.append(theme)
    updated_on = data.get("updated_on")
    if updated_on:
        try:
            values.updated_on = date.fromisoformat(str(updated_on)[:10])
        except ValueError:
            raise InvalidInput(_("Le champ « %(field)s » attend une date AAAA-MM-JJ.",
                                 field=FIELD_LABELS["updated_on"])) from None
        if not FIRST_YEAR <= values.updated_on.year <= LAST_YEAR:
            raise InvalidInput(_("Le champ « %(field)s » attend une date entre %(first)d et %(last)d.",
                                 field=FIELD_LABELS["updated_on"], first=FIRST_YEAR, last=LAST_YEAR))
        if values.updated_on > utcnow().astimezone(PARIS).date():
            raise InvalidInput(_("Le champ « %(field)s » ne peut pas être une date future.",
                                 field=FIELD_LABELS["updated_on"]))
    source_url = _text(data, "source_url", URL_MAX)
    if source_url and not source_url.startswith(("https://", "http://")):
        raise InvalidInput(_("Le champ « %(field)s » attend une adresse http(s).", field=FIELD_LABELS["source_url"]))
    values.source_url = source_url
    return values, warnings


def themes_by_slug() -> dict[str, Theme]:
    """All themes keyed by slug."""
    return {theme.slug: theme for theme in db.session.scalars(select(Theme))}


def _apply_values(article: Article, values: ArticleValues) -> None:
    """Copy validated values onto an article."""
    article.title, article.summary, article.body = values.title, values.summary, values.body
    article.type, article.visibility = values.type, values.visibility
    article.themes = values.themes
    article.tags, article.legal_refs = values.tags, values.legal_refs
    article.updated_on, article.source_url = values.updated_on, values.source_url
    article.updated_at = utcnow()


def _new_article(values: ArticleValues, actor: User, status: str) -> Article:
    """Add a new article with a free slug to the session (InvalidInput when the slug is taken)."""
    if db.session.scalar(select(Article.id).where(Article.slug == values.slug)) is not None:
        raise InvalidInput(_("Une ressource existe déjà avec cette adresse (slug)."))
    article = Article(slug=values.slug, status=status, author=actor)
    db.session.add(article)
    return article


def publish_new_article(data: dict, actor: User) -> Article:
    """Add an article directly published (webinar Q&A), validated and indexed like any other; the caller commits."""
    ensure_can_edit_articles(actor)
    values, _warnings = validate_article(data, themes_by_slug())
    article = _new_article(values, actor, "published")
    _apply_values(article, values)
    article.published_at = article.updated_at
    db.session.flush()
    record_event("article_saved", actor, article_id=article.id)
    return article


def free_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`… whichever no resource uses yet (nor a page of /ressources/)."""
    taken = set(db.session.scalars(select(Article.slug).where(Article.slug.like(f"{base}%")))) | RESERVED_SLUGS
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def slug_from_title(title: str | None, *, prefix: str = "", fallback: str = "ressource") -> str:
    """A free slug made of `prefix` and the title's unaccented words (80 characters at most), or of `fallback` when
    the title has none."""
    return free_slug(f"{prefix}{slugify(title or '')[:80].strip('-') or fallback}")


def save_article(article: Article | None, data: dict, actor: User, attachments=(), *, commit: bool = True,
                 bulletin: bool = False, resent_if: Callable[[Article], bool] | None = None) -> Article:
    """Create (article=None, as a draft, its slug made from the title when none is given) or update an article
    written by a jurist (its slug kept when none is given), adding files to download (commit=False: the caller
    commits). The same title and text of the same type sent again by its author within minutes while still a draft
    (a double click, Back then « Enregistrer ») is the draft already created, given those of the files sent that it
    lacks (`resent_if`: what else it must share). Flash info bulletins are written only through their own service
    (`bulletin=True`), which keeps their audience and announcement."""
    ensure_can_edit_articles(actor)
    if not bulletin and (data.get("type") == "flash" or (article is not None and article.type == "flash")):
        raise InvalidInput(_("Un flash info s'écrit et se modifie depuis la page « Flash info »."))
    if not data.get("slug"):
        data = {**data, "slug": slug_from_title(data.get("title")) if article is None else article.slug}
    values, _warnings = validate_article(data, themes_by_slug())
    uploads = check_uploads(attachments)
    if article is None:
        resent = resent_entry(Article, actor, resent_if, title=values.title, body=values.body, type=values.type,
                              status="draft")
        if resent is not None:
            carried = {attachment.sha256 for attachment in resent.attachments}
            lacking = [upload for upload in uploads if content_digest(upload.data) not in carried]
            if lacking:
                store_uploads(lacking, uploader=actor, article=resent)
                record_event("article_saved", actor, article_id=resent.id)
            if commit:
                db.session.commit()  # ends the hold
            return resent
        article = _new_article(values, actor, "draft")
    elif values.slug != article.slug:
        raise InvalidInput(_("L'adresse (slug) d'une ressource ne change pas après sa création."))
    _apply_values(article, values)
    db.session.flush()
    store_uploads(uploads, uploader=actor, article=article)
    record_event("article_saved", actor, article_id=article.id)
    if commit:
        db.session.commit()
    return article


def reachable_statuses(article: Article, *, announcing: bool = False) -> set[str]:
    """The statuses an article may go to from its own. A flash info bulletin is first published from its preview
    (`announcing`: `publish_bulletin`), which shows whom it mails; once published it never returns to draft, where it
    could be rewritten after members were mailed what it said."""
    reachable = set(STATUS_FLOW.get(article.status, ()))
    if article.type == "flash" and db.session.get(FlashBulletin, article.id) is not None:
        if article.published_at is not None:
            reachable.discard("draft")
        elif not announcing:
            reachable.discard("published")
    return reachable


def set_article_status(article: Article, status: str, actor: User, *, announcing: bool = False) -> None:
    """Publish, archive or return an article to draft (a flash info bulletin: see `reachable_statuses`)."""
    ensure_can_edit_articles(actor)
    if status not in reachable_statuses(article, announcing=announcing):
        if status not in STATUS_FLOW.get(article.status, ()):
            raise InvalidInput(_("Ce changement de statut n'est pas possible."))
        if status == "published":
            raise InvalidInput(_("Un flash info se publie depuis son aperçu, qui montre à qui il sera envoyé : "
                                 "ouvrez-le dans la liste « Flash info »."))
        raise InvalidInput(_("Un flash info publié ne repasse pas en brouillon : les membres ont reçu son texte par "
                             "courriel. Archivez-le, puis écrivez-en un nouveau."))
    article.status = status
    if status == "published" and article.published_at is None:
        article.published_at = utcnow()
    article.updated_at = utcnow()
    record_event("article_status", actor, article_id=article.id, status=status)
    db.session.commit()


@dataclass
class ImportReport:
    """What an import did: counts and the problems of each bad line."""

    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)


def import_articles(lines, batch: int = 500, progress=None) -> ImportReport:
    """Upsert articles from JSON lines by slug; bad lines are reported and skipped."""
    report = ImportReport()
    themes = themes_by_slug()
    existing = dict(db.session.execute(select(Article.slug, Article.id)).all())
    pending = 0
    for number, line in enumerate(lines, start=1):
        if progress:
            progress(1)
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise InvalidInput(_("un objet JSON est attendu."))
            values, warnings = validate_article(data, themes)
        except ValueError as error:
            report.errors.append((number, _("JSON invalide (%(error)s)", error=error.args[0] if error.args else error)))
            continue
        except InvalidInput as error:
            report.errors.append((number, error.message))
            continue
        report.warnings.extend((number, warning) for warning in warnings)
        if values.slug in existing:
            article = db.session.get(Article, existing[values.slug])
            report.updated += 1
        else:
            article = Article(slug=values.slug, status=values.status or "published")
            db.session.add(article)
            report.created += 1
        _apply_values(article, values)
        if values.status:
            article.status = values.status
        if article.status == "published" and article.published_at is None:
            article.published_at = utcnow()
        db.session.flush()
        existing[values.slug] = article.id
        pending += 1
        if pending >= batch:
            db.session.commit()
            db.session.expunge_all()
            pending = 0
    db.session.commit()
    return report


def export_articles(stream) -> int:
    """Write every article as a JSON line that import reads back; return the count."""
    count = 0
    query = select(Article).options(selectinload(Article.themes)).order_by(Article.slug)
    for article in db.session.scalars(query.execution_options(yield_per=500)):
        stream.write(json.dumps({
            "slug": article.slug, "title": article.title, "summary": article.summary, "body": article.body,
            "type": article.type, "themes": [theme.slug for theme in article.themes], "tags": article.tags,
            "visibility": article.visibility, "status": article.status, "legal_refs": article.legal_refs,
            "updated_on": article.updated_on.isoformat() if article.updated_on else None,
            "source_url": article.source_url,
        }, ensure_ascii=False) + "\n")
        count += 1
    return count


def log_search(query: str, results: int, user, memory: MutableMapping | None = None) -> None:
    """Remember a search and its result count (searches that found nothing show missing content); with `memory`
    (the visitor's session), the same words searched again just after (a reload, another sort or filter) are not
    logged twice."""
    if memory is not None and not new_in_a_row(memory, LAST_SEARCH, normalised_words(query)):
        return
    role = user.role if user.is_authenticated else "anonymous"
    db.session.add(SearchLog(query=query[:200], results=results, role=role))
    db.session.commit()


def _seen_before(memory: MutableMapping | None, key: str, article: Article) -> bool:
    """Whether the visitor's session (`memory`) already counted this resource under `key`; remembers it if not."""
    if memory is None:
        return False
    seen, digest = memory.get(key, []), keyed_digest(key, article.id, READ_DIGEST_LENGTH)
    if digest in seen:
        return True
    memory[key] = [*seen, digest][-READS_REMEMBERED:]
    return False


def record_article_read(user, article: Article, memory: MutableMapping | None = None,
                        client: str | None = None) -> None:
    """Count one display of a resource, keeping only the kind of reader (for the most read resources); with `memory`
    (the visitor's session), once per session: reloading the page does not inflate the count. A visitor who is not
    logged in may send no session cookie at all (each request then starts a new session): with `client` (their
    network), their reads of a resource count once per ANONYMOUS_READ_WINDOW and client."""
    if _seen_before(memory, READ_ARTICLES, article):
        return
    if (not user.is_authenticated and client is not None
            and not first_time_in(ANONYMOUS_READ_WINDOW, "article-read", client, str(article.id))):
        return
    reader = user.role if user.is_authenticated else "anonymous"
    db.session.add(ArticleRead(article_id=article.id, reader=reader))
    db.session.commit()


def record_suggestion_click(user: User, article: Article, memory: MutableMapping | None = None) -> None:
    """A member opened a resource suggested while typing a question; with `memory` (the session), once per session:
    reloading it, or following a crafted link again and again, does not inflate the deflection figures."""
    if user.is_authenticated and user.is_member and not _seen_before(memory, SUGGESTION_CLICKS, article):
        db.session.add(SuggestionClick(user_id=user.id, article_id=article.id))
        db.session.commit()


def faq_origin(user: User, article: Article) -> Ticket | None:
    """The question a FAQ resource was proposed from, for staff only (members never learn which question it was)."""
    if not user.is_authenticated or not user.is_staff:
        return None
    return db.session.scalar(select(Ticket).join(FaqSource, FaqSource.ticket_id == Ticket.id)
                             .where(FaqSource.article_slug == article.slug))
