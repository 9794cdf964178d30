"""Slowing down guessing: a request-rate limit per address (Flask-Limiter) and a progressive
lock-out per account and per address kept in the database, so every worker sees it.

Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a successful login leaves a
signed cookie bound to the account in the browser. A login attempt presenting a genuine device cookie of the
typed account is not held back by the account's lock-out (which anyone can trigger by guessing from
elsewhere): its failures are counted against that device, which they lock alone. Attempts without one are
counted against the account as before. The per-address lock-out applies to both.

Reusable by any form that checks a secret or sends mail (login, password reset):

    @rate_limit("PASSWORD_RESET_RATE_LIMIT")          # 429 page past the configured rate
    def forgot(): ...
        ensure_not_locked("password_reset", email, request.remote_addr)   # TooManyAttempts (429)
        count_failure("password_reset", email, request.remote_addr)       # every request counts
"""
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import Response, current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from helpdesk.errors import ServiceError
from helpdesk.extensions import client_network, db, limiter
from helpdesk.models import AuthThrottle
from helpdesk.models._types import utcnow
from helpdesk.translation import lazy_gettext as _l

DEVICE_COOKIE = "helpdesk_device"
DEVICE_SALT = "login-device"
LOCKED_MESSAGE = (_l("Trop de tentatives infructueuses. Par sécurité, cette opération est suspendue "
                  "quelques minutes. Réessayez plus tard."))


class TooManyAttempts(ServiceError):
    """Too many recent failures for this account or this address; the message never says which."""

    status_code = 429

    def __init__(self):
        super().__init__(LOCKED_MESSAGE)


def rate_limit(config_key: str, count: Callable[[Response], bool] | None = None,
               exempt: Callable[[], bool] | None = None):
    """Decorator limiting a view's POSTs per client address to the rate configured under `config_key`;
    `count`, given the response, says whether the request counts (all do by default); `exempt` says whether the
    request is not limited at all (none is by default)."""
    return limiter.limit(lambda: current_app.config[config_key], methods=["POST"], deduct_when=count,
                         exempt_when=exempt)


def _hash(scope: str, value: str) -> str:
    """The keyed hash under which an account, an address or a device is counted."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def _account(email: str | None) -> str:
    """The typed email as accounts are compared: trimmed, lowercased, bounded."""
    return (email or "").strip().lower()[:254]


def _keys(email: str | None, address: str | None, device: str | None = None) -> list[tuple[str, str, int]]:
    """(scope, keyed hash, failure threshold) for the account (the device instead when the attempt comes from a
    trusted device) and the address that are known."""
    config = current_app.config
    first = ("device", device) if device else ("account", _account(email))
    return [(scope, _hash(scope, value), threshold)
            for scope, value, threshold in ((*first, config["LOCKOUT_ACCOUNT_FAILURES"]),
                                            ("address", client_network(address), config["LOCKOUT_ADDRESS_FAILURES"]))
            if value]


def _device_serializer() -> URLSafeTimedSerializer:
    """Signs device cookies with the application's secret key."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def trusted_device(cookie: str | None, email: str | None) -> str | None:
    """The device's random id when `cookie` is a genuine, unexpired device cookie of the account typed as
    `email`; None for no cookie, a forged, altered or expired one, or one of another account."""
    if not cookie or not _account(email):
        return None
    try:
        payload = _device_serializer().loads(cookie, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400)
    except BadSignature:
        return None
    if not (isinstance(payload, dict) and isinstance(payload.get("a"), str) and isinstance(payload.get("n"), str)):
        return None
    return payload["n"] if hmac.compare_digest(payload["a"], _hash("account", _account(email))) else None


def remember_device(response: Response, email: str) -> None:
    """After a successful login, give the browser a new device cookie of this account (HttpOnly, sent to the
    login page only)."""
    value = _device_serializer().dumps({"a": _hash("account", _account(email)), "n": secrets.token_urlsafe(16)})
    response.set_cookie(DEVICE_COOKIE, value, max_age=current_app.config["DEVICE_COOKIE_DAYS"] * 86400,
                        path=url_for("auth.login"), secure=current_app.config["SESSION_COOKIE_SECURE"],
                        httponly=True, samesite="Strict")


def ensure_not_locked(action: str, email: str | None, address: str | None, device: str | None = None) -> None:
    """Raise TooManyAttempts while the account (or the trusted device) or the address is locked for this action."""
    hashes = [key_hash for _, key_hash, _ in _keys(email, address, device)]
    locked = db.session.scalar(select(AuthThrottle.id).where(
        AuthThrottle.action == action, AuthThrottle.key_hash.in_(hashes), AuthThrottle.locked_until > utcnow()))
    if locked is not None:
        raise TooManyAttempts()


def _counter(action: str, scope: str, key_hash: str) -> AuthThrottle:
    """The counter row, locked for update; created if absent (another worker may create it first)."""
    query = select(AuthThrottle).where(AuthThrottle.action == action, AuthThrottle.scope == scope,
                                       AuthThrottle.key_hash == key_hash).with_for_update()
    row = db.session.scalar(query)
    if row is None:
        try:
            with db.session.begin_nested():
                row = AuthThrottle(action=action, scope=scope, key_hash=key_hash, failures=0)
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(query)
    return row


def count_failure(action: str, email: str | None, address: str | None, device: str | None = None) -> None:
    """Count a failure for the account (or the trusted device) and the address; past the threshold each one locks
    for twice as long as the previous one (LOCKOUT_SECONDS, doubling up to LOCKOUT_MAX_SECONDS). The caller
    commits."""
    config = current_app.config
    now = utcnow()
    for scope, key_hash, threshold in _keys(email, address, device):
        row = _counter(action, scope, key_hash)
        idle = row.last_failure_at is None or now - row.last_failure_at > timedelta(seconds=config["LOCKOUT_WINDOW_SECONDS"])
        if idle and (row.locked_until is None or row.locked_until <= now):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= threshold:
            doublings = min(row.failures - threshold, 20)
            seconds = min(config["LOCKOUT_SECONDS"] * 2 ** doublings, config["LOCKOUT_MAX_SECONDS"])
            row.locked_until = now + timedelta(seconds=seconds)


def forget_failures(action: str, email: str | None, device: str | None = None) -> None:
    """After a success, the account (or only the trusted device: the account's lock-out stays for attempts from
    elsewhere) starts afresh; the address keeps its count. The caller commits."""
    hashes = [key_hash for scope, key_hash, _ in _keys(email, None, device) if scope != "address"]
    db.session.execute(delete(AuthThrottle).where(AuthThrottle.action == action, AuthThrottle.key_hash.in_(hashes)))
