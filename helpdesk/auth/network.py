"""The network a session logged in from and when its password was last typed, and what only a session still on that
network, or with its password typed a few minutes ago, may do (a copied session cookie works from anywhere until its
owner logs out: see `end_idle_sessions` in `helpdesk/auth/routes.py`)."""
from functools import wraps

from flask import current_app, flash, redirect, request, session, url_for
from flask_login import logout_user
from markupsafe import Markup

from helpdesk.extensions import network_fingerprint
from helpdesk.main.query_args import request_address
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _

# The keyed fingerprint of the network the session logged in from: what a session may do that outlives a logout (an
# admin creating or reopening an account) or cannot be taken back (a flash info mailed to members, a question deleted,
# an account anonymised) is done from there only (`from_login_network`, `irreversible_from_login_network`,
# `refused_from_another_network`).
LOGIN_NETWORK = "login_network"
# When the session's user last typed their password (the login, « Confirmez votre mot de passe »): what cannot be
# taken back, or gives a jurist's or an admin's power, also asks for it again past PASSWORD_CONFIRMATION_MINUTES
# (`irreversible_refusal`, `unconfirmed_password_refusal`).
PASSWORD_CONFIRMED_AT = "password_confirmed_at"


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
    """Let a view delete or anonymise, which nothing undoes, only from the network its session logged in from and
    with the password typed in the last minutes, its confirmation page (GET) included: a copied admin session cookie
    would otherwise wipe questions, accounts or structures (see `irreversible_refusal`)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return irreversible_refusal(_(
            "Par sécurité, reconnectez-vous pour supprimer ou anonymiser des données, ce qui ne se défait pas (votre "
            "session est utilisée depuis un autre réseau que celui de la connexion).")) or view(*args, **kwargs)

    return wrapped


def irreversible_refusal(reason: str | None, back: str | None = None):
    """For an action nothing takes back (a flash info mailed, a question deleted, an account or a structure
    anonymised) or a list's button giving a jurist's or an admin's power (an account reactivated): what
    `refused_from_another_network` answers (a POST from another network than the login's), else, when the password
    was not typed in the last PASSWORD_CONFIRMATION_MINUTES, the way to « Confirmez votre mot de passe », which then
    comes back to `back` (else this page, or the home page after a button); None otherwise.

    A session cookie copied with the browser's User-Agent and used from the owner's own network (a shared office
    computer, a browser extension) passes the network check; it does not know the password."""
    refused = refused_from_another_network(reason, back)
    if refused is not None or password_recently_confirmed():
        return refused
    if back is None:
        back = (request_address() if request.method == "GET" else request.path if "GET" in request.url_rule.methods
                else url_for("main.index"))
    return redirect(url_for("auth.confirm_password", next=back))


def unconfirmed_password_refusal() -> int | None:
    """For a form opening someone an access (an account created, its address changed, a jurist's or an admin's role
    given, a member moved to another structure: `opens_access`), sent from the login's network (`from_login_network`) without the password typed in
    the last PASSWORD_CONFIRMATION_MINUTES: say so in the banner, with the way to « Confirmez votre mot de passe »,
    which comes back to the form, and return the status of the form shown again as typed (nothing is kept on the
    server meanwhile); None when the password was typed recently."""
    if password_recently_confirmed():
        return None
    link = Markup('<a href="{}">{}</a>').format(url_for("auth.confirm_password", next=request_address()),
                                                _("Confirmez votre mot de passe"))
    # The catalogue's sentence is ours, the link's address is escaped: the whole is safe markup.
    flash(Markup(_("Par sécurité, créer un compte, changer son adresse, donner le rôle de juriste ou d'administrateur ou "
                   "changer la structure d'un membre demande votre mot de passe tapé il y a moins de %(minutes)d "
                   "minutes. Rien n'a été enregistré. "
                   "%(link)s (le lien ramène à ce formulaire), puis envoyez-le de nouveau.",
                   minutes=current_app.config["PASSWORD_CONFIRMATION_MINUTES"], link=link)), "error")
    return 403


def note_password_confirmed() -> None:
    """Remember in the session that its user has just typed their password (`irreversible_refusal`)."""
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
