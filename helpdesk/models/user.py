"""User accounts: members, jurists and admins."""
import secrets
from datetime import date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, func, true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from helpdesk.extensions import db
from helpdesk.models._types import UTCDateTime, enum_check, utcnow
from helpdesk.translation import lazy_gettext as _l

LOCALES = ("fr", "en")
ROLES = {"member": _l("Membre"), "jurist": _l("Juriste"), "admin": _l("Administrateur")}
# Starts the stored value of an account without a password; no werkzeug hash starts so.
UNUSABLE_PASSWORD = "!"
NOTIFY_MODES = {"immediate": _l("Un courriel à chaque notification"), "digest": _l("Un récapitulatif quotidien")}


def new_session_token() -> str:
    """A random token; changing it logs out every session of the user."""
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person who logs in; members belong to a structure."""

    __tablename__ = "user"
    __table_args__ = (
        enum_check("role", ROLES, "role"),
        CheckConstraint("role != 'member' OR structure_id IS NOT NULL", name="member_has_structure"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        enum_check("locale", LOCALES, "locale"),
        enum_check("notify_mode", NOTIFY_MODES, "notify_mode"),
    )
    # Every column with a server default has a Python one too, so an insert never needs RETURNING to read them back:
    # accounts given their ids beforehand (an import, see helpdesk.batches) then go in one executemany.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), index=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locale: Mapped[str | None] = mapped_column(String(5))
    notify_mode: Mapped[str] = mapped_column(String(10), default="immediate", server_default="immediate")
    notify_optional: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A jurist's or admin's absence, last day included (Paris dates): routing and team mail pass them by meanwhile.
    absent_until: Mapped[date | None] = mapped_column(Date)
    # Part of the fingerprint of invitation and reset links: a fresh link changes it, so only the latest one works.
    password_link_nonce: Mapped[str | None] = mapped_column(String(16))

    structure = relationship("Structure", back_populates="users")

    def set_password(self, password: str) -> None:
        """Hash and store a new password, ending every other session."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.session_token = new_session_token()

    def set_unknown_password(self) -> None:
        """No password until an invitation link sets one: the stored value (random, so that links signed with it
        differ) matches no password and costs no hashing (an import invites thousands at once)."""
        self.password_hash = UNUSABLE_PASSWORD + secrets.token_hex(16)
        self.session_token = new_session_token()

    def retire_password_links(self) -> None:
        """Make the invitation and reset links mailed so far stop working (an admin is sending a new invitation)."""
        self.password_link_nonce = secrets.token_hex(8)

    @property
    def has_password(self) -> bool:
        """Whether a password was ever set (an invited account has none until it follows its link)."""
        return not self.password_hash.startswith(UNUSABLE_PASSWORD)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches the stored hash."""
        return self.has_password and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Session identifier: the id plus the session token, so rotating the token logs out."""
        return f"{self.id}:{self.session_token}"

    def away_on(self, day: date) -> bool:
        """Whether the user is away on that (Paris) day."""
        return self.absent_until is not None and day <= self.absent_until

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses inactive accounts."""
        return self.active

    @property
    def is_authenticated(self) -> bool:
        """An account object stands for a logged-in user: the session loader returns active accounts only. Answered
        without reading the row (Flask-Login's default asks is_active), which a commit has expired: the check of
        every response's caching headers would otherwise reload the user after each write."""
        return True

    @property
    def is_member(self) -> bool:
        """A member of a structure."""
        return self.role == "member"

    @property
    def is_staff(self) -> bool:
        """Jurists and admins work the queue."""
        return self.role in ("jurist", "admin")

    @property
    def is_admin(self) -> bool:
        """Admins administer structures, users and themes."""
        return self.role == "admin"

    @property
    def first_name(self) -> str:
        """The first word of the name, for greetings."""
        return self.name.split()[0] if self.name else ""

    @property
    def role_label(self) -> str:
        """The role in words."""
        return str(ROLES[self.role])

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


Index("uq_user_email_lower", func.lower(User.email), unique=True)
