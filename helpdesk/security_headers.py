"""Security headers on every response: a strict Content-Security-Policy (no inline script or style),
no framing, no referrer leaks to other sites, no powerful browser features, HSTS outside development;
and pages served to a logged-in user kept out of every cache."""
from flask import Flask, current_app, g, request
from flask_login import current_user


def _add_headers(response):
    """Set the headers unless the view chose stricter ones (downloads are sandboxed)."""
    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", config["REFERRER_POLICY"])
    headers.setdefault("Permissions-Policy", config["PERMISSIONS_POLICY"])
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if config["HSTS_ENABLED"]:
        headers.setdefault("Strict-Transport-Security", f"max-age={config['HSTS_MAX_AGE']}; includeSubDomains")
    return response


# Pages opened without logging in through a secret link (password link, unsubscribe link): they name the account.
SECRET_LINK_ENDPOINTS = frozenset({"auth.set_password", "flash.unsubscribe"})


def _keep_private_pages_out_of_caches(response):
    """Forbid storing anything a logged-in user (or an API token) is served, pages, charts, exports and files alike
    (on a shared computer they would stay in the browser's cache after logout), and the pages of secret links: no
    view may loosen it; static files stay cacheable (and cost no user lookup)."""
    if (request.endpoint != "static" and not (response.cache_control.no_store and response.cache_control.private)
            and (request.endpoint in SECRET_LINK_ENDPOINTS or g.get("api_token") is not None
                 or current_user.is_authenticated)):
        response.headers["Cache-Control"] = "private, no-store"
    return response


def register(app: Flask) -> None:
    """Install the headers on the app's responses."""
    app.after_request(_add_headers)
    app.after_request(_keep_private_pages_out_of_caches)
