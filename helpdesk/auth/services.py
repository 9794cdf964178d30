"""Account operations: authenticate, create users, change passwords, deactivate."""
import re
from functools import lru_cache
from pathlib import Path

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from helpdesk.api.tokens import revoke_all_tokens
from helpdesk.auth.forms import PASSWORD_MAX, PASSWORD_MIN
from helpdesk.auth.throttling import count_failure, ensure_not_locked, forget_failures, trusted_device
from helpdesk.batches import assign_ids, in_batches
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db, login_manager
from helpdesk.i18n import too_long, too_short
from helpdesk.models import ROLES, Structure, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.models.user import new_session_token
from helpdesk.permissions import ensure_admin
from helpdesk.plain_text import one_line
from helpdesk.translation import gettext as _

# A dummy hash so that unknown addresses cost the same time as wrong passwords.
_TIMING_HASH = generate_password_hash("no such user")


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and stored lowercased."""
    return (email or "").strip().lower()


def _special_use_name(address: str) -> str | None:
    """The special-use top-level name (local, test...) that ends the address's domain, or None."""
    domain = address.rpartition("@")[2].lower()
    return next((name for name in SPECIAL_USE_DOMAIN_NAMES if domain.endswith("." + name)), None)


def _with_ordinary_domain(address: str, name: str) -> str:
    """The address with its special-use top-level `name` (demo.local, exemple.test) swapped for an ordinary one, so
    that email_validator, which refuses those names outright, still checks the rest of the address."""
    return f"{address[:-len(name)]}example"


def email_problem(address: str) -> str | None:
    """Why an address given for a new or corrected account is refused, in words, or None: it must be well-formed;
    special-use domains, which never receive mail, only where EMAIL_ALLOW_SPECIAL_DOMAINS says so (the demo and the
    tests, whose accounts are @demo.local); and written in ASCII: a Cyrillic « е » or a full-width « ｍ » would make
    an account that looks like another one (and few mail servers deliver to accented addresses)."""
    address = address.strip()
    if len(address) > 254:
        return _("Cette adresse e-mail n'est pas valide.")
    if not address.isascii():
        return _("Cette adresse e-mail contient une lettre accentuée ou d'un autre alphabet (parfois identique à l'œil "
                 "à une lettre latine). Écrivez-la sans accent ; un nom de domaine accentué s'écrit sous sa forme "
                 "« xn--… ».")
    if (special := _special_use_name(address)) is not None:
        if not current_app.config["EMAIL_ALLOW_SPECIAL_DOMAINS"]:
            return _("Les adresses en « .%(name)s » ne reçoivent jamais de courriel (nom réservé aux essais). "
                     "Indiquez l'adresse réelle de la personne.", name=special)
        address = _with_ordinary_domain(address, special)
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return _("Cette adresse e-mail n'est pas valide.")
    return None


def find_user_by_email(email: str) -> User | None:
    """The user with this email, whatever its case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def taken_emails(emails: set[str]) -> set[str]:
    """Those of these normalised addresses that already have an account, for checking many at once."""
    # Addresses are stored lowercased (a CHECK constraint says so).
    return set(in_batches(select(User.email), User.email, emails))


def authenticate(email: str, password: str, address: str | None = None, device_cookie: str | None = None) -> User | None:
    """The active user with these credentials, or None (recording the attempt); TooManyAttempts while
    the account or the address is locked out, whether the account exists or not. With a genuine device cookie
    of this account, the device's own lock-out replaces the account's."""
    device = trusted_device(device_cookie, email)
    ensure_not_locked("login", email, address, device)
    user = find_user_by_email(email)
    if user is None or not user.has_password:
        check_password_hash(_TIMING_HASH, password or "")  # as slow as a wrong password: nothing tells them apart
    if user is None or not user.check_password(password) or not user.active:
        count_failure("login", email, address, device)
        record_event("login_failed", user, address=address)
        db.session.commit()
        return None
    forget_failures("login", email, device)
    user.last_login_at = utcnow()
    record_event("login", user, address=address)
    db.session.commit()
    return user


def record_network_change(user: User, address: str | None) -> None:
    """Journal that the user's session is now used from another network, with the address it comes from (dropped
    with the logins' after LOGIN_ADDRESS_RETENTION_DAYS): the session goes on, the change stays on record."""
    record_event("session_network_changed", user, address=address)
    db.session.commit()


