"""Webinar operations: write (registered members are told of a new time or link), register interest (confirmed and
reminded by mail), cancel, questions sent ahead, turn each Q&A into a FAQ resource."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel.speaklater import LazyString
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from helpdesk.collation import french_order
from helpdesk.errors import Forbidden, InvalidInput, NotFound
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import format_number, lazy_format, too_long
from helpdesk.kb.services import publish_new_article, slug_from_title
from helpdesk.mail.outbox import absolute_url, queue_email
from helpdesk.models import Article, Event, Structure, Theme, User, Webinar, WebinarQuestion, WebinarRegistration
from helpdesk.models._types import utcnow
from helpdesk.models.webinar import DURATION_DEFAULT, DURATION_MAX, DURATION_MIN
from helpdesk.permissions import can_view_article, ensure_can_edit_articles, ensure_membership_active
from helpdesk.plain_text import one_line
from helpdesk.templating import format_datetime
from helpdesk.submissions import hold_submissions, resent_entry
from helpdesk.translation import gettext as _, lazy_gettext as _l

TITLE_MAX = 300
TEXT_MAX = 20_000
SPEAKERS_MAX = 20
SPEAKER_MAX = 120
URL_MAX = 500
QUESTION_MAX = 1000
QUESTIONS_PER_MEMBER = 5
REMINDER_AHEAD = timedelta(hours=24)


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
    duration_minutes: int = DURATION_DEFAULT
    join_url: str = ""


def _url(value: str, label: str) -> str:
    """An optional http(s) address."""
    value = (value or "").strip()
    if len(value) > URL_MAX:
        raise InvalidInput(too_long(len(value), URL_MAX, label))
    if value and not value.startswith(("https://", "http://")):
        raise InvalidInput(_("« %(field)s » attend une adresse web qui commence par https:// ou http://.",
                             field=label))
    return value


def save_webinar(webinar: Webinar | None, values: WebinarValues, actor: User) -> Webinar:
    """Create (webinar=None) or update a webinar after checking its values; the same title, time and description sent
    again by its author within minutes (a double click, Back then « Créer ») is the webinar already created."""
    ensure_can_edit_articles(actor)
    title = one_line(values.title)
    if not title:
        raise InvalidInput(_("Indiquez un titre."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(too_long(len(title), TITLE_MAX, _("Titre")))
    if values.starts_at is None or values.starts_at.tzinfo is None:
        raise InvalidInput(_("Indiquez la date et l'heure du webinaire."))
    if not isinstance(values.duration_minutes, int) or not DURATION_MIN <= values.duration_minutes <= DURATION_MAX:
        raise InvalidInput(_("La durée va de %(min)d à %(max)d minutes.", min=DURATION_MIN, max=DURATION_MAX))
    if len(values.description or "") > TEXT_MAX:
        raise InvalidInput(too_long(len(values.description), TEXT_MAX, _("Description")))
    speakers = [name.strip() for name in values.speakers if name.strip()]
    if len(speakers) > SPEAKERS_MAX:
        raise InvalidInput(_("Indiquez %(max)d intervenants au plus (la liste en compte %(count)d).", max=SPEAKERS_MAX,
                             count=len(speakers)))
    too_long_name = next((name for name in speakers if len(name) > SPEAKER_MAX), None)
    if too_long_name is not None:
        shown = too_long_name[:39] + "…"  # enough to find the line in the list
        raise InvalidInput(_("Le nom d'intervenant « %(name)s » accepte %(max)d caractères au maximum (il en compte "
                             "%(length)s).", name=shown, max=SPEAKER_MAX, length=format_number(len(too_long_name))))
    themes = list(db.session.scalars(select(Theme).where(Theme.id.in_(values.theme_ids)))) if values.theme_ids else []
    if len(themes) != len(set(values.theme_ids)):
        raise InvalidInput(_("L'un des thèmes choisis n'existe pas."))
    if webinar is None:
        resent = resent_entry(Webinar, actor, title=title, starts_at=values.starts_at,
                              description=(values.description or "").strip())
        if resent is not None:
            db.session.commit()  # ends the hold
            return resent
        webinar = Webinar(author_id=actor.id)
        db.session.add(webinar)
        previous = None
    else:
        previous = (webinar.starts_at, webinar.duration_minutes, webinar.join_url)
    webinar.title, webinar.starts_at, webinar.duration_minutes = title, values.starts_at, values.duration_minutes
    webinar.description, webinar.speakers = (values.description or "").strip(), speakers
    webinar.slides_url = _url(values.slides_url, _("Diaporama"))
    webinar.recording_url = _url(values.recording_url, _("Enregistrement"))
    webinar.join_url = _url(values.join_url, _("Lien de connexion"))
    webinar.themes = themes
    db.session.flush()
    event = record_event("webinar_saved", actor, webinar_id=webinar.id)
    if previous is not None:
        _queue_change_notices(webinar, *previous, event)
    db.session.commit()
    return webinar


def _queue_change_notices(webinar: Webinar, starts_at: datetime, duration_minutes: int, join_url: str,
                          event: Event) -> None:
    """Tell the registered active members of a webinar not over yet that its time, duration or connection link
    changed (`starts_at`... are the previous values), once per change; other changes are not worth a mail."""
    time_changed = (starts_at, duration_minutes) != (webinar.starts_at, webinar.duration_minutes)
    link_changed = join_url != webinar.join_url
    if not (time_changed or link_changed) or webinar.status == "past":
        return
    db.session.flush()
    members = db.session.scalars(select(User).join(WebinarRegistration, WebinarRegistration.user_id == User.id)
                                 .where(WebinarRegistration.webinar_id == webinar.id, User.active).order_by(User.id))
    for user in members:
        _queue_webinar_mail(webinar, user, "webinar_changed", _l("Webinaire modifié : %(title)s"),
                            f"webinar-changed:{event.id}:{user.id}", time_changed=time_changed,
                            link_changed=link_changed, previous_starts_at=starts_at)


def upcoming_and_past() -> tuple[list[Webinar], list[Webinar]]:
    """Webinars not ended yet (soonest first) and past ones (latest first)."""
    webinars = db.session.scalars(select(Webinar).order_by(Webinar.starts_at)).all()
    return ([webinar for webinar in webinars if webinar.status != "past"],
            [webinar for webinar in reversed(webinars) if webinar.status == "past"])


def connection_link(webinar: Webinar, user) -> str | None:
    """The webinar's connection link if `user` may see it: staff, or a member registered to it, until it ends."""
    if not webinar.join_url or webinar.status == "past" or not getattr(user, "is_authenticated", False):
        return None
    if not user.is_active or not (user.is_staff or user.is_member and is_registered(webinar, user)):
        return None
    return webinar.join_url


