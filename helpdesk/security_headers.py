"""Security headers on every response: a strict Content-Security-Policy (no inline script or style),
no framing, no referrer leaks to other sites, no powerful browser features, HSTS outside development;
and pages served to a logged-in user kept out of every cache; the session cookie named with the __Host- prefix."""
from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user


def _add_headers(response):
    """Set the headers unless the view chose stricter ones (downloads are sandboxed); a secret link's page sends no
    Referer at all: its styles and its links would carry the secret to the proxy's access log."""
    config = current_app.config
    referrer = "no-referrer" if request.endpoint in SECRET_LINK_ENDPOINTS else config["REFERRER_POLICY"]
    wanted = [("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"]), ("X-Content-Type-Options", "nosniff"),
              ("X-Frame-Options", "DENY"), ("Referrer-Policy", referrer),
              ("Permissions-Policy", config["PERMISSIONS_POLICY"]), ("Cross-Origin-Opener-Policy", "same-origin")]
    if config["HSTS_ENABLED"]:
        wanted.append(("Strict-Transport-Security", f"max-age={config['HSTS_MAX_AGE']}; includeSubDomains"))
    # The names present are read once: a `setdefault` per header would scan every header each time.
    present = {name.lower() for name in response.headers.keys()}
    response.headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
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
    elif session.modified and not response.cache_control.private:
        # An anonymous page that starts a session (the language form's token): the browser may keep it, a shared
        # cache may not, or it would hand one visitor's session cookie to the next.
        response.cache_control.private = True
    return response


class HostPrefixedSessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie, named « __Host-session » whenever it is Secure (ASVS 3.4.4): browsers then take
    it only from this very host, over HTTPS, for the whole site, so a neighbouring subdomain cannot plant its own
    session cookie (an attacker's logged-in session, where the victim would file a question the attacker then
    reads). The development server, over plain HTTP, keeps the plain name (browsers refuse the prefix there)."""

    def get_cookie_name(self, app: Flask) -> str:
        """The configured name, with the __Host- prefix when the cookie is Secure, host-only and for path /."""
        name = super().get_cookie_name(app)
        if (self.get_cookie_secure(app) and self.get_cookie_domain(app) is None and self.get_cookie_path(app) == "/"
                and not name.startswith("__Host-")):
            return f"__Host-{name}"
        return name


def register(app: Flask) -> None:
    """Install the headers on the app's responses and the prefixed session cookie."""
    app.session_interface = HostPrefixedSessionInterface()
    app.after_request(_add_headers)
    app.after_request(_keep_private_pages_out_of_caches)
