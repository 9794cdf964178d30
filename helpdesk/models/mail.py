"""Email bookkeeping: the outbox of mail to send, and inbound mail kept for review."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow
from helpdesk.translation import lazy_gettext as _l

# pending: to send; sending: claimed by a sender; sent; failed: gave up (admins see it);
# held: waiting for the recipient's daily digest; digested: summarised in a digest mail;
# cancelled: never to be sent (its recipient or its question was anonymised before it went, its password link
# stopped working, its recipient may no longer read its question).
OUTBOX_STATUSES = {
    "pending": _l("En attente"),
    "sending": _l("En cours d'envoi"),
    "sent": _l("Envoyé"),
    "failed": _l("Échec"),
    "held": _l("Réservé au récapitulatif"),
    "digested": _l("Inclus dans un récapitulatif"),
    "cancelled": _l("Annulé"),
}

# placed: appended to a question; pending: waiting for a jurist; attached/discarded: handled by a jurist.
INBOUND_STATUSES = {
    "placed": _l("Rattaché automatiquement"),
    "pending": _l("À traiter"),
    "attached": _l("Rattaché par un juriste"),
    "discarded": _l("Écarté"),
}
INBOUND_REASONS = {
    "no_reference": _l("Aucune référence de question dans l'objet ni dans les en-têtes."),
    "unknown_ticket": _l("La référence ne correspond à aucune question."),
    "unknown_sender": _l("L'expéditeur n'a pas de compte actif."),
    "not_allowed": _l("L'expéditeur n'a pas accès à cette question."),
    "closed": _l("La question est clôturée."),
    "unverified": _l("Adresse de réponse absente ou non reconnue : expéditeur non vérifié."),
    "wrong_address": _l("Adresse de réponse donnée à une autre personne ou pour une autre question : "
                        "expéditeur non vérifié."),
    "unauthenticated": _l("Le serveur de réception n'a trouvé ni signature DKIM ni validation DMARC du domaine de "
                          "l'expéditeur : expéditeur non vérifié."),
    "auto_reply": _l("Réponse automatique (absence, erreur de distribution)."),
    "empty": _l("Le message ne contient aucun texte après suppression de l'historique cité."),
    "rejected": _l("Le message n'a pas pu être ajouté à la question."),
}


class OutboxEmail(db.Model):
    """An email to deliver, written in the transaction of the change that causes it."""

    __tablename__ = "outbox_email"
    __table_args__ = (
        enum_check("status", OUTBOX_STATUSES, "status"),
        Index("ix_outbox_email_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_email_recipient_status", "recipient_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    # NULL bodies are rendered when the mail is sent, from `kind` (the template), the recipient, the
    # question and the ids in `context` (question notifications: {"actor_id": ..., "message_id": ...}).
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    context: Mapped[dict | None] = mapped_column(JSON)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    recipient = relationship("User")
    ticket = relationship("Ticket")

    @property
    def status_label(self) -> str:
        """The status in words."""
        return str(OUTBOX_STATUSES[self.status])

    def __repr__(self) -> str:
        return f"<OutboxEmail {self.id} {self.kind} to {self.to_address} {self.status}>"


class InboundEmail(db.Model):
    """A received email: placed on a question, or kept for a jurist to attach or discard."""

    __tablename__ = "inbound_email"
    __table_args__ = (
        enum_check("status", INBOUND_STATUSES, "status"),
        enum_check("reason", INBOUND_REASONS, "reason"),
        Index("ix_inbound_email_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    from_address: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket = relationship("Ticket")
    handled_by = relationship("User")

    @property
    def status_label(self) -> str:
        """The status in words."""
        return str(INBOUND_STATUSES[self.status])

    @property
    def reason_label(self) -> str:
        """Why the message was not placed, in words."""
        return str(INBOUND_REASONS.get(self.reason or "", ""))

    def __repr__(self) -> str:
        return f"<InboundEmail {self.id} from {self.from_address} {self.status}>"
