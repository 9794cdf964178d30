"""Failed authentication attempts, per account, per trusted device and per client address, shared by every worker."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check

THROTTLED_ACTIONS = ("login", "password_reset")
THROTTLE_SCOPES = ("account", "address", "device")


class AuthThrottle(db.Model):
    """Recent failures of one account (or one trusted device, or one address) at one action, and until when it is
    locked.

    The account or address is stored as a keyed hash: the table never holds typed emails or IP addresses.
    """

    __tablename__ = "auth_throttle"
    __table_args__ = (
        UniqueConstraint("action", "scope", "key_hash", name="uq_auth_throttle_key"),
        enum_check("action", THROTTLED_ACTIONS, "action"),
        enum_check("scope", THROTTLE_SCOPES, "scope"),
        CheckConstraint("failures >= 0", name="failures_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(10))
    key_hash: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    def __repr__(self) -> str:
        return f"<AuthThrottle {self.action} {self.scope} {self.failures}>"