def may_download_calendar(webinar: Webinar, user: User) -> bool:
    """Staff and registered members may add the webinar to their calendar."""
    return user.is_staff or user.is_member and is_registered(webinar, user)


def is_registered(webinar: Webinar, user: User) -> bool:
    """Whether the user registered interest in this webinar."""
    return db.session.scalar(select(WebinarRegistration.id).where(
        WebinarRegistration.webinar_id == webinar.id, WebinarRegistration.user_id == user.id)) is not None


def registered_ids(user: User) -> set[int]:
    """The ids of the webinars the user registered interest in (the list marks them)."""
    return set(db.session.scalars(select(WebinarRegistration.webinar_id).where(WebinarRegistration.user_id == user.id)))


def registration_count(webinar: Webinar) -> int:
    """How many members registered interest."""
    return db.session.scalar(select(func.count()).select_from(WebinarRegistration).where(
        WebinarRegistration.webinar_id == webinar.id))


def register_interest(webinar: Webinar, user: User) -> bool:
    """A member registers interest in a webinar, once, until it ends: a member arriving while it is under way gets
    the connection link to join it. False when they were already registered (a second click, another tab): nothing
    changes and no second mail is sent."""
    if not user.is_member:
        raise Forbidden(_("L'inscription aux webinaires est réservée aux membres."))
    ensure_membership_active(user)
    if webinar.status == "past":
        raise InvalidInput(_("Ce webinaire a déjà eu lieu, l'inscription est fermée."))
    if is_registered(webinar, user):
        return False
    registration = WebinarRegistration(webinar_id=webinar.id, user_id=user.id)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:  # the same member's other request registered them meanwhile
        db.session.rollback()
        return False
    _queue_webinar_mail(webinar, user, "webinar_registered", _l("Inscription confirmée : %(title)s"),
                        f"webinar-registered:{registration.id}")
    db.session.commit()
    return True


