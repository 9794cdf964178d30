"""Personal data operations: export a member's data, anonymise users, structures and old questions.

Anonymising keeps the rows that statistics count (question, status, theme, structure type and region,
dates) and removes what identifies or describes a person: names, emails, texts, files, addresses, and the
copies of them in mail sent, to send or received.
"""
import io
import json
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from helpdesk.admin.imports import expired_previews, remove_expired_previews
from helpdesk.attachments.services import remove_attachments, stored_path, ticket_attachments
from helpdesk.auth.services import release_questions
from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.models import (NOTIFY_MODES, ApiToken, Attachment, Event, InboundEmail, Message, OutboxEmail,
                             Satisfaction, Structure, Theme, ThemeSubscription, Ticket, TicketFollower, User, Webinar,
                             WebinarQuestion, WebinarRegistration)
from helpdesk.models._types import utcnow
from helpdesk.models.user import new_session_token
from helpdesk.permissions import can_view_ticket, ensure_admin
from helpdesk.search.analysis import STOP_WORDS, fold
from helpdesk.translation import gettext as _

REMOVED_TEXT = "[Contenu supprimé : données personnelles anonymisées]"
REMOVED_SUBJECT = "[Question anonymisée]"
REMOVED_MAIL_SUBJECT = "[Courriel anonymisé]"
# Outbox statuses of mail that has not gone (yet): anonymising cancels it.
UNSENT_STATUSES = ("pending", "sending", "held", "failed")
PERSONAL_EVENT_KEYS = ("address", "filename", "previous", "assignee")
# Events carrying a client address, dropped after LOGIN_ADDRESS_RETENTION_DAYS.
ADDRESS_KINDS = ("login", "login_failed", "session_network_changed")


def _iso(moment) -> str | None:
    """A date for JSON."""
    return moment.isoformat() if moment else None


