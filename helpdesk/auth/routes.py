"""Login, logout and password change pages."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from helpdesk.auth import bp
from helpdesk.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from helpdesk.auth.passwords import RESET_REQUESTED, request_password_reset, set_password_with_token, user_for_token
from helpdesk.auth.services import authenticate, change_password
from helpdesk.errors import ServiceError
from helpdesk.extensions import db
from helpdesk.models import User


def _safe_next(target: str | None) -> str:
    """Only follow local redirects after login."""
    # Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" would become "//evil.example".
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable()):
        return target
    return url_for("main.index")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    """Show the login form and open a session for valid credentials."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            flash("Adresse e-mail ou mot de passe incorrect, ou compte désactivé.", "error")
        else:
            next_url = _safe_next(request.args.get("next"))
            session.clear()
            login_user(user)
            session.permanent = True
            flash(f"Bienvenue, {user.first_name}.", "success")
            return redirect(next_url)
    return render_template("auth/login.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
def logout():
    """End the session."""
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("auth.login"))


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def password():
    """Let users change their own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        try:
            change_password(user, form.current.data, form.new.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            login_user(user)
            flash("Votre mot de passe a été changé. Vos autres sessions ont été fermées.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    """Mail a reset link; the answer is the same whether or not the address has an account.

    Rate limiting of this route is added with the login limiter (security work): decorate this view.
    """
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data)
        flash(RESET_REQUESTED, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
def set_password(token):
    """Choose a password through an invitation or reset link (signed, expiring, single use)."""
    try:
        user, purpose = user_for_token(token)
    except ServiceError as error:
        return render_template("auth/link_invalid.html", message=error.message), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password_with_token(token, form.new.data)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            logout_user()
            session.clear()
            flash("Votre mot de passe est enregistré : vous pouvez vous connecter.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user, purpose=purpose)
