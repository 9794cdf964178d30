"""Idempotency-Key on every API POST (each creates or changes something): a client that sends the same request again
with the same key (its answer was lost, it retried) gets the answer of what the first one did, never a second
question, message or change. Each POST view takes the `idempotent` decorator; the OpenAPI description says so.

The key's row is inserted in the same transaction as what the request writes (the services commit): a request sent
twice at once finds the row of the first when its own commit breaks the (user, key) uniqueness, or when it is
refused for a conflict with what the first did, and answers with it.
The row points at what the request created (a question, a message) or at the question it changed, never at a copy
of the answer: a replay answers with that object as it is now, if the user may still see it.
"""
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, request
from sqlalchemy import delete, event, select
from sqlalchemy.exc import IntegrityError

from helpdesk.api.auth import api_user
from helpdesk.api.errors import error_response
from helpdesk.errors import Conflict, InvalidInput, NotFound
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


def _fingerprint() -> str:
    """What makes two requests the same: method, address and body (a JSON body's key order and spacing aside)."""
    body = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        pass  # no body, or not JSON: the view refuses it; its bytes are its fingerprint meanwhile
    return hashlib.sha256(f"{request.method} {request.path}\n".encode() + body).hexdigest()


def _recorded(user: User, key: str) -> IdempotencyKey | None:
    """The user's key row, if any."""
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                                          IdempotencyKey.key == key))


def _replay(user: User, record: IdempotencyKey, fingerprint: str, respond: Callable) -> Response:
    """The answer to a request sent again: what the first one created or changed, as it is now (422 if the key served
    another request)."""
    if record.request_hash != fingerprint:
        return error_response(422, _("Cette clé Idempotency-Key a déjà servi pour une autre requête (autre adresse ou "
                                     "autre contenu). Choisissez une nouvelle clé pour chaque nouvelle demande."),
                              code="idempotency_key_reused")
    resource = record.ticket or record.message
    if not can_view_ticket(user, record.ticket or record.message.ticket):
        raise NotFound(_("Cette ressource est introuvable."))
    response = respond(resource, user)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(respond: Callable[[Ticket | Message, User], Response],
               creates: type[Ticket] | type[Message] | None = None) -> Callable:
    """Decorate an API POST view that creates a `creates` (Ticket or Message) or, without it, changes the question its
    `reference` names; `respond(object, user)` is its answer, which the view gives too. With an Idempotency-Key already
    used by the user within IDEMPOTENCY_KEY_HOURS, the view does not run: the answer is `respond` on what the first
    request created or changed (422 when the key came with another request); otherwise the key is recorded with what
    the view writes. A refused request (nothing written) does not use its key."""

    def decorate(view: Callable) -> Callable:
        """Wrap `view`."""

        @wraps(view)
        def wrapper(**arguments):
            """Replay, or run the view recording its key."""
            key = _request_key()
            if key is None:
                return view(**arguments)
            user = api_user()
            fingerprint = _fingerprint()
            since = utcnow() - timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])
            record = _recorded(user, key)
            if record is not None and record.created_at >= since:
                return _replay(user, record, fingerprint, respond)
            # Forget the user's expired keys (this one included, when reused after the window).
            db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                                            IdempotencyKey.created_at < since))
            changed_id = None if creates else db.session.scalar(
                select(Ticket.id).where(Ticket.reference == arguments.get("reference")))
            session = db.session()
            recorded = []

            def record_key(flushing, _context, _instances):
                """Add the key's row to the flush that writes what the request creates or changes (again after a
                rollback, which takes it away)."""
                if recorded and recorded[-1] in flushing:
                    return
                if creates is None:
                    link = {"ticket_id": changed_id} if changed_id is not None else None
                else:
                    created = next((instance for instance in flushing.new if isinstance(instance, creates)), None)
                    link = {"ticket" if creates is Ticket else "message": created} if created is not None else None
                if link is not None:
                    recorded.append(IdempotencyKey(user_id=user.id, key=key, request_hash=fingerprint, **link))
                    flushing.add(recorded[-1])

            event.listen(session, "before_flush", record_key)
            try:
                return view(**arguments)
            except (IntegrityError, Conflict):
                # The same request sent at once came first: its commit broke our key's uniqueness, or it made the
                # change our view was refused (a question already claimed). Its answer is ours.
                db.session.rollback()
                record = _recorded(user, key)
                if record is None:
                    raise
                return _replay(user, record, fingerprint, respond)
            finally:
                event.remove(session, "before_flush", record_key)

        return wrapper

    return decorate
