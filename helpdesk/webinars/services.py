"""Webinar operations: write, register interest, cancel, turn each Q&A into a FAQ resource."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.kb.services import publish_new_article, slug_from_title
from helpdesk.models import Article, Theme, User, Webinar, WebinarRegistration
from helpdesk.models._types import utcnow
from helpdesk.permissions import can_view_article, ensure_can_edit_articles
from helpdesk.templating import format_datetime

TITLE_MAX = 300
TEXT_MAX = 20_000
SPEAKERS_MAX = 20
URL_MAX = 500


@dataclass
class WebinarValues:
    """What a jurist enters for a webinar."""

    title: str
    starts_at: datetime
    description: str = ""
    speakers: tuple[str, ...] = ()
    slides_url: str = ""
    recording_url: str = ""
    theme_ids: tuple[int, ...] = ()


def _url(value: str, label: str) -> str:
    """An optional http(s) address."""
    value = (value or "").strip()
    if value and (len(value) > URL_MAX or not value.startswith(("https://", "http://"))):
        raise InvalidInput(_("%(field)s : une adresse http(s) de %(max)d caractères au plus est attendue.", field=label,
                             max=URL_MAX))
    return value


def save_webinar(webinar: Webinar | None, values: WebinarValues, actor: User) -> Webinar:
    """Create (webinar=None) or update a webinar after checking its values."""
    ensure_can_edit_articles(actor)
    title = (values.title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise InvalidInput(_("Titre : de 1 à %(max)d caractères.", max=TITLE_MAX))
    if values.starts_at is None or values.starts_at.tzinfo is None:
        raise InvalidInput(_("Date et heure : une date et une heure sont attendues."))
    if len(values.description or "") > TEXT_MAX:
        raise InvalidInput(_("Description : %(max)d caractères au maximum.", max=TEXT_MAX))
    speakers = [name.strip() for name in values.speakers if name.strip()]
    if len(speakers) > SPEAKERS_MAX or any(len(name) > 120 for name in speakers):
        raise InvalidInput(_("Intervenants : %(max)d au plus, 120 caractères chacun.", max=SPEAKERS_MAX))
    themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(values.theme_ids)))) if values.theme_ids else []
    if len(themes) != len(set(values.theme_ids)):
        raise InvalidInput(_("Thèmes : l'un des thèmes choisis n'existe pas."))
    if webinar is None:
        webinar = Webinar(author_id=actor.id)
        db.session.add(webinar)
    webinar.title, webinar.starts_at = title, values.starts_at
    webinar.description, webinar.speakers = (values.description or "").strip(), speakers
    webinar.slides_url = _url(values.slides_url, _("Diaporama"))
    webinar.recording_url = _url(values.recording_url, _("Enregistrement"))
    webinar.themes = themes
    db.session.flush()
    record_event("webinar_saved", actor, webinar_id=webinar.id)
    db.session.commit()
    return webinar


def upcoming_and_past() -> tuple[list[Webinar], list[Webinar]]:
    """Upcoming webinars (soonest first) and past ones (latest first)."""
    now = utcnow()
    upcoming = db.session.scalars(select(Webinar).where(Webinar.starts_at > now).order_by(Webinar.starts_at))
    past = db.session.scalars(select(Webinar).where(Webinar.starts_at <= now).order_by(Webinar.starts_at.desc()))
    return list(upcoming), list(past)


def is_registered(webinar: Webinar, user: User) -> bool:
    """Whether the user registered interest in this webinar."""
    return db.session.scalar(select(WebinarRegistration.id).where(
        WebinarRegistration.webinar_id == webinar.id, WebinarRegistration.user_id == user.id)) is not None


def registration_count(webinar: Webinar) -> int:
    """How many members registered interest."""
    return db.session.scalar(select(func.count()).select_from(WebinarRegistration).where(
        WebinarRegistration.webinar_id == webinar.id))


def register_interest(webinar: Webinar, user: User) -> None:
    """A member registers interest in an upcoming webinar, once."""
    if not user.is_member:
        raise Forbidden(_("L'inscription aux webinaires est réservée aux membres."))
    if webinar.status != "upcoming":
        raise InvalidInput(_("Ce webinaire a déjà eu lieu : l'inscription est fermée."))
    if is_registered(webinar, user):
        raise InvalidInput(_("Vous êtes déjà inscrit(e) à ce webinaire."))
    db.session.add(WebinarRegistration(webinar_id=webinar.id, user_id=user.id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvalidInput(_("Vous êtes déjà inscrit(e) à ce webinaire.")) from None


def cancel_registration(webinar: Webinar, user: User) -> None:
    """A member withdraws their registration."""
    registration = db.session.scalar(select(WebinarRegistration).where(
        WebinarRegistration.webinar_id == webinar.id, WebinarRegistration.user_id == user.id))
    if registration is None:
        raise InvalidInput(_("Vous n'êtes pas inscrit(e) à ce webinaire."))
    db.session.delete(registration)
    db.session.commit()


def add_question_answer(webinar: Webinar, question: str, answer: str, actor: User) -> Article:
    """Publish one question of the webinar's Q&A with its answer as a members' FAQ resource linked to it."""
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or not answer:
        raise InvalidInput(_("La question et la réponse sont obligatoires."))
    if len(question) > TITLE_MAX or len(answer) > TEXT_MAX:
        raise InvalidInput(_("La question compte %(question)d caractères au plus, la réponse %(answer)d.",
                             question=TITLE_MAX, answer=TEXT_MAX))
    if any((article.title, article.body) == (question, answer) for article in webinar.faq_articles):
        # Sent twice (a double click, the form posted again): one FAQ resource only.
        raise InvalidInput(_("Cette question et sa réponse figurent déjà dans les questions-réponses de ce webinaire."))
    data = {
        "slug": slug_from_title(question, prefix=f"faq-webinaire-{webinar.id}-", fallback="question"),
        "title": question, "body": answer, "type": "faq", "visibility": "members",
        "summary": f"Question posée lors du webinaire « {webinar.title} » du {format_datetime(webinar.starts_at)}.",
        "themes": [theme.slug for theme in webinar.themes], "updated_on": utcnow().date().isoformat(),
    }
    article = publish_new_article(data, actor)
    webinar.faq_articles.append(article)
    db.session.commit()
    return article


def questions_and_answers(webinar: Webinar, user) -> list[Article]:
    """The webinar's FAQ resources the user may read, oldest first."""
    return [article for article in webinar.faq_articles if can_view_article(user, article)]
