"""Signed reply addresses: the proof that a reply by email comes from the person the help desk wrote to.

The From header of a received mail proves nothing (anyone can write any address in it). Each mail about an
open question therefore carries its own Reply-To: MAIL_REPLY_TO plus-addressed with a token that binds the
recipient and the question, e.g. questions+q-2026-00042.17.k3v9...@federation.example. The token ends with
an HMAC of the user id and the reference under a key derived from SECRET_KEY, so nobody can make one up; a
received mail is appended to a question only when it was sent to such an address whose user is its sender
and whose question is the one it answers (helpdesk/mail/ingest.py). Lower case only: mail systems may change
the case of an address. The token takes at most 46 characters of the 64 a local part may hold.
"""
import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from flask import current_app

from helpdesk.models import Ticket, User
from helpdesk.permissions import membership_active

MAC_LENGTH = 20  # base32 characters: 100 bits
_TOKEN = re.compile(r"(q-\d{4}-\d{5,})\.([1-9]\d{0,11})\.([a-z2-7]{%d})" % MAC_LENGTH)


@dataclass(frozen=True)
class ReplyToken:
    """Who a signed reply address was given to, and about which question."""

    user_id: int
    reference: str


def _mac(user_id: int, reference: str) -> str:
    """The token's signature of (user, question), under a key used for nothing else."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"helpdesk.mail.reply-address",
                   hashlib.sha256).digest()
    digest = hmac.new(key, f"{user_id}:{reference}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:MAC_LENGTH]


def _configured() -> tuple[str, str, str] | None:
    """MAIL_REPLY_TO as (display name, local part, domain), or None when replies by email are not set up."""
    name, address = parseaddr(current_app.config["MAIL_REPLY_TO"] or "")
    local, _, domain = address.rpartition("@")
    return (name, local, domain) if local and domain else None


# Mail whose answer by email must not become its recipient's reply: a follower answering the mail about a colleague's
# internal note would otherwise write to the member. Their answer goes to MAIL_REPLY_TO, kept for a jurist to place.
NOT_ANSWERED_BY_MAIL = ("followed_activity",)


def reply_address(user: User | None, ticket: Ticket | None, kind: str | None = None) -> str | None:
    """The address where `user` answers `ticket` by email (in a mail of this `kind`); None for closed questions, for
    members of an inactive structure (they may not reply: their mails do not invite them to), for mail of the kinds
    NOT_ANSWERED_BY_MAIL or without MAIL_REPLY_TO."""
    configured = _configured()
    if (configured is None or user is None or ticket is None or ticket.is_closed or kind in NOT_ANSWERED_BY_MAIL
            or not membership_active(user)):
        return None
    name, local, domain = configured
    reference = ticket.reference.lower()
    return formataddr((name, f"{local}+{reference}.{user.id}.{_mac(user.id, ticket.reference)}@{domain}"))


def read_token(address: str) -> ReplyToken | None:
    """The token of one of our signed reply addresses (a bare address), or None (another address, or a forged
    or altered token)."""
    configured = _configured()
    if configured is None:
        return None
    _name, local, domain = configured
    mailbox, _, address_domain = address.lower().rpartition("@")
    prefix = f"{local.lower()}+"
    if address_domain != domain.lower() or not mailbox.startswith(prefix):
        return None
    match = _TOKEN.fullmatch(mailbox[len(prefix):])
    if match is None:
        return None
    reference, user_id = match.group(1).upper(), int(match.group(2))
    if not hmac.compare_digest(match.group(3), _mac(user_id, reference)):
        return None
    return ReplyToken(user_id, reference)
