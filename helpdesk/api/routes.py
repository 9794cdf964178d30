"""API endpoints: thin wrappers over the same services and permissions as the web pages."""
from flask import current_app, jsonify, request, url_for
from sqlalchemy.orm import selectinload

from helpdesk.api import bp
from helpdesk.api.auth import api_user
from helpdesk.api.idempotency import idempotent
from helpdesk.api.openapi import MAX_PAGE, MAX_QUERY, MAX_THEME_SLUG, MAX_THEMES, SCHEMAS, openapi_document
from helpdesk.api.serializers import article_detail, article_hit, message_json, ticket_detail_json, ticket_json
from helpdesk.audit.services import record_queue_search, record_question_read, record_questions_read
from helpdesk.errors import InvalidInput, ServiceError
from helpdesk.extensions import db
from helpdesk.i18n import too_long
from helpdesk.kb import searching
from helpdesk.kb.services import get_visible_article
from helpdesk.main.query_args import MAX_INT_ARG, url_with_query
from helpdesk.models import ARTICLE_TYPES, REGIONS, STATUSES, STRUCTURE_TYPES, Message, Ticket, User
from helpdesk.permissions import ensure_member, ensure_staff, get_typed_ticket, get_visible_ticket, visible_tickets
from helpdesk.plain_text import without_hidden_characters
from helpdesk.queue.services import SORTS, VIEWS, QueueFilters, queue_query
from helpdesk.tickets import services as ticket_services
from helpdesk.translation import gettext as _, lazy_gettext as _l

STATES = ("open", "closed", "all")
EXPECTED_KINDS = {str: _l("une chaîne de caractères"), int: _l("un nombre entier"), bool: _l("true ou false")}


