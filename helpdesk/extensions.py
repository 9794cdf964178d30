"""Flask extension objects, bound to the app in create_app()."""
import ipaddress

from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits import parse as parse_limit
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from helpdesk.repeats import keyed_digest
from helpdesk.translation import lazy_gettext

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


def client_network(address: str | None) -> str:
    """The client that request rates and lock-outs count: an IPv4 address, or the /64 network of an IPv6 address (a
    single machine is routinely given a whole /64, so counting each address would give it billions of fresh
    counts); anything else as it is."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.IPv6Network((parsed, 64), strict=False))


def request_client() -> str:
    """The request's client network: Flask-Limiter's key, and what anonymous resource reads are counted per."""
    return client_network(get_remote_address())


# Storage from RATELIMIT_STORAGE_URI (memory:// by default; redis://... shares the counts between workers).
limiter = Limiter(key_func=request_client)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Veuillez vous connecter pour accéder à cette page.")
login_manager.localize_callback = str  # translate at flash time, in the visitor's language
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


def client_fingerprint() -> str:
    """The browser's fingerprint (its User-Agent) that « strong » session protection keeps in the session and compares
    at every request, keyed with SECRET_KEY: Flask-Login's own, a plain SHA-512 of the client's address and
    User-Agent, would end the session of a phone moving from Wi-Fi to 4G, and give away the address to whoever hashes
    the 2^32 IPv4 ones with a common User-Agent. The network is followed apart (`network_fingerprint`)."""
    return keyed_digest("client", request.headers.get("User-Agent") or "", 64)


login_manager._session_identifier_generator = client_fingerprint  # Flask-Login's only hook for it


def network_fingerprint() -> str:
    """The client's network (an IPv4 address, an IPv6 /64) keyed with SECRET_KEY, for the session to note where it is
    used without the readable cookie showing the address."""
    return keyed_digest("network", client_network(request.remote_addr), 32)


def session_moved() -> bool:
    """Whether the logged-in session is used from another browser than the one that logged in, under « strong »
    protection (unless SESSION_PROTECTION says otherwise): Flask-Login then only marks a permanent session « not
    fresh », and every session is permanent here, so the session's end is ours to decide."""
    mode = current_app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    return mode == "strong" and session.get("_id") != client_fingerprint()


def first_time_in(window: str, *keys: str) -> bool:
    """Whether `keys` are met for the first time within `window` ("1 per day", Flask-Limiter syntax), remembered in
    the rate limiter's storage like the request rates (in each worker's memory, or shared in Redis); always true
    when rate limiting is switched off (RATELIMIT_ENABLED)."""
    return not limiter.enabled or limiter.limiter.hit(parse_limit(window), "first-time-in", *keys)
