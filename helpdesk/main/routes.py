"""Home page, public statements (accessibility, security.txt) and error handlers."""
from datetime import UTC, datetime, time, timedelta
from email.utils import parseaddr

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from helpdesk.api.errors import http_error, is_api_request
from helpdesk.attachments.services import upload_limits
from helpdesk.errors import Forbidden, NotFound
from helpdesk.extensions import db
from helpdesk.i18n import LANGUAGES, keep_locale, set_user_locale
from helpdesk.mail.outbox import absolute_url
from helpdesk.main import bp
from helpdesk.main.forms import LanguageForm, select_choices
from helpdesk.main.query_args import safe_next
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _

# RFC 9116 recommends an Expires less than a year ahead; computed at each request, it never lapses.
SECURITY_TXT_LIFETIME = timedelta(days=364)


@bp.route("/")
def index():
    """Send each user to their starting page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_staff:
        return redirect(url_for("queue.index"))
    return redirect(url_for("tickets.index"))


@bp.route("/accessibilite")
def accessibility():
    """The accessibility statement (RGAA), open to everyone."""
    return render_template("main/accessibility.html")


@bp.route("/.well-known/security.txt")
def security_txt():
    """Where to report a vulnerability (RFC 9116), open to everyone: the configured contact, an expiry date, the
    languages reports are read in and, when BASE_URL is an HTTPS address, the file's canonical address."""
    config = current_app.config
    contact = config["SECURITY_CONTACT"] or parseaddr(config["MAIL_SENDER"])[1]
    expires = datetime.combine(utcnow().date() + SECURITY_TXT_LIFETIME, time(), UTC)
    lines = [f"Contact: {contact if ':' in contact else 'mailto:' + contact}",
             f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}", "Preferred-Languages: fr, en"]
    if str(config["BASE_URL"] or "").startswith("https://"):
        lines.append(f"Canonical: {absolute_url('main.security_txt')}")
    return "\n".join(lines) + "\n", {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/langue", methods=["POST"])
def language():
    """Switch the interface language: kept on the account, and in a cookie for visitors."""
    form = LanguageForm()
    form.locale.choices = select_choices(LANGUAGES.items())
    response = redirect(safe_next(form.next.data))
    if not form.validate():
        return response
    if current_user.is_authenticated:
        set_user_locale(current_user, form.locale.data)
    keep_locale(response, form.locale.data)
    return response


@bp.app_errorhandler(NotFound)
@bp.app_errorhandler(404)
def not_found(error):
    """French 404 page (JSON under /api, where routing fails before the API's own handlers)."""
    if is_api_request():
        return http_error(error)
    return render_template("errors/404.html"), 404


@bp.app_errorhandler(Forbidden)
@bp.app_errorhandler(403)
def forbidden(error):
    """French 403 page, with the reason when a service gave one."""
    return render_template("errors/403.html", reason=getattr(error, "message", None)), 403


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    """An expired or missing form token: explain and invite to retry."""
    flash(_("Le formulaire a expiré ou n'est pas valide. Veuillez réessayer."), "error")
    return render_template("errors/400.html"), 400


@bp.app_errorhandler(400)
def bad_request(error):
    """French 400 page, with the reason when one was given (JSON under /api, where routing fails before the API's
    own handlers)."""
    if is_api_request():
        return http_error(error)
    return render_template("errors/400.html", reason=getattr(error, "message", None)), 400


@bp.app_errorhandler(405)
def method_not_allowed(error):
    """French 405 page, with the methods the address accepts (JSON under /api)."""
    if is_api_request():
        return http_error(error)
    allowed = getattr(error, "valid_methods", None)
    return render_template("errors/405.html"), 405, {"Allow": ", ".join(allowed)} if allowed else {}


@bp.app_errorhandler(413)
def too_large(error):
    """French page for oversized requests (JSON under /api)."""
    if is_api_request():
        return http_error(error)
    return render_template("errors/413.html", limits=upload_limits()), 413


@bp.app_errorhandler(429)
def too_many_requests(error):
    """French page when a client sends requests too fast (JSON under /api)."""
    if is_api_request():
        return http_error(error)
    return render_template("errors/429.html"), 429


@bp.app_errorhandler(HTTPException)
def other_http_error(error):
    """French page for the HTTP errors without a page of their own (a download's unsatisfiable range...), with their
    status and headers (JSON under /api)."""
    if is_api_request():
        return http_error(error)
    if error.code >= 500:
        db.session.rollback()
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return render_template("errors/http.html", status=error.code), error.code, headers


@bp.app_errorhandler(500)
def server_error(error):
    """French 500 page; whatever the request wrote is rolled back."""
    db.session.rollback()
    return render_template("errors/500.html", server_error=True), 500
