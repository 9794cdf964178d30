"""The network a session logged in from, and what only a session still on it may do (a copied session cookie works
from anywhere until its owner logs out: see `end_idle_sessions` in `helpdesk/auth/routes.py`)."""
from functools import wraps

from flask import flash, redirect, request, session, url_for
from flask_login import logout_user

from helpdesk.extensions import network_fingerprint
from helpdesk.translation import gettext as _

# The keyed fingerprint of the network the session logged in from: what a session may do that outlives a logout (an
# admin creating or reopening an account) or cannot be taken back (a flash info mailed to members, a question deleted,
# an account anonymised) is done from there only (`from_login_network`, `irreversible_from_login_network`,
# `refused_from_another_network`).
LOGIN_NETWORK = "login_network"


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
    """Let a view delete or anonymise, which nothing undoes, only from the network its session logged in from: a
    copied admin session cookie would otherwise wipe questions, accounts or structures (see `from_login_network`)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return refused_from_another_network(_(
            "Par sécurité, reconnectez-vous pour supprimer ou anonymiser des données, ce qui ne se défait pas (votre "
            "session est utilisée depuis un autre réseau que celui de la connexion).")) or view(*args, **kwargs)

    return wrapped


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
