"""Personal access tokens of the JSON API."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow
from helpdesk.translation import lazy_gettext as _l

TOKEN_SCOPES = {"read": _l("Lecture"), "write": _l("Lecture et écriture")}


class ApiToken(db.Model):
    """A user's bearer token: only its SHA-256 is stored, found by its public prefix."""

    __tablename__ = "api_token"
    __table_args__ = (
        enum_check("scope", TOKEN_SCOPES, "scope"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        CheckConstraint("length(token_hash) = 64", name="token_hash_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Fixed-window rate limit: the window's start and the requests counted in it.
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user = relationship("User")

    @property
    def scope_label(self) -> str:
        """The scope in words."""
        return str(TOKEN_SCOPES[self.scope])

    def is_usable(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} {self.scope} of {self.user_id}>"