def _queue_webinar_mail(webinar: Webinar, user: User, template: str, subject: LazyString, dedupe_key: str,
                        **context) -> bool:
    """Queue a mail about the webinar to a registered member, in their language: its date in Paris time, its page,
    its calendar file and the connection link if there is one yet (`context`: more for the template); False if it
    was already queued."""
    return queue_email(to=user, kind=template, template=template, subject=lazy_format(subject, title=webinar.title),
                dedupe_key=dedupe_key, context={
                    "webinar": webinar, "join_url": webinar.join_url or None,
                    "webinar_url": absolute_url("webinars.detail", webinar_id=webinar.id),
                    "calendar_url": absolute_url("webinars.calendar", webinar_id=webinar.id), **context}) is not None


def queue_reminders() -> int:
    """Queue the day-before reminder of each webinar starting within REMINDER_AHEAD to its registered active
    members, once each (run hourly from cron); return how many were queued."""
    now = utcnow()
    rows = db.session.execute(
        select(Webinar, User).join(WebinarRegistration, WebinarRegistration.webinar_id == Webinar.id)
        .join(User, User.id == WebinarRegistration.user_id)
        .where(Webinar.starts_at > now, Webinar.starts_at <= now + REMINDER_AHEAD, User.active)
        .order_by(Webinar.id, User.id)).all()
    queued = 0
    for webinar, user in rows:
        key = f"webinar-reminder:{webinar.id}:{user.id}:{webinar.starts_at:%Y%m%d%H%M}"
        if _queue_webinar_mail(webinar, user, "webinar_reminder", _l("Rappel du webinaire : %(title)s"), key):
            queued += 1
    db.session.commit()
    return queued


def cancel_registration(webinar: Webinar, user: User) -> int:
    """A member withdraws their registration, and with it the questions they sent ahead while these may still be
    withdrawn (before the webinar starts); return how many questions were withdrawn."""
    registration = db.session.scalar(select(WebinarRegistration).where(
        WebinarRegistration.webinar_id == webinar.id, WebinarRegistration.user_id == user.id))
    if registration is None:
        raise InvalidInput(_("Vous n'êtes pas inscrit(e) à ce webinaire."))
    withdrawn = questions_withdrawn_on_cancel(webinar, user)
    for question in withdrawn:
        db.session.delete(question)
    db.session.delete(registration)
    db.session.commit()
    return len(withdrawn)


def questions_withdrawn_on_cancel(webinar: Webinar, user: User) -> list[WebinarQuestion]:
    """The questions cancelling the registration withdraws: those sent ahead, until the webinar starts."""
    return own_questions(webinar, user) if webinar.status == "upcoming" else []


