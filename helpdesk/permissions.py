"""The one place that decides who may see or do what."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from helpdesk.errors import Forbidden, NotFound
from helpdesk.extensions import db
from helpdesk.models import Attachment, Ticket, User
from helpdesk.models.ticket import canonical_reference
from helpdesk.translation import gettext as _


def staff_required(view):
    """Restrict a view to jurists and admins (403 for others)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Restrict a view to admins (403 for others)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def member_required(view):
    """Restrict a view to members of a structure (403 for others)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_member:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def can_view_ticket(user: User, ticket: Ticket) -> bool:
    """Staff see every question; members only their structure's."""
    if not user.is_active:
        return False
    if user.is_staff:
        return True
    return user.is_member and ticket.structure_id == user.structure_id


def can_see_internal(user) -> bool:
    """Jurists and admins see internal notes and events, service-level deadlines, and questions of every structure."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def visible_tickets(user: User) -> Select:
    """A SELECT of the questions `user` may see."""
    query = select(Ticket)
    if user.is_staff:
        return query
    return query.where(Ticket.structure_id == user.structure_id)


def get_visible_ticket(user: User, reference: str) -> Ticket:
    """The question with this reference if `user` may see it; NotFound otherwise (no existence leak)."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    if ticket is None or not can_view_ticket(user, ticket):
        raise NotFound(_("Cette question est introuvable."))
    return ticket


def get_typed_ticket(user: User, typed: str) -> Ticket:
    """The question whose reference `typed` is, written as questions carry it or typed in lower case or without its
    zeros (« q-2026-141 »), if `user` may see it; NotFound otherwise, whatever the form typed."""
    return get_visible_ticket(user, canonical_reference(typed) or typed)


def membership_active(user: User) -> bool:
    """Whether the user may write as a member: staff, and members of a structure whose membership is active (the
    others still log in and read their structure's questions)."""
    return not user.is_member or user.structure.active


def ensure_membership_active(user: User) -> None:
    """Members of an inactive structure read but write nothing: no question, reply, rating or webinar registration."""
    if not membership_active(user):
        raise Forbidden(_("L'adhésion de votre structure n'est pas active. Vous pouvez consulter vos questions, "
                          "mais plus en poser, y répondre, donner votre avis ni vous inscrire aux webinaires. "
                          "Contactez la fédération."))


def ensure_can_file(user: User) -> None:
    """Only members of an active structure file questions."""
    if not user.is_member:
        raise Forbidden(_("Seuls les membres d'une structure adhérente peuvent poser une question."))
    ensure_membership_active(user)


def ensure_member(user: User) -> None:
    """Member-only pages (their structure's question list) refuse staff."""
    if not user.is_member:
        raise Forbidden(_("Cette page est réservée aux membres d'une structure adhérente."))


def ensure_staff(user: User) -> None:
    """Jurist-only actions (claim, assign, notes, status) refuse everyone else."""
    if not user.is_staff:
        raise Forbidden(_("Cette action est réservée aux juristes."))


def ensure_admin(user) -> None:
    """Administration actions (journal export, anonymisation, service levels, routing rules) refuse everyone but
    active, logged-in admins."""
    if not (user.is_authenticated and user.is_active and user.is_admin):
        raise Forbidden(_("Cette action est réservée aux administrateurs."))


def ensure_can_delete_question(user: User) -> None:
    """Deleting a question and its files is an administrator's decision."""
    if not user.is_admin:
        raise Forbidden(_("Seuls les administrateurs peuvent supprimer une question."))


MEMBER_ARTICLE_VISIBILITIES = ("public", "members")


def article_visibilities(user) -> tuple[str, ...]:
    """Audiences whose resources `user` may read: anonymous public, members + members, staff all."""
    if not user.is_authenticated:
        return ("public",)
    if user.is_staff:
        return ("public", "members", "jurists")
    return MEMBER_ARTICLE_VISIBILITIES


def article_statuses(user) -> tuple[str, ...]:
    """Resource statuses `user` may read: drafts and archives are for staff."""
    if user.is_authenticated and user.is_staff:
        return ("draft", "published", "archived")
    return ("published",)


def can_view_article(user, article) -> bool:
    """Whether `user` may read this resource."""
    return article.visibility in article_visibilities(user) and article.status in article_statuses(user)


def ensure_can_edit_articles(user) -> None:
    """Only jurists and admins write resources."""
    if not (user.is_authenticated and user.is_staff):
        raise Forbidden(_("La rédaction des ressources est réservée à l'équipe juridique."))


def can_view_attachment(user, attachment: Attachment) -> bool:
    """A file follows its parent: the question, the message (members never get a note's) or the resource."""
    if attachment.article is not None:
        return can_view_article(user, attachment.article)
    if not user.is_authenticated:
        return False
    if attachment.message is not None:
        message = attachment.message
        return can_view_ticket(user, message.ticket) and (user.is_staff or not message.internal)
    return can_view_ticket(user, attachment.ticket)


def get_visible_attachment(user, attachment_id: int) -> Attachment:
    """The attachment if `user` may download it; NotFound otherwise (no existence leak)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_view_attachment(user, attachment):
        raise NotFound(_("Ce fichier est introuvable."))
    return attachment


def ensure_can_remove_attachment(user, attachment: Attachment) -> None:
    """Resource files can be withdrawn by the team; files of questions stay with their history."""
    if attachment.article is None:
        raise Forbidden(_("Les fichiers d'une question ne peuvent pas être retirés."))
    ensure_can_edit_articles(user)


def ensure_can_read_statistics(user) -> None:
    """Activity statistics and exports are for jurists and admins."""
    if not (user.is_authenticated and user.is_staff):
        raise Forbidden(_("Les statistiques sont réservées à l'équipe juridique."))


def can_read_health_details(user) -> bool:
    """Admins read the health figures (counts of questions and resources, mail backlog) from anywhere."""
    return bool(user.is_authenticated and user.is_active and user.is_admin)


def can_export_personal_data(user) -> bool:
    """Only admins export the names and emails of members and the SIRET of structures."""
    return user.is_authenticated and user.is_admin
