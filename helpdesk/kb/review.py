"""Keeping resources current: review deadlines, amended legal references, "à vérifier" flags."""
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import too_long
from helpdesk.models import Article, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import ensure_can_edit_articles
from helpdesk.translation import gettext as _

# A code article number: L, R or D, an optional dot or space, then digits and dashes (L5132-5, R. 5132-1-3).
CODE_ARTICLE = re.compile(r"(?<![A-Za-z])([LRDlrd])\s*\.?\s*(\d+(?:-\d+)*)(?![\d])")
NOTE_MAX = 300


def normalise_reference(text: str) -> str:
    """The canonical form of a legal reference: "art. L5132-5", "L. 5132-5", "C. trav. L5132-5" → "L5132-5"."""
    match = CODE_ARTICLE.search(text or "")
    if match:
        return f"{match.group(1).upper()}{match.group(2)}"
    return " ".join((text or "").split()).casefold()


def review_due_clause(now: datetime):
    """SQL condition of a published resource that needs checking: flagged, or not reviewed for too long."""
    cutoff = now - timedelta(days=current_app.config["KB_REVIEW_AFTER_DAYS"])
    never_reviewed = Article.reviewed_at.is_(None) & or_(
        Article.updated_on < cutoff.date(), Article.updated_on.is_(None) & (Article.created_at < cutoff))
    return (Article.status == "published") & or_(
        Article.review_flagged_at.is_not(None), Article.reviewed_at < cutoff, never_reviewed)


def articles_to_review() -> list[Article]:
    """Published resources flagged or overdue for review, flagged ones first."""
    return list(db.session.scalars(
        select(Article).where(review_due_clause(utcnow())).options(selectinload(Article.themes))
        .order_by(Article.review_flagged_at.is_(None), french_order(Article.title))))


def is_review_due(article: Article) -> bool:
    """Whether this resource currently shows the "en cours de vérification" notice."""
    return db.session.scalar(select(exists().where(Article.id == article.id, review_due_clause(utcnow()))))


def articles_citing(reference: str) -> list[Article]:
    """Every resource (any status) citing this reference, whatever the way it is written."""
    wanted = normalise_reference(reference)
    if not wanted:
        return []
    matching = [article_id for article_id, refs in db.session.execute(select(Article.id, Article.legal_refs))
                if any(normalise_reference(ref) == wanted for ref in refs or [])]
    return list(db.session.scalars(
        select(Article).where(Article.id.in_(matching)).order_by(french_order(Article.title))))


def flag_articles_citing(reference: str, actor: User, note: str = "") -> int:
    """Mark a reference as amended: flag every resource citing it "à vérifier"; return how many."""
    ensure_can_edit_articles(actor)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(too_long(len(note), NOTE_MAX, _("Note pour les juristes")))
    wanted = normalise_reference(reference)
    articles = articles_citing(reference)
    if not articles:
        raise InvalidInput(_("Aucune ressource ne cite cette référence."))
    now = utcnow()
    for article in articles:
        article.review_flagged_at = now
        article.review_note = note or f"Référence {wanted} modifiée"
    record_event("legal_reference_amended", actor, reference=wanted, articles=[article.id for article in articles])
    db.session.commit()
    return len(articles)


def mark_reviewed(article: Article, actor: User) -> None:
    """« Marquer comme vérifiée » : clear the flag, stamp reviewed_at and the "à jour au" date."""
    ensure_can_edit_articles(actor)
    now = utcnow()
    article.reviewed_at = now
    article.updated_on = now.date()
    article.review_flagged_at = None
    article.review_note = None
    article.updated_at = now
    record_event("article_reviewed", actor, article_id=article.id)
    db.session.commit()