def send_question(webinar: Webinar, user: User, text: str) -> WebinarQuestion:
    """A registered member sends a question ahead of the webinar, for the speakers to prepare it; the same text sent
    again (or twice at once) is the question already sent."""
    if not user.is_member:
        raise Forbidden(_("L'envoi de questions est réservé aux membres inscrits."))
    ensure_membership_active(user)
    if webinar.status != "upcoming":
        raise InvalidInput(_("Ce webinaire a commencé, les questions ne peuvent plus être envoyées à l'avance."))
    if not is_registered(webinar, user):
        raise InvalidInput(_("Inscrivez-vous au webinaire pour envoyer une question à l'avance."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Écrivez votre question."))
    if len(text) > QUESTION_MAX:
        raise InvalidInput(too_long(len(text), QUESTION_MAX, _("Votre question")))
    hold_submissions(user)
    sent = own_questions(webinar, user)
    resent = next((question for question in sent if question.text == text), None)
    if resent is not None:
        db.session.commit()  # ends the hold
        return resent  # sent again (a double click, the form posted again): one question for the speakers
    if len(sent) >= QUESTIONS_PER_MEMBER:
        raise InvalidInput(_("Vous avez déjà envoyé %(max)d questions pour ce webinaire.", max=QUESTIONS_PER_MEMBER))
    question = WebinarQuestion(webinar_id=webinar.id, user_id=user.id, text=text)
    db.session.add(question)
    db.session.commit()
    return question


def own_questions(webinar: Webinar, user: User) -> list[WebinarQuestion]:
    """The questions this user sent ahead of the webinar, oldest first."""
    return list(db.session.scalars(select(WebinarQuestion).where(
        WebinarQuestion.webinar_id == webinar.id, WebinarQuestion.user_id == user.id).order_by(WebinarQuestion.id)))


def questions_sent(webinar: Webinar, actor: User) -> list[WebinarQuestion]:
    """Every question sent ahead of the webinar, with its member and structure, for staff preparing it."""
    if not actor.is_staff:
        raise Forbidden(_("Seuls les juristes voient les questions envoyées par les membres."))
    return list(db.session.scalars(select(WebinarQuestion).where(WebinarQuestion.webinar_id == webinar.id)
                                   .options(selectinload(WebinarQuestion.user).selectinload(User.structure))
                                   .order_by(WebinarQuestion.id)))


def registrants(webinar: Webinar, actor: User) -> list[User]:
    """The members registered for the webinar, with their structure, by structure then name, for staff."""
    if not actor.is_staff:
        raise Forbidden(_("Seuls les juristes voient les inscrits d'un webinaire."))
    return list(db.session.scalars(
        select(User).join(WebinarRegistration, WebinarRegistration.user_id == User.id)
        .where(WebinarRegistration.webinar_id == webinar.id).outerjoin(User.structure)
        .options(selectinload(User.structure))
        .order_by(french_order(Structure.name), french_order(User.name), User.id)))


def withdrawable_question(webinar: Webinar, question_id: int, user: User) -> WebinarQuestion:
    """One of the member's questions sent ahead, while it may still be withdrawn (before the webinar starts);
    another's is not found."""
    question = db.session.get(WebinarQuestion, question_id)
    if question is None or question.webinar_id != webinar.id or question.user_id != user.id:
        raise NotFound(_("Cette question est introuvable."))
    if webinar.status != "upcoming":
        raise InvalidInput(_("Ce webinaire a commencé, vos questions ne peuvent plus être retirées."))
    return question


def delete_question(webinar: Webinar, question_id: int, user: User) -> None:
    """A member withdraws one of their questions before the webinar starts (another's is not found)."""
    db.session.delete(withdrawable_question(webinar, question_id, user))
    db.session.commit()


def add_question_answer(webinar: Webinar, question: str, answer: str, actor: User) -> Article:
    """Publish one question of the webinar's Q&A with its answer as a members' FAQ resource linked to it."""
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or not answer:
        raise InvalidInput(_("La question et la réponse sont obligatoires."))
    if len(question) > TITLE_MAX:
        raise InvalidInput(too_long(len(question), TITLE_MAX, _("Question posée")))
    if len(answer) > TEXT_MAX:
        raise InvalidInput(too_long(len(answer), TEXT_MAX, _("Réponse (Markdown)")))
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
