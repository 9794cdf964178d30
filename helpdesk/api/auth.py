"""Bearer-token authentication and the per-token rate limit of the API."""
from flask import current_app, g, request

from helpdesk.api import bp
from helpdesk.api.errors import error_response
from helpdesk.api.tokens import authenticate_token, count_request
from helpdesk.extensions import csrf
from helpdesk.models import User
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _

PUBLIC_ENDPOINTS = {"api.openapi"}
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
    scheme, _separator, value = request.headers.get("Authorization", "").partition(" ")
    token = authenticate_token(value.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return error_response(401)
    rate = rate_limit_token(token)
    if rate is not None:
        return rate
    if request.method not in READ_METHODS and token.scope != "write":
        return error_response(403, _("Ce jeton est en lecture seule : pour modifier, créez un jeton de portée "
                                     "« Lecture et écriture » (page « Jetons d'accès à l'API » de votre compte)."),
                              code="insufficient_scope")
    g.api_token = token
    return None


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
