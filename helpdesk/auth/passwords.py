"""Invitations and password resets: signed, expiring, single-use links sent by email.

A link carries the user id, its purpose and a fingerprint of the user's password
hash, session token and link nonce, signed with the secret key. Setting a password changes
the first two, so a link works once and every other link of the account dies with it; an admin's resent invitation
changes the nonce, so only the latest invitation works. A reset request, which anyone knowing the address can make,
retires nothing: the links mailed before it keep working until one is used or they expire (their age is checked
against the purpose's lifetime).
Ending the user's sessions (logout, deactivation) changes the token too: a link
mailed before that stops working, and the user asks for a new one.

Changes to the ways into an account (a new password, an API token) are told to its owner by email, so that whoever
made them in the owner's stead is noticed.
"""
import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from helpdesk.api.tokens import revoke_all_tokens
from helpdesk.auth.services import check_password_strength, find_user_by_email
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event, subscribe
from helpdesk.extensions import db
from helpdesk.mail.outbox import (MailSubject, Notification, absolute_url, cancel_password_mail, queue_email,
                                  queue_event_mail)
from helpdesk.mail.sender import retry_failed
from helpdesk.markers import N_
from helpdesk.models import ApiToken, Event, OutboxEmail, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import ensure_admin
from helpdesk.translation import gettext as _, lazy_gettext as _l

PURPOSES = {"invitation": "INVITATION_MAX_AGE_SECONDS", "reset": "PASSWORD_RESET_MAX_AGE_SECONDS"}
FORGED = _l("Ce lien n'est pas valide. Vérifiez que vous avez copié l'adresse complète, ou demandez un nouveau lien.")
EXPIRED = _l("Ce lien a expiré. Demandez un nouveau lien avec « Mot de passe oublié » sur la page de connexion.")
# True of invitation and reset links alike: a newer invitation retires the links mailed before, a reset request
# retires none (anyone may ask one); choosing a password, through any link, retires them all.
USED = (_l("Ce lien n'est plus valable. Il a déjà servi, un mot de passe a été choisi, une invitation plus récente "
           "vous a été envoyée, ou vos sessions ont été fermées depuis son envoi (déconnexion). Utilisez le lien du "
           "courriel le plus récent, connectez-vous, ou demandez un nouveau lien avec « Mot de passe oublié »."))
RESET_REQUESTED = (_l("Si un compte actif correspond à cette adresse, un courriel vient de lui être envoyé avec un lien "
                   "pour choisir un nouveau mot de passe. Pensez à vérifier vos indésirables."))
INVITATION_SUBJECT = MailSubject(N_("Invitation au helpdesk juridique"), {})
RESET_SUBJECT = MailSubject(N_("Réinitialisation de votre mot de passe"), {})
RESET_ALREADY_SENT = (_l("Si un compte actif correspond à cette adresse, plusieurs liens lui ont été envoyés récemment, "
                       "aucun nouveau courriel n'est envoyé pour le moment. Utilisez le lien du courriel le plus "
                       "récent, qui reste valable. Pensez à vérifier vos indésirables."))


def _serializer() -> URLSafeTimedSerializer:
    """The signer of password links."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="helpdesk.password-link")


def _fingerprint(user: User) -> str:
    """Changes whenever the user's password (hence hash and session token) changes, or a newer link is mailed."""
    return hashlib.sha256(f"{user.password_hash}|{user.session_token}|{user.password_link_nonce or ''}"
                          .encode()).hexdigest()[:20]


def _max_age(purpose: str) -> int:
    """How long a link of this purpose stays valid, in seconds."""
    return current_app.config[PURPOSES[purpose]]


def make_password_link(user: User, purpose: str) -> str:
    """The absolute URL of a page where `user` chooses a password."""
    token = _serializer().dumps({"u": user.id, "p": purpose, "f": _fingerprint(user)})
    return absolute_url("auth.set_password", token=token)


def user_for_token(token: str) -> tuple[User, str]:
    """The user and purpose of a valid link; InvalidInput (forged, expired or used) otherwise."""
    serializer = _serializer()
    try:
        data, signed_at = serializer.loads(token, return_timestamp=True)
    except BadSignature:
        raise InvalidInput(FORGED) from None
    purpose = data.get("p") if isinstance(data, dict) else None
    if purpose not in PURPOSES or not isinstance(data.get("u"), int):
        raise InvalidInput(FORGED)
    if utcnow() - signed_at > timedelta(seconds=_max_age(purpose)):
        raise InvalidInput(EXPIRED)
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise InvalidInput(USED)
    return user, purpose


def set_password_with_token(token: str, new: str) -> int:
    """Choose a password through an invitation or reset link, which then stops working; every session ends and the
    account's API tokens are revoked (returns how many)."""
    user, purpose = user_for_token(token)
    check_password_strength(new, user.email, field="new")
    first = not user.has_password
    user.set_password(new)
    cancel_password_mail(user)  # another link still waiting to be sent would arrive dead
    record_event("password_set", user, user_id=user.id, purpose=purpose, **({"first": True} if first else {}))
    revoked = revoke_all_tokens(user)
    db.session.commit()
    return revoked


