"""Login, logout and password change pages."""
import time

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user

from helpdesk.api import tokens
from helpdesk.auth import bp
from helpdesk.auth.forms import (AccountNameForm, ApiTokenForm, ChangePasswordForm, ForgotPasswordForm, LoginForm,
                                 RevokeTokenForm, SetPasswordForm)
from helpdesk.auth.network import LOGIN_NETWORK, note_password_confirmed, typed_password_refusal
from helpdesk.auth.passwords import (RESET_ALREADY_SENT, RESET_REQUESTED, request_password_reset, set_password_with_token,
                                     user_for_token)
from helpdesk.auth.services import (authenticate, change_password, log_out_everywhere, record_network_change,
                                    rename_self)
from helpdesk.auth.throttling import (DEVICE_COOKIE, TooManyAttempts, count_failure, ensure_not_locked, rate_limit,
                                      remember_device)
from helpdesk.errors import InvalidInput, ServiceError
from helpdesk.extensions import db, network_fingerprint, session_moved
from helpdesk.i18n import adopt_account_locale, keep_locale
from helpdesk.main.query_args import request_address, safe_next
from helpdesk.models import User
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _, ngettext
from helpdesk.views import flash_form_refused, refuse_form, show_refusal

LAST_SEEN = "last_seen"
# When the session's user logged in: a session ends PERMANENT_SESSION_LIFETIME after it, however active (Flask
# renews the cookie's own expiry at every request).
LOGGED_IN_AT = "logged_in_at"
# Sent by static/js/draft.js with a form whose text it keeps in the browser: the page to come back to.
DRAFT_PAGE = "draft_page"
# The keyed fingerprint of the network the session was last used from: the login's, then note_network_change's.
NETWORK = "network"
# Set by a logout in this browser: the next page tells draft.js to forget the texts kept there (a shared computer).
CLEAR_DRAFTS = "clear_drafts"


@bp.before_app_request
def end_idle_sessions():
    """Log out a session left unused for SESSION_IDLE_MINUTES, opened more than PERMANENT_SESSION_LIFETIME ago, or
    used from another browser than the one that logged in (a copied session cookie); otherwise note this request as
    activity, and a change of network (Wi-Fi to 4G) in the journal.

    A form interrupted that way whose text the browser keeps (a reply, a new question) leads back to its page
    after the new login, where the text comes back."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    last_seen, logged_in_at = session.get(LAST_SEEN), session.get(LOGGED_IN_AT)
    idle = last_seen is None or now - last_seen > current_app.config["SESSION_IDLE_MINUTES"] * 60
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    moved = session_moved()
    if moved or idle or logged_in_at is None or now - logged_in_at > lifetime.total_seconds():
        logout_user()
        session.clear()
        if moved:
            flash(_("Par sécurité, votre session a été fermée : elle était utilisée depuis un autre navigateur que "
                    "celui de la connexion. Veuillez vous reconnecter."), "info")
        elif idle:
            flash(_("Votre session a expiré après %(minutes)s minutes d'inactivité : veuillez vous reconnecter.",
                    minutes=current_app.config["SESSION_IDLE_MINUTES"]), "info")
        else:
            flash(_("Par sécurité, une session dure %(hours)s heures au plus : veuillez vous reconnecter.",
                    hours=int(lifetime.total_seconds() // 3600)), "info")
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request_address()))
        draft_page = request.form.get(DRAFT_PAGE)
        if draft_page:
            flash(_("Votre texte n'a pas été envoyé, mais il est gardé dans ce navigateur : il reviendra dans le "
                    "formulaire une fois reconnecté(e). Joignez de nouveau vos fichiers, s'il y en avait."), "info")
        return redirect(url_for("auth.login", next=draft_page))
    session[LAST_SEEN] = now
    note_network_change()
    return None


def note_network_change() -> None:
    """Journal each change of the session's network since the login (« Session utilisée depuis un autre réseau », with
    the new address) and keep the new one in the session: a phone moving from Wi-Fi to 4G keeps its session."""
    network = network_fingerprint()
    if session.get(NETWORK) != network:
        record_network_change(current_user, request.remote_addr)
        session[NETWORK] = network


@bp.route("/connexion", methods=["GET", "POST"])
@rate_limit("LOGIN_RATE_LIMIT", count=lambda response: response.status_code != 302)
def login():
    """Show the login form and open a session for valid credentials."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr,
                                request.cookies.get(DEVICE_COOKIE))
        except TooManyAttempts as error:
            flash(error.message, "error")
            return render_template("auth/login.html", form=form), error.status_code
        if user is None:
            flash(_("Adresse e-mail ou mot de passe incorrect, ou compte désactivé."), "error")
        else:
            next_url = safe_next(request.args.get("next"))
            session.clear()
            login_user(user)
            refresh_locale()  # the language was chosen for the anonymous visitor: now it is the account's
            session.permanent = True
            session[LAST_SEEN] = session[LOGGED_IN_AT] = utcnow().timestamp()
            session[NETWORK] = session[LOGIN_NETWORK] = network_fingerprint()
            note_password_confirmed()
            flash(_("Bienvenue, %(name)s.", name=user.first_name), "success")
            response = redirect(next_url)
            remember_device(response, user.email)
            return response
    return render_template("auth/login.html", form=form, clear_drafts=session.pop(CLEAR_DRAFTS, False))