def personal_data(user: User) -> dict:
    """Everything the help desk holds about a member, as JSON-ready data."""
    questions = db.session.scalars(select(Ticket).where(Ticket.author_id == user.id).order_by(Ticket.id)).all()
    own_messages = db.session.scalars(select(Message).where(Message.author_id == user.id, Message.internal.is_(False))
                                      .order_by(Message.id)).all()
    events = db.session.scalars(select(Event).where(Event.actor_id == user.id, Event.kind.in_(
        ("login", "login_failed", "logout", "password_changed", "personal_data_exported"))).order_by(Event.id)).all()
    return {
        "compte": {"nom": user.name, "email": user.email, "rôle": user.role_label,
                   "structure": user.structure.name if user.structure else None,
                   "créé_le": _iso(user.created_at), "dernière_connexion": _iso(user.last_login_at)},
        "questions": [{
            "référence": ticket.reference, "objet": ticket.subject, "description": ticket.body,
            "thème": ticket.theme.name if ticket.theme else None, "statut": ticket.status_label,
            "posée_le": _iso(ticket.created_at), "clôturée_le": _iso(ticket.closed_at),
            "échanges": _exchanges(ticket, user),
        } for ticket in questions],
        "messages_sur_d_autres_questions": [
            {"question": message.ticket.reference, "date": _iso(message.created_at), "texte": message.body}
            for message in own_messages if message.ticket.author_id != user.id],
        "fichiers_envoyés": [{"nom": attachment.filename, "taille": attachment.size, "envoyé_le": _iso(attachment.created_at),
                              "dans_l_archive": f"fichiers/{attachment.id}-{attachment.filename}"}
                             for attachment in _uploaded_files(user)],
        "journal_de_connexion": [{"type": event.kind, "date": _iso(event.created_at),
                                  "adresse": (event.data or {}).get("address")} for event in events],
        "préférences": {"langue": user.locale or "fr", "courriels": str(NOTIFY_MODES[user.notify_mode]),
                        "notifications_facultatives": user.notify_optional},
        "abonnements_flash_info": list(db.session.scalars(
            select(Theme.name).join(ThemeSubscription, ThemeSubscription.theme_id == Theme.id)
            .where(ThemeSubscription.user_id == user.id).order_by(french_order(Theme.name)))),
        "questions_suivies": [{"question": reference, "depuis": _iso(since)} for reference, since in db.session.execute(
            select(Ticket.reference, TicketFollower.created_at)
            .join(TicketFollower, TicketFollower.ticket_id == Ticket.id).where(TicketFollower.user_id == user.id)
            .order_by(TicketFollower.created_at, Ticket.id))],
        "webinaires_suivis": [{"webinaire": title, "date": _iso(starts_at), "inscrit_le": _iso(registered_at)}
                              for title, starts_at, registered_at in db.session.execute(
                                  select(Webinar.title, Webinar.starts_at, WebinarRegistration.created_at)
                                  .join(WebinarRegistration, WebinarRegistration.webinar_id == Webinar.id)
                                  .where(WebinarRegistration.user_id == user.id).order_by(WebinarRegistration.id))],
        "questions_envoyées_aux_webinaires": [{"webinaire": title, "date": _iso(starts_at), "question": text,
                                                "envoyée_le": _iso(sent_at)}
                                               for title, starts_at, text, sent_at in db.session.execute(
                                                   select(Webinar.title, Webinar.starts_at, WebinarQuestion.text,
                                                          WebinarQuestion.created_at)
                                                   .join(WebinarQuestion, WebinarQuestion.webinar_id == Webinar.id)
                                                   .where(WebinarQuestion.user_id == user.id)
                                                   .order_by(WebinarQuestion.id))],
        "avis_sur_les_réponses": [{"question": reference, "note": rating, "commentaire": comment,
                                   "date": _iso(created_at)}
                                  for reference, rating, comment, created_at in db.session.execute(
                                      select(Ticket.reference, Satisfaction.rating, Satisfaction.comment,
                                             Satisfaction.created_at)
                                      .join(Ticket, Ticket.id == Satisfaction.ticket_id)
                                      .where(Satisfaction.user_id == user.id).order_by(Satisfaction.id))],
        # A token's secret is never stored: its name, scope and dates only.
        "jetons_api": [{"nom": token.name, "portée": token.scope_label, "créé_le": _iso(token.created_at),
                        "dernière_utilisation": _iso(token.last_used_at), "révoqué_le": _iso(token.revoked_at)}
                       for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                                       .order_by(ApiToken.id))],
    }


def _exchanges(ticket: Ticket, user: User) -> list[dict]:
    """The public messages of a question the user asked: all of them while the user may open it, only the user's own
    once it belongs to a structure they left (its later replies, a colleague's or a jurist's, are that structure's)."""
    readable = can_view_ticket(user, ticket)
    return [{"auteur": message.author.name, "date": _iso(message.created_at), "texte": message.body}
            for message in ticket.messages if not message.internal and (readable or message.author_id == user.id)]


def _uploaded_files(user: User) -> list[Attachment]:
    """Files the user sent."""
    return list(db.session.scalars(select(Attachment).where(Attachment.uploaded_by_id == user.id).order_by(Attachment.id)))


def export_personal_data(user: User) -> bytes:
    """A zip with donnees.json and the files the member sent; the export is logged."""
    data = personal_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        for attachment in _uploaded_files(user):
            path = stored_path(attachment)
            if path.is_file():
                archive.write(path, f"fichiers/{attachment.id}-{attachment.filename}")
    record_event("personal_data_exported", user)
    db.session.commit()
    return buffer.getvalue()


def _scrub_events(query_filter) -> None:
    """Remove addresses, filenames and names from the data of matching events."""
    for event in db.session.scalars(select(Event).where(query_filter)):
        if event.data and any(key in event.data for key in PERSONAL_EVENT_KEYS):
            event.data = {key: value for key, value in event.data.items() if key not in PERSONAL_EVENT_KEYS}


