"""The network a session logged in from and when its password was last typed, and what only a session still on that
network, or with its password typed a few minutes ago, may do (a copied session cookie works from anywhere until its
owner logs out: see `end_idle_sessions` in `helpdesk/auth/routes.py`)."""
from functools import wraps

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from markupsafe import Markup

from helpdesk.auth.forms import CurrentPasswordForm
from helpdesk.auth.services import verify_current_password
from helpdesk.auth.throttling import TooManyAttempts, rate_limit
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db, network_fingerprint
from helpdesk.models import User
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _
from helpdesk.views import flash_form_refused

# The keyed fingerprint of the network the session logged in from: what a session may do that outlives a logout (an
# admin creating or reopening an account) or cannot be taken back (a flash info mailed to members, a question deleted,
# an account anonymised) is done from there only (`from_login_network`, `irreversible_from_login_network`,
# `refused_from_another_network`).
LOGIN_NETWORK = "login_network"
# When the session's user last typed their password (the login, a guarded form's « Mot de passe actuel »): what cannot
# be taken back, or opens someone an access, also asks for it again past PASSWORD_CONFIRMATION_MINUTES
# (`current_password_refusal`).
PASSWORD_CONFIRMED_AT = "password_confirmed_at"

# The name of « Mot de passe actuel » in a guarded form (`CurrentPasswordForm`).
CURRENT_PASSWORD = "current_password"
# The refusal's reasons (`current_password_refusal`): an action of the confirmation pages, or a form opening someone an
# access (`helpdesk.auth.services.opens_access`).
IRREVERSIBLE, OPENS_ACCESS = "irreversible", "opens_access"


def from_login_network(view):
    """Let a view change things that outlive every logout (an account created, its address, role or structure changed,
    an invitation sent, an account reactivated, accounts imported) only from the network its session logged in from.

    A session cookie copied with the browser's User-Agent works from anywhere until the owner logs out (see
    `end_idle_sessions`); through these views it would plant an account of its holder's, which no logout ends. From
    another network the session ends here and the login page says why: the admin, who knows the password, logs in
    again from where they are and carries on; a copied cookie cannot."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return refused_from_another_network() or view(*args, **kwargs)

    return wrapped


def irreversible_from_login_network(view):
    """Let a view delete or anonymise, which nothing undoes, only from the network its session logged in from, and
    have its confirmation page ask for « Mot de passe actuel » when the password was not typed in the last minutes
    (the view checks it with `current_password_refusal`): a copied admin session cookie would otherwise wipe
    questions, accounts or structures."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        refused = refused_from_another_network(_(
            "Par sécurité, reconnectez-vous pour supprimer ou anonymiser des données, ce qui ne se défait pas (votre "
            "session est utilisée depuis un autre réseau que celui de la connexion)."))
        if refused is not None:
            return refused
        ask_current_password()
        return view(*args, **kwargs)

    return limits_password_guesses(wrapped)


def limits_password_guesses(view):
    """Limit a guarded view's POSTs that carry « Mot de passe actuel » to LOGIN_RATE_LIMIT per address, as the login
    is: each wrong or locked-out password counts (429 past the rate)."""
    return rate_limit("LOGIN_RATE_LIMIT", count=lambda response: g.get("password_refused", False),
                      exempt=lambda: not request.form.get(CURRENT_PASSWORD))(view)



def ask_current_password() -> None:
    """Have the guarded form of this page show « Mot de passe actuel » (`current_password_field`) when the password was
    not typed in the last PASSWORD_CONFIRMATION_MINUTES; the form's other values are kept as typed."""
    if password_recently_confirmed() or "current_password_form" in g:
        return
    form = CurrentPasswordForm()
    form.current_password.description = _(
        "Par sécurité, retapez votre mot de passe : vous ne l'avez pas tapé depuis plus de %(minutes)d minutes.",
        minutes=current_app.config["PASSWORD_CONFIRMATION_MINUTES"])
    g.current_password_form = form


def current_password_field():
    """The « Mot de passe actuel » form this page's guarded form shows (`ask_current_password`), or None when the
    password was typed in the last minutes (templates: `_macros/forms.html`)."""
    return None if password_recently_confirmed() else g.get("current_password_form")