def request_password_reset(email: str) -> None:
    """Mail a reset link if an active account has this address; silent otherwise (no account discovery)."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    record_event("password_reset_requested", user, user_id=user.id)
    db.session.commit()


def resend_invitation(user: User, actor: User) -> None:
    """An admin sends a fresh invitation link to an account that has not chosen its password yet."""
    ensure_admin(actor)
    if not user.active:
        raise InvalidInput(_("Ce compte est désactivé. Réactivez-le avant de renvoyer une invitation."))
    if user.has_password:
        raise InvalidInput(_("%(email)s a déjà choisi son mot de passe. Une invitation ne sert qu'à choisir le "
                             "premier. S'il est oublié, utilisez « Mot de passe oublié ? » sur la page de connexion.",
                             email=user.email))
    record_event("invitation_sent", actor, user_id=user.id)
    db.session.commit()


# A later reset request retires no link: only expiry, a chosen password, a newer invitation or ended sessions do.
STALE_RESET_MAIL = _l("Ce courriel n'est pas renvoyé. Son lien de réinitialisation n'est plus valable (il a expiré, "
                      "un mot de passe a été choisi, une invitation plus récente a été envoyée, ou les sessions du "
                      "compte ont été fermées depuis). La personne peut demander un nouveau lien avec « Mot de passe "
                      "oublié ? » sur la page de connexion.")


def resend_password_mail(row: OutboxEmail, actor: User) -> bool:
    """An admin sends a failed invitation or reset mail again: as it is while its link works (False); once the link
    has expired or been retired, an invitation is replaced by a new one with a working link (True), and a reset mail
    is refused (the owner asks again), for a dead link must not be mailed."""
    ensure_admin(actor)
    try:
        user_for_token(row.context["link"].rsplit("/", 1)[-1])
    except InvalidInput:
        pass
    else:
        retry_failed(row)
        return False
    if row.recipient is None:
        raise InvalidInput(_("Ce courriel n'est pas renvoyé, son compte n'existe plus."))
    if row.kind != "invitation":
        raise InvalidInput(STALE_RESET_MAIL)
    resend_invitation(row.recipient, actor)  # cancels this mail, whose link is dead
    return True


@subscribe
def queue_password_mail(event: Event, ticket: Ticket | None) -> None:
    """Invitations (new invited account, resent invitation) and reset links go out with their event: the link is
    made now (a resent invitation retiring the links mailed before, a reset request none: whoever knows the address
    can ask for one), the mail written when sent (as question notifications, so that an import
    of thousands of accounts neither renders thousands of mails nor flushes once per account)."""
    if event.kind == "user_created" and event.data.get("invited") or event.kind == "invitation_sent":
        purpose, template, subject = "invitation", "invitation", INVITATION_SUBJECT
    elif event.kind == "password_reset_requested":
        purpose, template, subject = "reset", "password_reset", RESET_SUBJECT
    else:
        return
    user = db.session.get(User, event.data["user_id"])
    if event.kind == "invitation_sent":
        user.retire_password_links()
        cancel_password_mail(user)
    inviter = event.actor if event.actor is not user else None
    expires_at = utcnow() + timedelta(seconds=_max_age(purpose))
    queue_event_mail(event, None, [Notification(
        recipient=user, kind=template, subject=subject,
        context={"link": make_password_link(user, purpose), "actor_id": inviter.id if inviter is not None else None,
                 "expires_at": expires_at.isoformat()})])


# Subjects of the notices of changes to the ways into an account (ASVS 2.2.3).
SECURITY_NOTICES = {
    "password_changed": _l("Votre mot de passe a été changé"),
    "password_set": _l("Votre mot de passe a été changé"),
    "api_token_created": _l("Un jeton d'accès à l'API a été créé sur votre compte"),
}


@subscribe
def queue_security_notice(event: Event, ticket: Ticket | None) -> None:
    """Tell the account's owner that its password was changed (in the account or through a link) or that an API
    token was created, saying what to do if it was not them; choosing the first password of an account (an
    invitation's) is not such a change, but an invitation link that finds the account with one replaces it."""
    if event.kind not in SECURITY_NOTICES or event.actor is None or (
            event.kind == "password_set" and event.data.get("first")):
        return
    user = event.actor
    db.session.flush()
    token = db.session.get(ApiToken, event.data["token_id"]) if event.kind == "api_token_created" else None
    queue_email(to=user, kind="security_notice", template="security_notice", subject=SECURITY_NOTICES[event.kind],
                dedupe_key=f"event:{event.id}:{user.id}",
                context={"change": "api_token" if token else "password", "token": token, "changed_at": utcnow(),
                         "forgot_url": absolute_url("auth.forgot_password"),
                         "tokens_url": absolute_url("auth.api_tokens")})


ADDRESS_CHANGED = _l("L'adresse e-mail de votre compte a été changée")


def queue_address_change_notices(event: Event, user: User, former_email: str) -> None:
    """Tell both addresses that an admin changed the account's address (`event`, ASVS 2.2.3): the former one, which
    a malicious or mistaken change would otherwise cut off silently (mail to that fixed address, never redirected by
    follow_account_change), and the new one; the caller commits."""
    db.session.flush()
    context = {"actor_name": event.actor.name, "changed_at": utcnow(), "former_email": former_email,
               "new_email": user.email, "forgot_url": absolute_url("auth.forgot_password")}
    for change, address in (("email_former", former_email), ("email_new", user.email)):
        queue_email(to=user, address=address, kind="security_notice", template="security_notice",
                    subject=ADDRESS_CHANGED, dedupe_key=f"event:{event.id}:{user.id}:{change}",
                    context={**context, "change": change})