def _int_param(name: str, default: int | None = None, minimum: int = 1, maximum: int = MAX_INT_ARG) -> int | None:
    """An integer query parameter within bounds; InvalidInput (422) when malformed, empty or repeated."""
    raw = _single_param(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not minimum <= int(raw) <= maximum:
        raise InvalidInput(_("Le paramètre « %(name)s » attend un entier de %(minimum)d à %(maximum)d.", name=name,
                             minimum=minimum, maximum=maximum))
    return int(raw)


def _choice_param(name: str, allowed, default=None):
    """A query parameter restricted to known values; InvalidInput (422) for others, the empty one included."""
    value = _single_param(name)
    if value is None:
        return default
    if value not in allowed:
        raise _unknown_value(name, allowed)
    return value


def _unknown_value(name: str, allowed) -> InvalidInput:
    """The refusal of a value outside `allowed`: it names the allowed values, never echoes what was sent."""
    return InvalidInput(_("La valeur de « %(name)s » est inconnue. Les valeurs possibles sont %(allowed)s.",
                          name=name, allowed=", ".join(allowed)))


def _text_param(name: str) -> str | None:
    """A free-text query parameter, at most MAX_QUERY characters."""
    value = (_single_param(name) or "").strip()
    _check_length(name, value, MAX_QUERY)
    return value or None


def _check_length(name: str, value: str, maximum: int):
    """InvalidInput (422) when a text parameter is longer than `maximum`: never cut silently."""
    if len(value) > maximum:
        raise InvalidInput(too_long(len(value), maximum, name))


def _single_param(name: str) -> str | None:
    """The one value of a query parameter (None when absent); InvalidInput (422) when it is repeated, since only
    the first would count."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise InvalidInput(_("Le paramètre « %(name)s » attend une seule valeur.", name=name))
    return values[0] if values else None


def _page_params() -> tuple[int, int]:
    """page (from 1) and per_page (1 to API_MAX_PER_PAGE, default 20)."""
    maximum = current_app.config["API_MAX_PER_PAGE"]
    return _int_param("page", 1, maximum=MAX_PAGE), _int_param("per_page", 20, maximum=maximum)


def _page_links(page: int, per_page: int, total: int, path_values: dict | None) -> dict:
    """self/first/last/prev/next URLs, keeping the other query parameters (`path_values`: the address's own, when
    they differ from the request's)."""
    last = max(1, -(-total // per_page))

    def link(number):
        return url_with_query(request.endpoint, {"per_page": per_page, "page": number},
                              **(path_values or request.view_args or {}))

    return {"self": link(page), "first": link(1), "last": link(last),
            "prev": link(page - 1) if 1 < page <= last + 1 else None, "next": link(page + 1) if page < last else None}


def _paginated(items: list, page: int, per_page: int, total: int, path_values: dict | None = None):
    """The common envelope of a list: items, page, per_page, total, pages, links (to the address with
    `path_values`, the request's by default)."""
    return jsonify({"items": items, "page": page, "per_page": per_page, "total": total,
                    "pages": max(1, -(-total // per_page)), "links": _page_links(page, per_page, total, path_values)})


def _json_body(schema: str) -> dict:
    """The request's JSON object (413 past API_MAX_BODY_SIZE: `limit_body_size`); 400 when it is missing, malformed, nested too deep to
    parse or not an object; 422 when it holds a field the OpenAPI `schema` does not list (a misspelt field would
    otherwise be ignored without a word)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        raise ServiceError(_("Le corps de la requête doit être un objet JSON."))
    fields = list(SCHEMAS[schema]["properties"])
    if not set(data) <= set(fields):
        raise InvalidInput(_("Le corps contient un champ inconnu. Les champs possibles sont %(fields)s.",
                             fields=", ".join(fields)))
    return data


def _encodable(text: str) -> bool:
    """Whether the text can be stored: JSON's \\uXXXX escapes can name half a surrogate pair, which no encoding can
    write (web forms and query strings never carry one: Werkzeug decodes them with replacement characters)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field(data: dict, name: str, kind, required: bool = False, default=None):
    """A body field of the expected JSON type (bool is not accepted as an integer; 3.0 is, as JSON Schema says)."""
    if name not in data or data[name] is None:
        if required:
            raise InvalidInput(_("Le champ « %(name)s » est obligatoire.", name=name))
        return default
    value = data[name]
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidInput(_("Le champ « %(name)s » doit être %(expected)s.", name=name,
                             expected=EXPECTED_KINDS[kind]))
    if isinstance(value, str) and "\x00" in value:
        raise InvalidInput(_("Le champ « %(name)s » contient le caractère nul, qui n'est pas accepté.", name=name))
    if isinstance(value, str) and not _encodable(value):
        raise InvalidInput(_("Le champ « %(name)s » contient un caractère Unicode invalide.", name=name))
    return without_hidden_characters(value) if isinstance(value, str) else value


@bp.before_request
def refuse_nul_characters():
    """A NUL character in the path or query is refused up front (PostgreSQL text cannot store it)."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if any("\x00" in value for value in values):
        raise ServiceError(_("La requête contient un caractère nul."))


@bp.before_request
def limit_body_size():
    """The API takes no files: a body past API_MAX_BODY_SIZE is refused (413) by whatever reads it first."""
    request.max_content_length = current_app.config["API_MAX_BODY_SIZE"]


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API (no token needed)."""
    return jsonify(openapi_document())


@bp.route("/me")
def me():
    """Who the token belongs to."""
    user = api_user()
    return jsonify({"name": user.name, "email": user.email, "role": user.role,
                    "structure": {"id": user.structure.id, "name": user.structure.name} if user.structure else None})


@bp.route("/questions")
def list_questions():
    """The member's structure's questions (members only, as on the web), newest activity first."""
    user = api_user()
    ensure_member(user)
    state = _choice_param("state", STATES, "open")
    mine = _choice_param("mine", ("true", "false"), "false") == "true"
    page, per_page = _page_params()
    query = visible_tickets(user).options(selectinload(Ticket.theme), selectinload(Ticket.author),
                                          selectinload(Ticket.structure), selectinload(Ticket.assignee))
    if mine:
        query = query.where(Ticket.author_id == user.id)
    if state != "all":
        query = query.where(Ticket.status == "closed" if state == "closed" else Ticket.status != "closed")
    result = db.paginate(query.order_by(Ticket.last_activity_at.desc(), Ticket.id.desc()), page=page,
                         per_page=per_page, error_out=False)
    return _paginated([ticket_json(ticket, user) for ticket in result.items], page, per_page, result.total)


def _created_question(ticket: Ticket, user: User):
    """The 201 answer naming a new question."""
    response = jsonify(ticket_json(ticket, user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_question", reference=ticket.reference)
    return response


@bp.route("/questions", methods=["POST"])
@idempotent(_created_question, creates=Ticket)
def create_question():
    """File a question for the member's structure, within the member's pace."""
    user = api_user()
    data = _json_body("NewQuestion")
    ticket_services.ensure_filing_pace(user)
    ticket = ticket_services.file_question(
        user, _field(data, "subject", str, required=True), _field(data, "body", str, required=True),
        _field(data, "theme_id", int), _field(data, "priority", int, default=1))
    return _created_question(ticket, user)


@bp.route("/questions/<reference>")
def get_question(reference):
    """A question the token's user may see (404 otherwise, as on the web), with its followers for jurists; a jurist's
    read is journalled. The reference may be typed in lower case or without its zeros (« q-2026-141 »), as on the
    web; the answer carries it as questions do."""
    user = api_user()
    ticket = get_typed_ticket(user, reference)
    record_question_read(user, ticket)
    return jsonify(ticket_detail_json(ticket, user))


@bp.route("/questions/<reference>/messages")
def list_messages(reference):
    """The question's messages, oldest first, in pages like every list; internal notes only for jurists, whose
    read is journalled; the reference typed as for the question itself."""
    user = api_user()
    ticket = get_typed_ticket(user, reference)
    record_question_read(user, ticket)
    page, per_page = _page_params()
    messages = [entry.message for entry in ticket_services.timeline(ticket, user) if entry.message is not None]
    shown = messages[(page - 1) * per_page:page * per_page]
    # The links name the question as it carries its reference, however it was typed.
    return _paginated([message_json(message) for message in shown], page, per_page, len(messages),
                      {"reference": ticket.reference})


def _created_message(message: Message, _user: User):
    """The 201 answer of a new message."""
    response = jsonify(message_json(message))
    response.status_code = 201
    return response


@bp.route("/questions/<reference>/messages", methods=["POST"])
@idempotent(_created_message, creates=Message)
def post_message(reference):
    """Reply publicly; jurists may also write an internal note or choose the status after the reply."""
    user = api_user()
    ticket = get_visible_ticket(user, reference)
    data = _json_body("NewMessage")
    message = ticket_services.add_message(
        ticket, user, _field(data, "body", str, required=True),
        internal=_field(data, "internal", bool, default=False), status_after=_field(data, "status_after", str))
    return _created_message(message, user)


def _question(ticket: Ticket, user: User):
    """The 200 answer of a question changed."""
    return jsonify(ticket_json(ticket, user))


@bp.route("/questions/<reference>/claim", methods=["POST"])
@idempotent(_question)
def claim_question(reference):
    """« Je prends » : a jurist claims an unassigned question (409 if a colleague was first)."""
    user = api_user()
    ticket = get_visible_ticket(user, reference)
    ensure_staff(user)
    ticket_services.claim(ticket, user)
    return _question(ticket, user)


@bp.route("/queue")
def queue():
    """The jurists' queue: the web's views, filters, sorts and pagination; unlike the web's queue it gives each
    question's text, so each one served is journalled as read (and the words of a text search, each call)."""
    user = api_user()
    ensure_staff(user)
    filters = QueueFilters(
        view=_choice_param("view", VIEWS, "non-assignees"), theme_id=_int_param("theme"),
        region=_choice_param("region", REGIONS), structure_type=_choice_param("type", STRUCTURE_TYPES),
        status=_choice_param("status", STATUSES), assignee_id=_int_param("assignee"), text=_text_param("q"),
        sort=_choice_param("sort", SORTS, "anciennete"))
    page, per_page = _page_params()
    result = db.paginate(queue_query(user, filters), page=page, per_page=per_page, error_out=False)
    items = [ticket_json(ticket, user) for ticket in result.items]
    record_queue_search(user, filters.text)
    record_questions_read(user, result.items, listed=True)
    return _paginated(items, page, per_page, result.total)


@bp.route("/articles")
def search_articles():
    """Search resources within the user's visibility (browse when q is empty)."""
    user = api_user()
    types = request.args.getlist("type")
    if any(value not in ARTICLE_TYPES for value in types):
        raise _unknown_value("type", ARTICLE_TYPES)
    themes = request.args.getlist("theme")
    if len(themes) > MAX_THEMES:
        raise InvalidInput(_("Le paramètre « %(name)s » accepte %(max)d valeurs au plus.", name="theme",
                             max=MAX_THEMES))
    for theme in themes:
        _check_length("theme", theme, MAX_THEME_SLUG)
    themes = [theme for theme in themes if theme]
    sort = _choice_param("sort", ("relevance", "date"), "relevance")
    page, per_page = _page_params()
    results = searching.search_resources(user, _text_param("q") or "", types=types, themes=themes, sort=sort,
                                         page=page, per_page=per_page)
    # The search shows its last page for a page beyond it; a list of the API is empty there, like every other.
    hits = results.hits if results.page == page else []
    return _paginated([article_hit(hit) for hit in hits], page, per_page, results.total)


@bp.route("/articles/<slug>")
def get_article(slug):
    """A resource the user may read (404 otherwise)."""
    return jsonify(article_detail(get_visible_article(api_user(), slug)))
