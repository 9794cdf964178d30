"""API errors: always JSON, one stable shape {"error": {"code", "message"}}, never an HTML page."""
from flask import jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from helpdesk.api import bp
from helpdesk.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from helpdesk.extensions import db
from helpdesk.translation import lazy_gettext as _l

CODES = {
    400: ("bad_request", _l("La requête est mal formée.")),
    401: ("unauthorized", _l("Un jeton d'accès valide est nécessaire (en-tête Authorization: Bearer …).")),
    403: ("forbidden", _l("Vous n'avez pas le droit de faire cela.")),
    404: ("not_found", _l("Cette ressource est introuvable.")),
    405: ("method_not_allowed", _l("Cette méthode n'est pas acceptée à cette adresse.")),
    409: ("conflict", _l("Quelqu'un a modifié cet objet avant vous.")),
    413: ("payload_too_large", _l("La requête est trop volumineuse.")),
    415: ("unsupported_media_type", _l("Le corps de la requête doit être du JSON (Content-Type: application/json).")),
    422: ("invalid_input", _l("Les valeurs envoyées ne sont pas acceptables.")),
    429: ("rate_limited", _l("Trop de requêtes. Réessayez après le délai indiqué par l'en-tête Retry-After.")),
    500: ("server_error", _l("Une erreur interne est survenue ; rien n'a été enregistré.")),
}
SERVICE_STATUS = {InvalidInput: 422, Forbidden: 403, NotFound: 404, Conflict: 409}


def is_api_request() -> bool:
    """Whether the request is addressed to the API (also for errors raised before routing)."""
    return request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")


def error_response(status: int, message: str | None = None, code: str | None = None, headers=None):
    """The JSON error body for this status, with a French message."""
    default_code, default_message = CODES.get(status, CODES[400] if status < 500 else CODES[500])
    response = jsonify({"error": {"code": code or default_code, "message": message or default_message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_error(error: HTTPException):
    """Any HTTP error raised under /api (abort, routing, body too large) as JSON, with its reason when it has a
    French one."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    # A 405 names the methods the address accepts (Allow), as HTTP requires.
    allow = {name: value for name, value in error.get_headers() if name == "Allow"}
    return error_response(status, getattr(error, "message", None), headers=allow)


@bp.errorhandler(HTTPException)
def handle_http_error(error):
    """HTTP errors of API views."""
    return http_error(error)


@bp.errorhandler(ServiceError)
def handle_service_error(error: ServiceError):
    """A refused action: the service's French message, naming a field by its API name (the services' arguments are
    named as the API's body fields), with the matching status."""
    db.session.rollback()
    status = next((code for cls, code in SERVICE_STATUS.items() if isinstance(error, cls)), error.status_code)
    retry_after = getattr(error, "retry_after", None)
    message = error.message_naming(error.field) if error.field else error.message
    return error_response(status, message, headers={"Retry-After": str(retry_after)} if retry_after else None)


@bp.errorhandler(InternalServerError)
def handle_server_error(error):
    """Unexpected failures: rolled back, answered in JSON without details."""
    db.session.rollback()
    return error_response(500)