def current_password_refusal(reason: str = IRREVERSIBLE) -> int | None:
    """For the POST of a guarded form (a flash info published, a question deleted, an account or a structure
    anonymised, a resource's file withdrawn; an account created or reactivated, its address, role or structure changed
    so that someone may read what they could not: `OPENS_ACCESS`): None when the password was typed in the last
    PASSWORD_CONFIRMATION_MINUTES, or is typed right in the form's « Mot de passe actuel » (it then counts as
    confirmed, and the action is done at once); else the refusal shown (why in the banner, a wrong password under
    the field) and the status of the form shown again with its values and the field."""
    if password_recently_confirmed():
        return None
    ask_current_password()
    form = g.current_password_form
    if not form.current_password.data:
        link = Markup('<a href="#{}">{}</a>').format(CURRENT_PASSWORD, form.current_password.label.text)
        minutes = current_app.config["PASSWORD_CONFIRMATION_MINUTES"]
        # The catalogue's sentence is ours, the label is escaped in the link: the whole is safe markup.
        flash(Markup(_(
            "Par sécurité, créer un compte, changer son adresse, donner le rôle de juriste ou d'administrateur ou "
            "changer la structure d'un membre demande votre mot de passe tapé il y a moins de %(minutes)d minutes. "
            "Rien n'a été enregistré : tapez-le sous %(field)s, puis envoyez de nouveau le formulaire, gardé tel que "
            "vous l'avez saisi.", minutes=minutes, field=link) if reason == OPENS_ACCESS else _(
            "Par sécurité, cette action demande votre mot de passe tapé il y a moins de %(minutes)d minutes. Rien "
            "n'a été fait : tapez-le sous %(field)s, puis validez de nouveau.", minutes=minutes, field=link)),
            "error")
        return 403
    if not form.validate():
        flash_form_refused(form)
        g.password_refused = True
        return 400
    return typed_password_refusal(form, CURRENT_PASSWORD)


def typed_password_refusal(form, field: str = "password") -> int | None:
    """Check the password the session's user typed in `form`'s `field` (`verify_current_password`): None when right,
    which counts as a password confirmed; else the refusal shown (a lock-out in the banner, a wrong password under the
    field) and its status. An API token and every guarded form check it here."""
    try:
        verify_current_password(db.session.get(User, current_user.id), form[field].data, request.remote_addr)
    except TooManyAttempts as error:
        flash(error.message, "error")
        status = error.status_code
    except InvalidInput as error:
        form[field].errors = [error.message]
        flash_form_refused(form)
        status = error.status_code
    else:
        note_password_confirmed()
        return None
    g.password_refused = True
    return status


def note_password_confirmed() -> None:
    """Remember in the session that its user has just typed their password (`current_password_refusal`)."""
    session[PASSWORD_CONFIRMED_AT] = utcnow().timestamp()


def password_recently_confirmed() -> bool:
    """Whether the session's user typed their password in the last PASSWORD_CONFIRMATION_MINUTES."""
    confirmed_at = session.get(PASSWORD_CONFIRMED_AT)
    return (isinstance(confirmed_at, float) and utcnow().timestamp() - confirmed_at
            < current_app.config["PASSWORD_CONFIRMATION_MINUTES"] * 60)


def refused_from_another_network(reason: str | None = None, back: str | None = None):
    """For a POST from another network than the session's login: end the session and lead to the login page, which
    says why (`reason`; accounts' work by default) and then comes back (to `back`, else here, or to the accounts
    list after a button); None otherwise."""
    if request.method != "POST" or session.get(LOGIN_NETWORK) == network_fingerprint():
        return None
    logout_user()
    session.clear()
    flash(reason or _("Par sécurité, reconnectez-vous pour créer, modifier, inviter, réactiver ou importer des comptes "
                      "(votre session est utilisée depuis un autre réseau que celui de la connexion)."), "info")
    back = back or (request.path if "GET" in request.url_rule.methods else url_for("admin.users"))
    return redirect(url_for("auth.login", next=back))

