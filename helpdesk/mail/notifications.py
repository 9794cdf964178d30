"""Who is told what by email, decided for each recorded event in the event's own transaction.

| event                        | recipients                                            | essential |
|------------------------------|-------------------------------------------------------|-----------|
| question filed               | its assigned (routed) jurist, else every active jurist not away (all if all are) | routed: yes; team: no |
| question recorded for a member (phone, email) | also that member, with the link to follow it | yes |
| question assigned            | the new assignee (unless they assigned themselves)     | yes |
| jurist's public reply        | the structure's members: "answered" or "waiting"       | yes |
| member's reply               | the assigned jurist; the team (not away, all if all are) while they are away | yes |
| still waiting on the member, to be closed soon (`flask triage close-inactive`) | the structure's members | yes |
| question closed              | the structure's members and the assignee              | no  |
| question closed by a merge   | the structure's members and the assignee              | yes |
| internal note, anything else | nobody                                                | —   |

Besides, the jurists following a question (helpdesk.triage.following) are told of its replies, internal notes,
reassignments, closing, reopening and the questions merged into it ("followed_activity", essential: they asked for
it), unless the table already mails them about that event.

The person who acted is never mailed. Users who opted out of non-essential mail
don't get those; users who chose the daily digest get theirs held for `flask mail digest`.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel.speaklater import LazyString
from sqlalchemy import select

from helpdesk.errors import InvalidInput
from helpdesk.events import record_event, subscribe
from helpdesk.extensions import db
from helpdesk.mail import outbox
from helpdesk.mail.outbox import MailSubject, digest_subject, queue_email
from helpdesk.markers import N_
from helpdesk.models import NOTIFY_MODES, Event, Message, OutboxEmail, Ticket, User
from helpdesk.translation import gettext as _
from helpdesk.triage import following
from helpdesk.triage.absence import paris_today


@dataclass(frozen=True)
class Notice:
    """One kind of notification: its template, subject and whether users may opt out of it."""

    template: str
    subject: str  # French, marked with N_, with %(subject)s, the question's subject
    essential: bool


FILED_FOR_TEAM = Notice("question_filed", N_("Nouvelle question : %(subject)s"), essential=False)
FILED_FOR_ASSIGNEE = Notice("question_filed", N_("Nouvelle question pour vous : %(subject)s"), essential=True)
# A jurist recorded a question received by phone or email: its author learns where to follow it.
RECORDED = Notice("question_recorded", N_("Votre question est enregistrée : %(subject)s"), essential=True)
ASSIGNED = Notice("question_assigned", N_("Question qui vous est attribuée : %(subject)s"), essential=True)
ANSWERED = Notice("answered", N_("Réponse à votre question : %(subject)s"), essential=True)
WAITING = Notice("waiting", N_("Précisions attendues sur votre question : %(subject)s"), essential=True)
# A week (AUTO_CLOSE_REMINDER_DAYS) before a question waiting for its member is closed for lack of news.
REMINDED = Notice("close_reminder", N_("Votre réponse est toujours attendue : %(subject)s"), essential=True)
MEMBER_REPLIED = Notice("member_replied", N_("Nouveau message du membre : %(subject)s"), essential=True)
CLOSED = Notice("closed", N_("Question clôturée : %(subject)s"), essential=False)
# A merge closes the duplicate: its members must learn where the question goes on (the page or the mail names
# the question kept only to those who may open it).
MERGED = Notice("closed", N_("Question fusionnée avec une autre : %(subject)s"), essential=True)
# To the jurists following the question; the mail says what happened (the event's kind, kept in its context).
FOLLOWED = Notice("followed_activity", N_("Question suivie : %(subject)s"), essential=True)
# The events of a question its followers are mailed about. Not the status changes nor the claims that come with a
# reply (its mail says who answered), nor a status set by hand, which says little without a message.
FOLLOWED_EVENTS = ("reply", "note", "assigned", "unassigned", "closed", "reopened", "merged_from")


def _structure_members(ticket: Ticket) -> list[User]:
    """Active members of the question's structure."""
    return list(db.session.scalars(select(User).where(
        User.structure_id == ticket.structure_id, User.role == "member", User.active).order_by(User.id)))


# Read at every filing: built once (its cache key with it).
_JURISTS = select(User).where(User.role == "jurist", User.active).order_by(User.id)


def _active_jurists() -> list[User]:
    """The team: every active jurist not away today; if all are away, all of them (a question must reach someone)."""
    today = paris_today()
    jurists = list(db.session.scalars(_JURISTS))
    return [jurist for jurist in jurists if not jurist.away_on(today)] or jurists


def recipients_for(event: Event, ticket: Ticket) -> list[tuple[User, Notice, Message | None]]:
    """The users to notify of this event, each with the notice to send and the message concerned: those the table
    names, then the question's followers not among them."""
    recipients = _table_recipients(event, ticket)
    if event.kind in FOLLOWED_EVENTS:
        told = {user.id for user, _notice, _message in recipients}
        message = db.session.get(Message, event.data["message_id"]) if "message_id" in event.data else None
        recipients += [(user, FOLLOWED, message) for user in following.followers(ticket) if user.id not in told]
    return recipients