def log_out_everywhere(user: User) -> None:
    """End every session of the user, on this device and on others (a copied session cookie too), and log it."""
    user.session_token = new_session_token()
    record_event("logout", user)
    db.session.commit()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The vendored list of common passwords (see the header of common_passwords.txt for its source)."""
    lines = (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


_DECORATION = re.compile(r"[\s\d!?.,;:@#$%&*_+=~^-]+$")
_REPEATED = re.compile(r"^(.+?)\1+$")


def check_password_strength(password: str, email: str | None = None, field: str | None = None) -> None:
    """Refuse passwords shorter than the minimum, common ones (even with digits or symbols added at
    the end), repetitions of a short pattern and, given the account's email, that address or its part before @
    (`field`: the caller's argument holding the password, named in the refusal)."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(too_short(len(password), PASSWORD_MIN, None if field else _("Mot de passe")), field=field)
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(too_long(len(password), PASSWORD_MAX, None if field else _("Mot de passe")), field=field)
    lowered = password.lower()
    undecorated = _DECORATION.sub("", lowered)
    if lowered in common_passwords() or undecorated in common_passwords() or _REPEATED.match(lowered):
        raise InvalidInput(_("Ce mot de passe est trop courant ou trop prévisible. Choisissez-en un autre, "
                           "par exemple une phrase de plusieurs mots."), field=field)
    email = (email or "").strip().lower()
    if email and (email in lowered or undecorated == email.partition("@")[0]):
        raise InvalidInput(_("Le mot de passe ne doit pas reprendre l'adresse e-mail du compte. Choisissez-en un "
                             "autre, par exemple une phrase de plusieurs mots."), field=field)


def account_name_problem(name: str) -> str | None:
    """Why the (trimmed) name of an account is refused, in words, or None."""
    if not name:
        return _("Indiquez le nom de la personne.")
    if len(name) > 120:
        return too_long(len(name), 120)
    return None


def _account_values(user: User | None, email: str, name: str, role: str, structure_id: int | None,
                    taken: set[str] | None = None) -> tuple[str, str, Structure | None]:
    """The checked email, name and structure of an account being created (user None) or edited; `taken`, the
    addresses known to have an account when several are created at once (else the database is asked). An edited
    account's unchanged address is not checked again: one made before the checks (accented, .local) stays editable."""
    email = normalise_email(email)
    name = one_line(name)
    if (user is None or email != user.email) and (problem := email_problem(email)) is not None:
        raise InvalidInput(problem, field="email")
    if (problem := account_name_problem(name)) is not None:
        raise InvalidInput(problem, field="name")
    if role not in ROLES:
        raise InvalidInput(_("Ce rôle n'existe pas."), field="role")
    if taken is not None:
        exists = email in taken
    else:
        same_email = find_user_by_email(email)
        exists = same_email is not None and same_email is not user
    if exists:
        raise InvalidInput(_("Un compte existe déjà avec cette adresse e-mail."), field="email")
    structure = None
    if role == "member":
        structure = db.session.get(Structure, structure_id) if structure_id else None
        if structure is None:
            raise InvalidInput(_("Un membre doit être rattaché à une structure existante."), field="structure")
    elif structure_id:
        # Staff belong to no structure: a structure chosen for them is refused rather than silently dropped.
        raise InvalidInput(_("Un juriste ou un administrateur n'est rattaché à aucune structure. Laissez la "
                             "structure vide (« — ») ou choisissez le rôle Membre."), field="structure")
    return email, name, structure


def create_user(email: str, name: str, password: str | None, role: str, structure_id: int | None = None,
                actor: User | None = None) -> User:
    """Create an account; members need a structure, staff have none; password None mails an invitation. An `actor`
    (someone creating it from the site) must be an admin; commands and the demo create accounts without one."""
    user = add_user(email, name, password, role, structure_id, actor)
    db.session.commit()
    return user


def add_user(email: str, name: str, password: str | None, role: str, structure_id: int | None = None,
             actor: User | None = None) -> User:
    """create_user without the commit, for an operation that creates several accounts in one transaction."""
    return add_users([(email, name, password, structure_id)], role, actor)[0]


def add_users(accounts: list[tuple[str, str, str | None, int | None]], role: str,
              actor: User | None = None) -> list[User]:
    """add_user for many accounts of one role at once, each (email, name, password or None, structure id): the
    addresses are looked up in one query, and the accounts inserted in one flush (an import creates thousands)."""
    if actor is not None:
        ensure_admin(actor)
    taken = taken_emails({normalise_email(email) for email, *_rest in accounts})
    users = []
    for email, name, password, structure_id in accounts:
        email, name, structure = _account_values(None, email, name, role, structure_id, taken)
        if password is not None:
            check_password_strength(password, email)
        # The structure's id, not the object: its list of accounts (loaded for each structure otherwise) is read
        # again after the commit.
        user = User(email=email, name=name, role=role, structure_id=structure.id if structure else None, active=True)
        if password is None:
            user.set_unknown_password()
        else:
            user.set_password(password)
        taken.add(email)
        users.append(user)
    assign_ids(users)
    db.session.add_all(users)
    db.session.flush()
    assign_ids([record_event("user_created", actor, user_id=user.id, role=role,
                             **({"invited": True} if password is None else {}))
                for user, (_email, _name, password, _structure_id) in zip(users, accounts)])
    return users


def update_user(user: User, actor: User, *, email: str, name: str, role: str, structure_id: int | None) -> int:
    """An admin corrects an account: name, email, role, structure. A change of email, role or structure ends the
    account's sessions and revokes its API tokens (its rights, or the person behind the address, change: a script
    made for the former structure must not read the new one's questions); an anonymised account is not edited, and
    admins keep their own role.
    A jurist made a member leaves their open questions in « Non assignées » (returns how many). A new address is told
    to the former one and to the new one."""
    ensure_admin(actor)
    if user.anonymised_at is not None:
        raise InvalidInput(_("Ce compte a été anonymisé. Il ne se modifie plus."))
    if user.id == actor.id and role != user.role:
        raise InvalidInput(_("Vous ne pouvez pas changer votre propre rôle."))
    email, name, structure = _account_values(user, email, name, role, structure_id)
    changed = sorted(field for field, before, after in (
        ("email", user.email, email), ("name", user.name, name), ("role", user.role, role),
        ("structure", user.structure_id, structure.id if structure else None)) if before != after)
    if not changed:
        return 0
    if {"email", "role", "structure"} & set(changed):
        user.session_token = new_session_token()
        revoke_all_tokens(user, actor)
    released = release_questions(user, actor) if leaves_legal_team(user, role) else 0
    former_email = user.email
    user.email, user.name, user.role, user.structure = email, name, role, structure
    event = record_event("user_updated", actor, user_id=user.id, changed=changed)
    if "email" in changed:
        # Imported here: helpdesk.auth.passwords (mail) imports this module.
        from helpdesk.auth.passwords import queue_address_change_notices
        queue_address_change_notices(event, user, former_email)
    db.session.commit()
    return released


def rename_self(user: User, name: str) -> bool:
    """A user corrects their own name (shown on their questions, messages and mails, on one line); False if it did not
    change."""
    name = one_line(name)
    if (problem := account_name_problem(name)) is not None:
        raise InvalidInput(problem)
    if name == user.name:
        return False
    user.name = name
    record_event("user_updated", user, user_id=user.id, changed=["name"])
    db.session.commit()
    return True


def verify_current_password(user: User, password: str, address: str | None = None) -> None:
    """Check the logged-in user's own password before a change that whoever sits at an open session must not make
    alone (a new password, an API token); a wrong one is a failed guess locked out like a login attempt
    (TooManyAttempts), counted against the logged-in session as against a trusted device (and the address), so that
    failed logins from elsewhere never stop the owner."""
    device = f"session:{user.session_token}"
    ensure_not_locked("login", user.email, address, device)
    if not user.check_password(password):
        count_failure("login", user.email, address, device)
        db.session.commit()
        raise InvalidInput(_("Le mot de passe actuel est incorrect."), field="password")
    forget_failures("login", user.email, device)


def change_password(user: User, current: str, new: str, address: str | None = None) -> int:
    """Change one's own password after checking the current one; other sessions end and API tokens are revoked
    (returns how many). A wrong current password is a failed guess of the password, locked out like login attempts
    (TooManyAttempts) so that a session left open cannot be used to guess it; the count is the logged-in user's own,
    as a trusted device's, so that failed logins from elsewhere never stop them from changing their password."""
    try:
        verify_current_password(user, current, address)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="current") from None
    if new == current:
        raise InvalidInput(_("Le nouveau mot de passe doit être différent de l'actuel."), field="new")
    check_password_strength(new, user.email, field="new")
    user.set_password(new)
    record_event("password_changed", user)
    revoked = revoke_all_tokens(user)
    db.session.commit()
    return revoked


