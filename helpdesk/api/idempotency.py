"""Idempotency-Key on the API's POSTs that create something (a question, a message): a client that sends the same
request again with the same key (its answer was lost, it retried) gets what the first one created, never a second one.

The key's row is inserted in the same transaction as what it creates (the services commit): a request sent twice at
once finds the row of the first when its own commit breaks the (user, key) uniqueness, and answers with it.
"""
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from flask import Response, current_app, request
from sqlalchemy import delete, event, select
from sqlalchemy.exc import IntegrityError

from helpdesk.api.errors import error_response
from helpdesk.errors import InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.models import IdempotencyKey, Message, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import can_view_ticket
from helpdesk.translation import gettext as _

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x20-\x7e]{1,255}")


def _request_key() -> str | None:
    """The request's Idempotency-Key (None without one); InvalidInput (422) when it is not 1 to 255 printable ASCII
    characters."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInput(_("L'en-tête Idempotency-Key attend de 1 à 255 caractères ASCII imprimables (un UUID "
                             "par exemple)."))
    return key


def _fingerprint(data: dict) -> str:
    """What makes two requests the same: method, address and JSON body (key order aside)."""
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _recorded(user: User, key: str) -> IdempotencyKey | None:
    """The user's key row, if any."""
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                                          IdempotencyKey.key == key))


def _replay(user: User, record: IdempotencyKey, fingerprint: str, respond: Callable) -> Response:
    """The answer to a request sent again: what the first one created (422 if the key served another request)."""
    if record.request_hash != fingerprint:
        return error_response(422, _("Cette clé Idempotency-Key a déjà servi pour une autre requête (autre adresse ou "
                                     "autre contenu). Choisissez une nouvelle clé pour chaque nouvelle demande."),
                              code="idempotency_key_reused")
    resource = record.ticket or record.message
    if not can_view_ticket(user, record.ticket or record.message.ticket):
        raise NotFound(_("Cette ressource est introuvable."))
    response = respond(resource)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(user: User, data: dict, created: type[Ticket] | type[Message], create: Callable,
               respond: Callable) -> Response:
    """Run `create()` (a service that commits what it creates, of class `created`) and answer `respond(resource)`;
    with an Idempotency-Key already used by the user within IDEMPOTENCY_KEY_HOURS, answer with the resource the first
    request created instead (or 422 when the key came with another request)."""
    key = _request_key()
    if key is None:
        return respond(create())
    fingerprint = _fingerprint(data)
    since = utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
    record = _recorded(user, key)
    if record is not None and record.created_at >= since:
        return _replay(user, record, fingerprint, respond)
    # Forget the user's expired keys (this one included, when reused after the window).
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                                    IdempotencyKey.created_at < since))
    session = db.session()

    def record_creation(flushing, _context, _instances):
        """Add the key's row, pointing at the new resource, to the flush that inserts it."""
        resource = next((instance for instance in flushing.new if isinstance(instance, created)), None)
        if resource is not None and not any(isinstance(instance, IdempotencyKey) for instance in flushing.new):
            link = {"ticket": resource} if created is Ticket else {"message": resource}
            flushing.add(IdempotencyKey(user_id=user.id, key=key, request_hash=fingerprint, **link))

    event.listen(session, "before_flush", record_creation)
    try:
        resource = create()
    except IntegrityError:
        db.session.rollback()
        record = _recorded(user, key)
        if record is None:
            raise
        return _replay(user, record, fingerprint, respond)
    finally:
        event.remove(session, "before_flush", record_creation)
    return respond(resource)