def _scrub_searches_naming(name: str, email: str) -> None:
    """Remove the words of the staff's question searches that name the person: their address, or a word of their
    name of 3 letters or more that is not a stop word (accents and case aside; a search for a namesake goes too,
    which only costs the journal those words)."""
    needles = [re.escape(fold(email))] + [re.escape(word) for word in re.findall(r"\w{3,}", fold(name))
                                           if word not in STOP_WORDS]
    naming = re.compile(r"(?<!\w)(?:" + "|".join(needles) + r")(?!\w)")
    for event in db.session.scalars(select(Event).where(Event.kind == "queue_searched")):
        if event.data and naming.search(fold(str(event.data.get("words", "")))):
            event.data = {key: value for key, value in event.data.items() if key != "words"}


def _replace_bodies(query_filter) -> None:
    """Replace the texts of matching messages (through the ORM, so that the search index follows)."""
    for message in db.session.scalars(select(Message).where(query_filter)):
        message.body = REMOVED_TEXT


def _scrub_outbox(query_filter, address: str | None = None) -> None:
    """Cancel matching outbox mails not sent yet and empty them all (subject, bodies and what they would be rendered
    from); `address`, when given, replaces their recipient's.

    The cancellation is one conditional UPDATE: a mail a sender is handing to the server right now keeps its row
    locked (PostgreSQL) until it is marked sent, and then stays « sent »; any other is never sent."""
    db.session.execute(update(OutboxEmail).where(query_filter, OutboxEmail.status.in_(UNSENT_STATUSES))
                       .values(status="cancelled", claimed_by=None, claimed_at=None)
                       .execution_options(synchronize_session=False))
    for row in db.session.scalars(select(OutboxEmail).where(query_filter)
                                  .execution_options(populate_existing=True)):
        row.subject, row.text_body, row.html_body = REMOVED_MAIL_SUBJECT, REMOVED_TEXT, REMOVED_TEXT
        row.context, row.headers, row.last_error = None, {}, None
        if address is not None:
            row.to_address = address


def _scrub_inbound(query_filter, sender: User | None = None) -> None:
    """Empty matching received mails (subject, text, raw message); `sender`, when given, replaces their sender's
    name and address. Those still waiting for a jurist are discarded: nothing is left to attach."""
    for mail in db.session.scalars(select(InboundEmail).where(query_filter)):
        mail.subject, mail.text, mail.raw, mail.detail = REMOVED_MAIL_SUBJECT, REMOVED_TEXT, b"", ""
        if sender is not None:
            mail.from_address, mail.from_name = sender.email, sender.name
        if mail.status == "pending":
            mail.status = "discarded"


def _anonymise_question(ticket: Ticket, now: datetime) -> None:
    """Replace a question's texts (in its mail too) and delete its files; status, theme, dates and structure stay."""
    remove_attachments(ticket_attachments(ticket))
    ticket.subject = REMOVED_SUBJECT
    ticket.body = REMOVED_TEXT
    _replace_bodies(Message.ticket_id == ticket.id)
    _scrub_events(Event.ticket_id == ticket.id)
    _scrub_outbox(OutboxEmail.ticket_id == ticket.id)
    _scrub_inbound(InboundEmail.ticket_id == ticket.id)
    ticket.anonymised_at = now


def _anonymise_account(user: User, now: datetime) -> None:
    """Replace a user's identity (in the mail to and from them too), end their sessions and make the account
    unusable."""
    former_email = user.email.lower()
    _scrub_searches_naming(user.name, former_email)
    user.name = f"Utilisateur anonymisé {user.id}"
    user.email = f"anonyme-{user.id}@anonymise.invalid"
    user.set_password(secrets.token_urlsafe(32))
    user.session_token = new_session_token()
    user.active = False
    user.anonymised_at = now
    _scrub_events(Event.actor_id == user.id)
    _scrub_outbox(or_(OutboxEmail.recipient_id == user.id, func.lower(OutboxEmail.to_address) == former_email),
                  address=user.email)
    _scrub_inbound(func.lower(InboundEmail.from_address) == former_email, sender=user)


