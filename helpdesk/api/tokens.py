"""Personal access tokens: create, revoke, authenticate, count requests against the rate limit."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update

from helpdesk.errors import InvalidInput, NotFound
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import too_long
from helpdesk.models import TOKEN_SCOPES, ApiToken, User
from helpdesk.models._types import utcnow
from helpdesk.plain_text import one_line
from helpdesk.translation import gettext as _

TOKEN_MARK = "hdj"
NAME_MAX = 100
# Every token expires, within a year (ASVS 3.5.x: no credential without an end); older tokens made without expiry
# keep working until revoked.
MAX_EXPIRY_DAYS = 365
MAX_ACTIVE_TOKENS = 20


def _digest(secret: str) -> str:
    """The SHA-256 stored in place of the token (tokens are random: no salt or slow hash needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str, scope: str, expires_in_days: int) -> tuple[ApiToken, str]:
    """Create a token for `user` valid `expires_in_days` (1 to 365); return it with its plain text, shown once and never
    stored."""
    # On one line: the name is quoted in the notice mailed to the owner, whose lines a name with line breaks would
    # write (« Créé par la maintenance : rien à faire. »), to whoever created the token in the owner's stead.
    name = one_line(name)
    if not name:
        raise InvalidInput(_("Donnez un nom au jeton."))
    if len(name) > NAME_MAX:
        raise InvalidInput(too_long(len(name), NAME_MAX, _("Nom du jeton")))
    if scope not in TOKEN_SCOPES:
        raise InvalidInput(_("Cette portée n'existe pas. Choisissez « read » ou « write »."))
    if type(expires_in_days) is not int or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:  # bool is an int too
        raise InvalidInput(_("Un jeton doit expirer. Choisissez une durée de validité de 1 à %(max)d jours.",
                             max=MAX_EXPIRY_DAYS))
    active = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    now = utcnow()
    if sum(token.is_usable(now) for token in active) >= MAX_ACTIVE_TOKENS:
        raise InvalidInput(_("Vous avez déjà %(count)d jetons actifs. Révoquez-en un d'abord.", count=MAX_ACTIVE_TOKENS))
    prefix = secrets.token_hex(6)
    plain = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user_id=user.id, name=name, prefix=prefix, token_hash=_digest(plain), scope=scope,
                     created_at=now,
                     expires_at=now + timedelta(days=expires_in_days))
    db.session.add(token)
    db.session.flush()
    record_event("api_token_created", user, token_id=token.id, scope=scope)
    db.session.commit()
    return token, plain


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def own_token(user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; someone else's is not found."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("Ce jeton est introuvable."))
    return token


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's is not found)."""
    token = own_token(user, token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event("api_token_revoked", user, token_id=token.id)
        db.session.commit()
    return token


def revoke_all_tokens(user: User, actor: User | None = None) -> int:
    """Revoke every token of `user` still in force (their password changed: whoever took the account may have made
    one; or an admin (`actor`) changed who the account is, or deactivated it); the caller commits. Returns how many."""
    now = utcnow()
    revoked = [token for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                            ApiToken.revoked_at.is_(None)))
               if token.is_usable(now)]
    for token in revoked:
        token.revoked_at = now
        record_event("api_token_revoked", actor or user, token_id=token.id, user_id=user.id)
    return len(revoked)


def authenticate_token(plain: str) -> ApiToken | None:
    """The usable token of an active user matching this bearer value, or None."""
    mark, _, rest = (plain or "").partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != TOKEN_MARK or not prefix or not secret or len(plain) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    if token is None or not hmac.compare_digest(token.token_hash, _digest(plain)):
        return None
    if not token.is_usable(utcnow()) or not token.user.is_active:
        return None
    return token


@dataclass(frozen=True)
class RateStatus:
    """Where a token stands in its current rate-limit window."""

    limit: int
    remaining: int
    reset_at: datetime

    @property
    def exceeded(self) -> bool:
        """The request that was just counted is over the limit."""
        return self.remaining < 0


def count_request(token: ApiToken, limit: int, window_seconds: int) -> RateStatus:
    """Count one request in the token's fixed window and stamp last_used_at, in one atomic UPDATE."""
    now = utcnow()
    epoch = int(now.timestamp())
    window = datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo)
    same_window = ApiToken.window_start == window
    count = db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id)
        .values(window_count=case((same_window, ApiToken.window_count + 1), else_=1),
                window_start=window, last_used_at=now)
        .returning(ApiToken.window_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.commit()
    return RateStatus(limit=limit, remaining=limit - count, reset_at=window + timedelta(seconds=window_seconds))