def _open_assignments(user: User):
    """The query of the open questions assigned to `user`."""
    return select(Ticket).where(Ticket.assignee_id == user.id, Ticket.status != "closed")


def open_assignment_count(user: User) -> int:
    """How many open questions are assigned to `user` (those a deactivation, or the member role, would put back in
    « Non assignées »)."""
    return db.session.scalar(select(func.count()).select_from(_open_assignments(user).subquery()))


def leaves_legal_team(user: User, role: str) -> bool:
    """Whether giving `user` the role `role` takes them out of the legal team (their open questions then go back to
    « Non assignées »)."""
    return user.is_staff and role not in ("jurist", "admin")


def opens_access(user: User | None, role: str, email: str, structure_id: int | None) -> bool:
    """Whether creating an account (`user` None) or editing `user` with the role `role`, the address `email` and the
    structure `structure_id` lets someone read what they could not: any new account (a member's opens its structure's
    questions), an account given a jurist's or an admin's role, any account's address changed (a password link would
    then go to the new address's holder), a member moved to another structure (its questions opened to them)."""
    return (user is None or normalise_email(email) != user.email
            or (role in ("jurist", "admin") and role != user.role)
            or (role == user.role == "member" and structure_id != user.structure_id))


def release_questions(user: User, actor: User) -> int:
    """Put the open questions of someone leaving the legal team back in « Non assignées », so that none waits on
    them unseen; returns how many."""
    tickets = db.session.scalars(_open_assignments(user)).all()
    for ticket in tickets:
        ticket.assignee = None
        record_event("unassigned", actor, ticket, previous=user.name)
    return len(tickets)