def _anonymise_member_content(user: User, now: datetime) -> None:
    """A member's questions lose their content; their messages elsewhere, their files and the questions they sent
    ahead of webinars go too."""
    for ticket in db.session.scalars(select(Ticket).where(Ticket.author_id == user.id, Ticket.anonymised_at.is_(None))):
        _anonymise_question(ticket, now)
    _replace_bodies(Message.author_id == user.id)
    remove_attachments(_uploaded_files(user))
    for question in db.session.scalars(select(WebinarQuestion).where(WebinarQuestion.user_id == user.id)):
        db.session.delete(question)


def anonymise_user(user: User, actor: User) -> None:
    """An admin removes a person's data: identity, and for members their questions' texts and files."""
    ensure_admin(actor)
    if user.id == actor.id:
        raise InvalidInput(_("Vous ne pouvez pas anonymiser votre propre compte."))
    if user.anonymised_at is not None:
        raise InvalidInput(_("Ce compte est déjà anonymisé."))
    open_questions = list(db.session.scalars(select(Ticket.reference).where(
        Ticket.author_id == user.id, Ticket.status != "closed").order_by(Ticket.id)))
    if user.is_member and open_questions:
        # Their texts would vanish from questions the structure and the team are still working on.
        raise InvalidInput(_("Ce membre a des questions en cours (%(references)s). Clôturez-les avant d'anonymiser "
                             "son compte.", references=", ".join(open_questions)))
    now = utcnow()
    if user.is_member:
        _anonymise_member_content(user, now)
    _anonymise_account(user, now)
    if user.is_staff:  # after the renaming: the history says an anonymised account let them go
        release_questions(user, actor)
    record_event("user_anonymised", actor, user_id=user.id)
    db.session.commit()


def anonymise_structure(structure: Structure, actor: User) -> None:
    """An admin removes a structure's data: its name, its accounts, its questions' texts and files.
    Its type and region stay for statistics; the structure is deactivated."""
    ensure_admin(actor)
    if structure.anonymised_at is not None:
        raise InvalidInput(_("Cette structure est déjà anonymisée."))
    now = utcnow()
    for ticket in db.session.scalars(select(Ticket).where(Ticket.structure_id == structure.id,
                                                          Ticket.anonymised_at.is_(None))):
        _anonymise_question(ticket, now)
    for user in structure.users:
        if user.anonymised_at is None:
            _anonymise_member_content(user, now)
            _anonymise_account(user, now)
    structure.name = f"Structure anonymisée {structure.id}"
    structure.siret = f"{structure.id:014d}"
    structure.active = False
    structure.anonymised_at = now
    record_event("structure_anonymised", actor, structure_id=structure.id)
    db.session.commit()


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run did (or would do)."""

    questions: list[str]
    events: int
    import_previews: int


def apply_retention(years: int, address_days: int, dry_run: bool = False) -> RetentionReport:
    """Anonymise questions closed more than `years` ago, drop client addresses from events older than
    `address_days` and delete the import files previewed but never imported; with dry_run, only report."""
    if years < 1 or address_days < 1:
        raise InvalidInput(_("Les durées de conservation doivent être positives."))
    now = utcnow()
    tickets = db.session.scalars(select(Ticket).where(
        Ticket.status == "closed", Ticket.closed_at < now - timedelta(days=365 * years),
        Ticket.anonymised_at.is_(None)).order_by(Ticket.id)).all()
    old_logins = select(Event).where(Event.created_at < now - timedelta(days=address_days),
                                     Event.kind.in_(ADDRESS_KINDS))
    events = [event for event in db.session.scalars(old_logins) if "address" in (event.data or {})]
    references = [ticket.reference for ticket in tickets]
    if dry_run:
        return RetentionReport(references, len(events), len(expired_previews()))
    for ticket in tickets:
        _anonymise_question(ticket, now)
    for event in events:
        event.data = {key: value for key, value in event.data.items() if key != "address"}
    if tickets or events:
        record_event("retention_anonymised", None, questions=len(tickets), events=len(events), years=years)
    db.session.commit()
    return RetentionReport(references, len(events), remove_expired_previews())
