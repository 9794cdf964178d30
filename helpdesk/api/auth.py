"""Bearer-token authentication, the per-token rate limit of the API and the per-address limit of invalid tokens."""
import time

from flask import current_app, g, request
from limits import parse_many

from helpdesk.api import bp
from helpdesk.api.errors import error_response
from helpdesk.api.tokens import authenticate_token, count_request
from helpdesk.extensions import csrf, limiter, request_client
from helpdesk.models import User
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _

PUBLIC_ENDPOINTS = {"api.openapi"}
INVALID_TOKEN_SCOPE = "api-invalid-token"
READ_METHODS = {"GET", "HEAD", "OPTIONS"}

# Requests carry no session cookie to protect: the bearer token is the credential.
csrf.exempt(bp)


def api_user() -> User:
    """The user of the current API request's token."""
    return g.api_token.user


@bp.before_request
def authenticate():
    """Resolve the bearer token (never the session cookie), check its scope, count it against the rate limit. Flask's
    automatic answer to OPTIONS (the Allow header, no body) needs none: it tells only what the public OpenAPI
    description already does."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if request.method == "OPTIONS" and getattr(request.url_rule, "provide_automatic_options", False):
        return None
    wait = invalid_tokens_wait()
    if wait is not None:
        return error_response(429, _("Trop de requêtes sans jeton valide sont venues de votre adresse. Réessayez "
                                     "après le délai indiqué par l'en-tête Retry-After, avec un jeton valide."),
                              headers={"Retry-After": str(wait)})
    scheme, _separator, value = request.headers.get("Authorization", "").partition(" ")
    token = authenticate_token(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        count_invalid_token()
        return error_response(401)
    rate = rate_limit_token(token)
    if rate is not None:
        return rate
    if request.method not in READ_METHODS and token.scope != "write":
        return error_response(403, _("Ce jeton est en lecture seule. Pour modifier, créez un jeton de portée "
                                     "« Lecture et écriture » (page « Jetons d'accès à l'API » de votre compte)."),
                              code="insufficient_scope")
    g.api_token = token
    return None


def _invalid_token_limits():
    """The configured limits of requests without a valid token (Flask-Limiter syntax, API_INVALID_TOKEN_RATE_LIMIT)."""
    return parse_many(current_app.config["API_INVALID_TOKEN_RATE_LIMIT"])


def invalid_tokens_wait() -> int | None:
    """Seconds before the client's address may send a request without a valid token again (then none is looked up,
    valid or not: a script trying tokens costs nothing more), None while it is within API_INVALID_TOKEN_RATE_LIMIT."""
    if not limiter.enabled:
        return None
    client = request_client()
    exhausted = [limit for limit in _invalid_token_limits() if not limiter.limiter.test(limit, INVALID_TOKEN_SCOPE,
                                                                                        client)]
    if not exhausted:
        return None
    reset = max(limiter.limiter.get_window_stats(limit, INVALID_TOKEN_SCOPE, client).reset_time for limit in exhausted)
    return max(1, int(reset - time.time()) + 1)


def count_invalid_token() -> None:
    """Count a request without a valid token against its client address (an IPv6 client as its /64)."""
    if limiter.enabled:
        client = request_client()
        for limit in _invalid_token_limits():
            limiter.limiter.hit(limit, INVALID_TOKEN_SCOPE, client)


def rate_limit_token(token):
    """Fixed window per token (API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS); a 429 response when over.

    Flask-Limiter, once the application uses it, can replace this counter: this is its only hook.
    """
    status = count_request(token, current_app.config["API_RATE_LIMIT"], current_app.config["API_RATE_WINDOW_SECONDS"])
    g.api_rate = status
    if status.exceeded:
        wait = max(1, int((status.reset_at - utcnow()).total_seconds()) + 1)
        return error_response(429, headers={"Retry-After": str(wait)})
    return None


@bp.after_request
def rate_headers(response):
    """Tell clients where they stand in the rate-limit window."""
    status = g.get("api_rate")
    if status is not None:
        response.headers["X-RateLimit-Limit"] = str(status.limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, status.remaining))
    return response