def _table_recipients(event: Event, ticket: Ticket) -> list[tuple[User, Notice, Message | None]]:
    """The users the module's table names for this event, each with the notice to send and the message concerned."""
    if event.kind == "created":
        author = [(ticket.author, RECORDED, None)] if "on_behalf_of" in event.data else []
        if ticket.assignee is not None:
            return author + [(ticket.assignee, FILED_FOR_ASSIGNEE, None)]
        return author + [(jurist, FILED_FOR_TEAM, None) for jurist in _active_jurists()]
    if event.kind == "assigned":
        return [(ticket.assignee, ASSIGNED, None)] if ticket.assignee is not None else []
    if event.kind == "reply":
        message = db.session.get(Message, event.data["message_id"])
        if message.author.is_member:
            if ticket.assignee is not None and ticket.assignee.away_on(paris_today()):
                return [(jurist, MEMBER_REPLIED, message) for jurist in _active_jurists()]
            return [(ticket.assignee, MEMBER_REPLIED, message)] if ticket.assignee is not None else []
        notice = WAITING if ticket.status == "waiting" else ANSWERED
        return [(member, notice, message) for member in _structure_members(ticket)]
    if event.kind == "close_reminder":
        asked = db.session.get(Message, event.data["message_id"]) if event.data.get("message_id") else None
        return [(member, REMINDED, asked) for member in _structure_members(ticket)]
    if event.kind == "closed":
        people = _structure_members(ticket) + ([ticket.assignee] if ticket.assignee is not None else [])
        notice = MERGED if ticket.merged_into_id is not None else CLOSED
        return [(person, notice, None) for person in people]
    return []


@subscribe
def queue_notifications(event: Event, ticket: Ticket | None) -> None:
    """Queue the notifications of a question's event in the outbox, in the event's transaction."""
    if ticket is None:
        return
    actor_id = event.actor.id if event.actor is not None else None
    wanted = [(user, notice, message) for user, notice, message in recipients_for(event, ticket)
              if user.active and user.id != actor_id and (notice.essential or user.notify_optional)]
    if wanted:
        # One subject per notice, shared by its recipients: the outbox translates it once per language.
        subjects = {id(notice): MailSubject(notice.subject, {"subject": ticket.subject}) for _user, notice, _m in wanted}
        outbox.queue_event_mail(event, ticket, [
            outbox.Notification(recipient=user, kind=notice.template, subject=subjects[id(notice)],
                                held=user.notify_mode == "digest",
                                context={"actor_id": actor_id, "message_id": message.id if message else None,
                                         **({"closes_on": event.data["closes_on"]} if "closes_on" in event.data
                                            else {}),
                                         **(_followed_context(event, ticket) if notice is FOLLOWED else {})})
            for user, notice, message in wanted])


def _followed_context(event: Event, ticket: Ticket) -> dict:
    """What a follower's mail says happened: the event's kind, and the reference of a question merged in or the jurist
    it was assigned to (kept: the mail is written when sent, the question may have moved on by then)."""
    return {"activity": event.kind, **({"source": event.data["source"]} if "source" in event.data else {}),
            **({"assignee_id": ticket.assignee_id} if event.kind == "assigned" else {})}


@subscribe
def follow_account_changes(event: Event, ticket: Ticket | None) -> None:
    """An admin changed an account or deactivated it: its waiting mail follows (new address, cancelled when about a
    question it may no longer open), in the change's transaction."""
    if event.kind in ("user_updated", "user_deactivated"):
        outbox.follow_account_change(db.session.get(User, event.data["user_id"]))


def send_digests(today: date) -> int:
    """Queue one digest mail per user with held notifications, marking them digested; return how many."""
    held = db.session.scalars(select(OutboxEmail).where(OutboxEmail.status == "held")
                              .order_by(OutboxEmail.recipient_id, OutboxEmail.id)).all()
    by_user: dict[int | None, list[OutboxEmail]] = {}
    for row in held:
        by_user.setdefault(row.recipient_id, []).append(row)
    queued = 0
    for rows in by_user.values():
        user = rows[0].recipient
        if user is not None and user.active:
            count = len(rows)
            # Written again when sent, from the rows summarised: a question anonymised meanwhile is not quoted, and
            # the whole mail is in the language the recipient has chosen by then.
            queue_email(to=user, kind="digest", template="digest", subject=LazyString(digest_subject, today, count),
                        context={"rows": [row.id for row in rows], "date": today.isoformat()},
                        dedupe_key=f"digest:{user.id}:{rows[-1].id}", render_when_sent=True)
            queued += 1
        for row in rows:
            row.status = "digested"
    db.session.commit()
    return queued


def set_preferences(user: User, mode: str, optional: bool) -> None:
    """Save how the user wants notifications: immediately or in a daily digest, with or without secondary ones."""
    if mode not in NOTIFY_MODES:
        raise InvalidInput(_("Choisissez une fréquence proposée."))
    user.notify_mode, user.notify_optional = mode, bool(optional)
    record_event("notification_preferences_changed", user, user_id=user.id, mode=mode, optional=bool(optional))
    db.session.commit()
