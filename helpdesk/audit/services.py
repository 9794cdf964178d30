"""Recording sensitive reads and downloads, and querying and exporting the journal."""
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload
from flask_babel import lazy_gettext as _l

from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import Attachment, Event, Ticket, User
from helpdesk.permissions import can_see_internal, ensure_admin

PARIS = ZoneInfo("Europe/Paris")
KIND_LABELS = {
    "login": _l("Connexion"), "login_failed": _l("Échec de connexion"), "logout": _l("Déconnexion"),
    "password_changed": _l("Changement de mot de passe"), "user_created": _l("Création de compte"),
    "user_activated": _l("Réactivation de compte"), "user_deactivated": _l("Désactivation de compte"),
    "user_anonymised": _l("Anonymisation d'un compte"), "structure_created": _l("Création de structure"),
    "structure_updated": _l("Modification de structure"), "structure_anonymised": _l("Anonymisation d'une structure"),
    "theme_created": _l("Création de thème"), "theme_updated": _l("Modification de thème"),
    "question_viewed": _l("Consultation d'une question"), "attachment_downloaded": _l("Téléchargement d'une pièce jointe"),
    "attachment_removed": _l("Retrait d'un fichier de ressource"), "audit_exported": _l("Export du journal d'audit"),
    "personal_data_exported": _l("Export de données personnelles"), "question_deleted": _l("Suppression d'une question"),
    "retention_anonymised": _l("Anonymisation par durée de conservation"),
    "created": _l("Question posée"), "claimed": _l("Question prise"), "assigned": _l("Assignation"), "unassigned": _l("Désassignation"),
    "status_changed": _l("Changement de statut"), "closed": _l("Clôture"), "reopened": _l("Réouverture"),
    "reply": _l("Réponse"), "note": _l("Note interne"), "article_saved": _l("Ressource enregistrée"),
    "article_status": _l("Statut de ressource"),
}


def record_question_read(viewer: User, ticket: Ticket) -> None:
    """A jurist or an admin opened a question: log it (members reading their own structure's are not)."""
    if can_see_internal(viewer):
        record_event("question_viewed", viewer, ticket)
        db.session.commit()


def record_download(user, attachment: Attachment) -> None:
    """Log a logged-in user's download (public resource files fetched anonymously are not)."""
    if not user.is_authenticated:
        return
    ticket = attachment.ticket or (attachment.message.ticket if attachment.message else None)
    record_event("attachment_downloaded", user, ticket, attachment_id=attachment.id,
                 article_id=attachment.article_id, filename=attachment.filename)
    db.session.commit()


@dataclass(frozen=True)
class JournalFilters:
    """What the admin is looking for: an event kind, a user (email or name), a period in Paris days."""

    kind: str | None = None
    user: str | None = None
    start: date | None = None
    end: date | None = None


def _paris_midnight(day: date) -> datetime:
    """The start of a day in Paris, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=PARIS)


def journal_query(filters: JournalFilters) -> Select:
    """The events matching the filters, newest first."""
    query = select(Event).options(selectinload(Event.actor), selectinload(Event.ticket)).order_by(Event.created_at.desc(), Event.id.desc())
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.user:
        pattern = f"%{filters.user.strip().lower()}%"
        query = query.join(User, Event.actor_id == User.id).where(
            or_(User.email.ilike(pattern), User.name.ilike(pattern)))
    if filters.start:
        query = query.where(Event.created_at >= _paris_midnight(filters.start))
    if filters.end:
        query = query.where(Event.created_at < _paris_midnight(filters.end + timedelta(days=1)))
    return query


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_journal(filters: JournalFilters, actor: User) -> str:
    """The filtered journal as CSV (semicolon-separated, for French spreadsheets); the export is itself logged."""
    ensure_admin(actor)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["date", "type", "libellé", "utilisateur", "e-mail", "question", "détails"])
    for event in db.session.scalars(journal_query(filters).execution_options(yield_per=1000)):
        writer.writerow([_cell(value) for value in (
            event.created_at.astimezone(PARIS).isoformat(timespec="seconds"), event.kind,
            KIND_LABELS.get(event.kind, event.kind), event.actor.name if event.actor else "",
            event.actor.email if event.actor else "", event.ticket.reference if event.ticket else "",
            ", ".join(f"{key}={value}" for key, value in sorted((event.data or {}).items())))])
    record_event("audit_exported", actor, filter_kind=filters.kind, filter_user=filters.user,
                 start=filters.start.isoformat() if filters.start else None,
                 end=filters.end.isoformat() if filters.end else None)
    db.session.commit()
    return buffer.getvalue()