def set_active(user: User, active: bool, actor: User) -> int:
    """An admin activates or deactivates an account; deactivation ends its sessions, revokes its API tokens (a
    reactivation must not bring them back) and puts a jurist's open questions back in « Non assignées » (returns how
    many)."""
    ensure_admin(actor)
    if user.id == actor.id and not active:
        raise InvalidInput(_("Vous ne pouvez pas désactiver votre propre compte."))
    if active and user.anonymised_at is not None:
        raise InvalidInput(_("Ce compte a été anonymisé. Il ne peut plus être réactivé. Créez-en un nouveau."))
    user.active = active
    released = 0
    if not active:
        user.session_token = new_session_token()
        revoke_all_tokens(user, actor)
        released = release_questions(user, actor)
    record_event("user_activated" if active else "user_deactivated", actor, user_id=user.id)
    db.session.commit()
    return released


# The structure comes in the same query: member pages check it on every request. Built once, with its cache key:
# `Session.get` would build its query again at every request.
_USER_WITH_STRUCTURE = select(User).where(User.id == bindparam("id")).options(joinedload(User.structure))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Restore the session's user unless the token was rotated or the account deactivated."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.scalar(_USER_WITH_STRUCTURE, {"id": int(user_id)})
    if user is None or not user.active or user.session_token != token:
        return None
    return user