@bp.route("/deconnexion", methods=["POST"])
def logout():
    """End the user's sessions on every device; the login page that follows has this browser forget the drafts it
    kept (a session ended elsewhere or by inactivity keeps them, to be sent after logging in again)."""
    if current_user.is_authenticated:
        log_out_everywhere(current_user)
    logout_user()
    session.clear()
    session[CLEAR_DRAFTS] = True
    flash(_("Vous êtes déconnecté(e) sur tous vos appareils."), "info")
    response = redirect(url_for("auth.login"))
    # Pages a browser cached before authenticated responses were marked no-store go too.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def password():
    """Let users change their own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        try:
            revoked = change_password(user, form.current.data, form.new.data, request.remote_addr)
        except TooManyAttempts as error:
            flash(error.message, "error")
            return render_template("auth/password.html", form=form), error.status_code
        except ServiceError as error:
            show_refusal(form, error)
            return render_template("auth/password.html", form=form), error.status_code
        login_user(user)
        flash(_("Votre mot de passe a été changé. Vos autres sessions ont été fermées."), "success")
        flash_revoked_tokens(revoked)
        return redirect(url_for("main.index"))
    if form.is_submitted():
        flash_form_refused(form)
        return render_template("auth/password.html", form=form), 400
    return render_template("auth/password.html", form=form)


def flash_revoked_tokens(count: int) -> None:
    """Tell the user that changing their password revoked their API tokens, if it revoked any."""
    if count:
        flash(ngettext("Votre jeton d'accès à l'API a été révoqué : créez-en un nouveau si une application en a "
                       "besoin.",
                       "Vos %(num)d jetons d'accès à l'API ont été révoqués : créez-en de nouveaux si des applications "
                       "en ont besoin.", count), "info")


@bp.route("/compte/")
@login_required
def account():
    """The account page: identity (the name can be corrected) and links to password, emails, API tokens,
    subscriptions and the data export."""
    return render_template("auth/account.html", name_form=AccountNameForm(name=current_user.name))


@bp.route("/compte/nom", methods=["POST"])
@login_required
def rename():
    """Save the name the user gives themselves; a refused one comes back in the field with its reason."""
    form = AccountNameForm()
    if form.validate():
        try:
            changed = rename_self(db.session.get(User, current_user.id), form.name.data)
        except InvalidInput as error:
            form.name.errors = [error.message]
        else:
            flash(_("Votre nom « %(name)s » est enregistré.", name=current_user.name) if changed
                  else _("Votre nom n'a pas changé."), "success" if changed else "info")
            return redirect(url_for("auth.account"))
    flash_form_refused(form)
    return render_template("auth/account.html", name_form=form), 400


@bp.route("/compte/jetons", methods=["GET", "POST"])
@login_required
def api_tokens():
    """List the user's API tokens and create one after checking the user's password (its value is shown once, on
    this response only)."""
    form = ApiTokenForm()
    created = None
    status = 200
    if form.validate_on_submit():
        if (refused := typed_password_refusal(form)) is not None:
            status = refused
        else:
            try:
                created = tokens.create_token(db.session.get(User, current_user.id), form.name.data, form.scope.data,
                                              form.expires_in_days.data)
            except InvalidInput as error:
                status = refuse_form(form, error)
            else:
                form = ApiTokenForm(formdata=None)
    elif form.is_submitted():
        flash_form_refused(form)
        status = 400
    return render_template("auth/tokens.html", form=form, created=created, tokens=tokens.user_tokens(current_user),
                           now=utcnow()), status


@bp.route("/compte/jetons/<int:token_id>/revoquer", methods=["GET", "POST"])
@login_required
def revoke_api_token(token_id):
    """Ask to confirm (GET), then revoke one of the user's tokens for good (POST)."""
    if request.method == "GET":
        return render_template("auth/token_revoke.html", token=tokens.own_token(current_user, token_id))
    if not RevokeTokenForm().validate():
        abort(400)
    token = tokens.revoke_token(current_user, token_id)
    flash(_("Le jeton « %(name)s » est révoqué.", name=token.name), "success")
    return redirect(url_for("auth.api_tokens"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@rate_limit("PASSWORD_RESET_RATE_LIMIT")
def forgot_password():
    """Mail a reset link; the answer is the same whether or not the address has an account.

    Every request counts towards the progressive lock-out of the requesting address (429 past it) and of the typed
    account. The account's lock-out only stops further mails, never the owner: the request that locked it mailed a
    link, still valid for the whole lock (LOCKOUT_MAX_SECONDS < PASSWORD_RESET_MAX_AGE_SECONDS), and the answer
    says to use the latest mail. So requests from elsewhere bound the mails an address gets without denying it one.
    """
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        email, address = form.email.data, request.remote_addr
        try:
            ensure_not_locked("password_reset", None, address)
        except TooManyAttempts as error:
            flash(error.message, "error")
            return render_template("auth/forgot_password.html", form=form), 429
        try:
            ensure_not_locked("password_reset", email, None)
        except TooManyAttempts:
            count_failure("password_reset", None, address)
            db.session.commit()
            flash(str(RESET_ALREADY_SENT), "info")
            _wait_reset_floor(started)
            return redirect(url_for("auth.login"))
        count_failure("password_reset", email, address)
        db.session.commit()
        request_password_reset(email)
        flash(str(RESET_REQUESTED), "info")
        _wait_reset_floor(started)
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


def _wait_reset_floor(started: float) -> None:
    """Answer a reset request no sooner than PASSWORD_RESET_MIN_SECONDS after `started`: mailing a link to an
    account costs tens of milliseconds more than answering for an unknown address, and that delay would tell which
    addresses have an account."""
    time.sleep(max(0.0, current_app.config["PASSWORD_RESET_MIN_SECONDS"] - (time.monotonic() - started)))


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def set_password(token):
    """Choose a password through an invitation or reset link (signed, expiring, single use)."""
    try:
        user, purpose = user_for_token(token)
    except ServiceError as error:
        return render_template("auth/link_invalid.html", message=error.message), 400
    adopted = adopt_account_locale(user)
    form = SetPasswordForm()
    response = None
    if form.validate_on_submit():
        try:
            revoked = set_password_with_token(token, form.new.data)
        except ServiceError as error:
            show_refusal(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Votre mot de passe est enregistré. Vous pouvez vous connecter."), "success")
            flash_revoked_tokens(revoked)
            response = redirect(url_for("auth.login"))
    if response is None:
        response = make_response(render_template("auth/set_password.html", form=form, user=user, purpose=purpose))
    if adopted:  # the login page that follows stays in that language
        keep_locale(response, adopted)
    return response
