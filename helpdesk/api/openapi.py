"""The OpenAPI 3.1 document of the API, written by hand next to the endpoints it describes."""
from helpdesk.main.query_args import MAX_INT_ARG
from helpdesk.models import ARTICLE_TYPES, REGIONS, STATUSES, STRUCTURE_TYPES
from helpdesk.queue.services import SORTS, VIEWS

ERROR_STATUSES = {
    "400": "Requête mal formée : corps JSON absent ou invalide, caractère nul ou octets non UTF-8 dans l'adresse.",
    "401": "Jeton absent, invalide, révoqué ou expiré.",
    "403": "Action interdite pour ce rôle, ou jeton en lecture seule.",
    "404": "Objet introuvable ou invisible pour cet utilisateur.",
    "409": "Conflit : un ou une collègue a agi avant vous.",
    "413": "Corps de la requête de plus de 1 Mio.",
    "422": "Valeurs refusées (message en français).",
    "429": "Limite de requêtes atteinte (voir Retry-After).",
}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
NAMED = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
MAX_PAGE = 10_000
MAX_QUERY = 200
MAX_THEMES = 10
MAX_THEME_SLUG = 80
# Text sent to the API never holds a NUL character (refused: 400 in the address, 422 in a body).
WITHOUT_NUL = "^[^\\u0000]*$"
HIDDEN_DROPPED = ("Les caractères de contrôle (sauf tabulations et retours à la ligne) et les caractères invisibles sont "
                  "retirés avant le contrôle des longueurs : un texte qui n'en contient pas d'autres est refusé (422).")


def _ref(name: str) -> dict:
    """A reference to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    """A JSON response."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict:
    """The error responses an operation may give (every one has the Error shape)."""
    return {status: {"$ref": f"#/components/responses/E{status}"} for status in ("400", "401", "429", *statuses)}


def _query(name: str, schema: dict, description: str) -> dict:
    """A query parameter."""
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _page(item: str) -> dict:
    """The paginated envelope of a list of `item`."""
    link = NULLABLE_STRING
    return {
        "type": "object", "required": ["items", "page", "per_page", "total", "pages", "links"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0}, "pages": {"type": "integer", "minimum": 1},
            "links": {"type": "object", "required": ["self", "first", "last", "prev", "next"],
                      "properties": {"self": {"type": "string"}, "first": {"type": "string"},
                                     "last": {"type": "string"}, "prev": link, "next": link}},
        },
    }


PAGE_PARAMETERS = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Numéro de page."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Éléments par page (100 au plus)."),
]
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7E]+$"},
    "description": "Clé choisie par le client (un UUID par exemple), 1 à 255 caractères ASCII imprimables, propre à "
                   "chaque utilisateur. La même requête renvoyée avec la même clé dans les 24 heures (une nouvelle "
                   "tentative après une réponse perdue) ne crée et ne change rien : elle reçoit la réponse de la "
                   "première (l'objet créé ou modifié, dans son état actuel), avec l'en-tête "
                   "Idempotent-Replayed: true. La même clé avec un autre contenu ou une autre adresse est refusée "
                   "(422, code idempotency_key_reused). Une requête refusée n'utilise pas sa clé."}
REFERENCE = {"name": "reference", "in": "path", "required": True,
             "schema": {"type": "string", "maxLength": 20, "pattern": WITHOUT_NUL},
             "description": "Référence de la question, par exemple Q-2026-00042."}
# A read finds the question by its reference typed as on the web; a write names it exactly, as the answers carry it
# (an Idempotency-Key is bound to the address it was sent to).
TYPED_REFERENCE = {**REFERENCE, "description": "Référence de la question, par exemple Q-2026-00042, ou tapée en "
                                               "minuscules ou sans ses zéros (q-2026-42)."}

SCHEMAS = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "insufficient_scope",
                                                "not_found", "method_not_allowed", "conflict", "payload_too_large",
                                                "unsupported_media_type", "invalid_input",
                                                "idempotency_key_reused", "rate_limited", "server_error"]},
            "message": {"type": "string"}}}},
    },
    "Question": {
        "type": "object",
        "required": ["reference", "subject", "body", "status", "status_label", "priority", "channel", "theme",
                     "structure", "author", "assignee", "created_at", "last_activity_at", "first_response_at",
                     "due_at", "closed_at"],
        "properties": {
            "reference": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"},
            "status": {"type": "string", "enum": list(STATUSES)}, "status_label": {"type": "string"},
            "priority": {"type": "integer", "minimum": 0, "maximum": 3}, "channel": {"type": "string"},
            "theme": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}}}]},
            "structure": {"type": "object", "required": ["id", "name"],
                          "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "author": NAMED, "assignee": {"oneOf": [{"type": "null"}, NAMED]},
            "created_at": {"type": "string", "format": "date-time"},
            "last_activity_at": {"type": "string", "format": "date-time", "description": "Dernier échange avec le "
                                 "membre (dépôt, message public, changement de statut, fusion d'une question de la "
                                 "même structure) : le travail interne de l'équipe (prise, assignation, reclassement, "
                                 "notes, étiquettes, suivi) ne le déplace pas. La clôture automatique compte à partir "
                                 "de là."},
            "first_response_at": NULLABLE_DATETIME, "closed_at": NULLABLE_DATETIME,
            "due_at": {**NULLABLE_DATETIME, "description": "Échéance interne de résolution : renseignée pour les "
                       "juristes et administrateurs seulement, toujours null pour les membres."},
        },
    },
    "QuestionDetail": {"allOf": [_ref("Question"), {
        "type": "object", "required": ["followers"],
        "properties": {"followers": {
            "oneOf": [{"type": "null"}, {"type": "array", "items": NAMED}],
            "description": "Juristes et administrateurs qui suivent la question (« Suivre »), par nom : renseigné pour "
                           "les juristes et administrateurs seulement, toujours null pour les membres."}}}]},
    "NewQuestion": {
        "type": "object", "required": ["subject", "body"], "additionalProperties": False,
        "properties": {
            "subject": {"type": "string", "minLength": 5, "maxLength": 200, "pattern": WITHOUT_NUL},
            "body": {"type": "string", "minLength": 20, "maxLength": 20000, "pattern": WITHOUT_NUL,
                     "description": HIDDEN_DROPPED},
            "theme_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_INT_ARG},
            "priority": {"type": ["integer", "null"], "minimum": 0, "maximum": 3, "default": 1,
                         "description": "null : la priorité par défaut (1)."},
        },
    },
    "Message": {
        "type": "object", "required": ["id", "body", "internal", "author", "created_at"],
        "properties": {
            "id": {"type": "integer"}, "body": {"type": "string"}, "internal": {"type": "boolean"},
            "author": {"type": "object", "required": ["name", "role"], "properties": {
                "name": {"type": "string"}, "role": {"type": "string", "enum": ["member", "jurist", "admin"]}}},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "NewMessage": {
        "type": "object", "required": ["body"], "additionalProperties": False,
        "properties": {
            "body": {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": WITHOUT_NUL,
                     "description": HIDDEN_DROPPED},
            "internal": {"type": ["boolean", "null"], "default": False,
                         "description": "Note interne (juristes) ; null : réponse publique."},
            "status_after": {"type": ["string", "null"], "enum": ["answered", "waiting", None],
                             "description": "Statut après une réponse publique (juristes)."},
        },
    },
    "ArticleHit": {
        "type": "object", "required": ["slug", "title", "type", "themes", "updated_on", "snippet"],
        "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"},
            "type": {"type": "string", "enum": list(ARTICLE_TYPES)},
            "themes": {"type": "array", "items": {"type": "string"}},
            "updated_on": {"type": ["string", "null"], "format": "date",
                           "description": "La date que montrent les listes, et selon laquelle trie sort=date : "
                                          "« à jour au », sinon le jour de publication (heure de Paris) ; null pour "
                                          "un brouillon jamais publié sans date « à jour au »."},
            "snippet": {"type": "string", "description": "HTML sûr : texte échappé et balises <mark>."},
        },
    },
    "Article": {
        "type": "object",
        "required": ["slug", "title", "summary", "body", "type", "visibility", "status", "themes", "tags",
                     "legal_refs", "updated_on", "source_url", "published_at"],
        "properties": {
            "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
            "body": {"type": "string", "description": "Markdown."},
            "type": {"type": "string", "enum": list(ARTICLE_TYPES)},
            "visibility": {"type": "string", "enum": ["public", "members", "jurists"]},
            "status": {"type": "string", "enum": ["draft", "published", "archived"]},
            "themes": {"type": "array", "items": {"type": "object", "required": ["slug", "name"], "properties": {
                "slug": {"type": "string"}, "name": {"type": "string"}}}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "legal_refs": {"type": "array", "items": {"type": "string"}},
            "updated_on": {"type": ["string", "null"], "format": "date"},
            "source_url": NULLABLE_STRING, "published_at": NULLABLE_DATETIME,
        },
    },
    "Me": {
        "type": "object", "required": ["name", "email", "role", "structure"],
        "properties": {
            "name": {"type": "string"}, "email": {"type": "string"},
            "role": {"type": "string", "enum": ["member", "jurist", "admin"]},
            "structure": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}}}]},
        },
    },
    "MessagePage": _page("Message"),
    "QuestionPage": _page("Question"),
    "ArticlePage": _page("ArticleHit"),
}


def openapi_document() -> dict:
    """The whole document, as a dict ready to be served as JSON."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk juridique — API",
            "version": "1.0.0",
            "description": "Questions, file des juristes et ressources, avec les mêmes droits que le site. "
                           "Authentification par jeton personnel (Mon compte → Jetons d'accès). Erreurs : "
                           "{\"error\": {\"code\", \"message\"}}. Chaque POST (qui crée ou change quelque chose) "
                           "accepte l'en-tête Idempotency-Key : une nouvelle tentative avec la même clé ne refait rien.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/me": {"get": {"operationId": "getMe", "summary": "Le titulaire du jeton",
                            "responses": {"200": _json(_ref("Me"), "Utilisateur"), **_errors()}}},
            "/questions": {
                "get": {"operationId": "listQuestions", "summary": "Questions de ma structure (membres)",
                        "parameters": [
                            _query("state", {"type": "string", "enum": ["open", "closed", "all"], "default": "open"},
                                   "En cours, clôturées ou toutes."),
                            _query("mine", {"type": "string", "enum": ["true", "false"], "default": "false"},
                                   "Seulement mes questions."),
                            *PAGE_PARAMETERS],
                        "responses": {"200": _json(_ref("QuestionPage"), "Une page de questions"),
                                      **_errors("403", "422")}},
                "post": {"operationId": "createQuestion", "summary": "Poser une question (membres, portée write)",
                         "parameters": [IDEMPOTENCY_KEY],
                         "requestBody": {"required": True,
                                         "content": {"application/json": {"schema": _ref("NewQuestion")}}},
                         "responses": {"201": _json(_ref("Question"), "Question créée"),
                                       **_errors("403", "413", "422")}},
            },
            "/questions/{reference}": {"get": {
                "operationId": "getQuestion", "summary": "Une question", "parameters": [TYPED_REFERENCE],
                "responses": {"200": _json(_ref("QuestionDetail"), "La question"), **_errors("404")}}},
            "/questions/{reference}/messages": {
                "get": {"operationId": "listMessages", "summary": "Messages (notes internes : juristes seulement)",
                        "parameters": [TYPED_REFERENCE, *PAGE_PARAMETERS],
                        "responses": {"200": _json(_ref("MessagePage"), "Une page de messages, les plus anciens d'abord"),
                                      **_errors("404", "422")}},
                "post": {"operationId": "postMessage", "summary": "Répondre, ou noter (juristes)",
                         "parameters": [REFERENCE, IDEMPOTENCY_KEY],
                         "requestBody": {"required": True,
                                         "content": {"application/json": {"schema": _ref("NewMessage")}}},
                         "responses": {"201": _json(_ref("Message"), "Message enregistré"),
                                       **_errors("403", "404", "413", "422")}},
            },
            "/questions/{reference}/claim": {"post": {
                "operationId": "claimQuestion", "summary": "« Je prends » (juristes)",
                "parameters": [REFERENCE, IDEMPOTENCY_KEY],
                "responses": {"200": _json(_ref("Question"), "Question prise"),
                              **_errors("403", "404", "409", "413", "422")}}},
            "/queue": {"get": {
                "operationId": "getQueue", "summary": "File des questions (juristes)",
                "parameters": [
                    _query("view", {"type": "string", "enum": list(VIEWS), "default": "non-assignees"}, "Vue."),
                    _query("theme", {"type": "integer", "minimum": 1, "maximum": MAX_INT_ARG}, "Identifiant du thème."),
                    _query("region", {"type": "string", "enum": list(REGIONS)}, "Région de la structure."),
                    _query("type", {"type": "string", "enum": list(STRUCTURE_TYPES)}, "Type de structure."),
                    _query("status", {"type": "string", "enum": list(STATUSES)}, "Statut."),
                    _query("assignee", {"type": "integer", "minimum": 1, "maximum": MAX_INT_ARG},
                           "Identifiant du ou de la juriste."),
                    _query("q", {"type": "string", "maxLength": MAX_QUERY, "pattern": WITHOUT_NUL}, "Texte recherché."),
                    _query("sort", {"type": "string", "enum": list(SORTS), "default": "anciennete"}, "Tri."),
                    *PAGE_PARAMETERS],
                "responses": {"200": _json(_ref("QuestionPage"), "Une page de la file"),
                              **_errors("403", "422")}}},
            "/articles": {"get": {
                "operationId": "searchArticles", "summary": "Rechercher dans les ressources visibles",
                "parameters": [
                    _query("q", {"type": "string", "maxLength": MAX_QUERY, "pattern": WITHOUT_NUL},
                           "Recherche (vide : parcourir)."),
                    _query("type", {"type": "array", "items": {"type": "string", "enum": list(ARTICLE_TYPES)}},
                           "Types de ressource (paramètre répétable : l'un ou l'autre)."),
                    _query("theme", {"type": "array", "maxItems": MAX_THEMES, "items": {
                        "type": "string", "maxLength": MAX_THEME_SLUG, "pattern": WITHOUT_NUL}},
                           f"Slugs de thème (paramètre répétable, {MAX_THEMES} au plus)."),
                    _query("sort", {"type": "string", "enum": ["relevance", "date"], "default": "relevance"}, "Tri."),
                    *PAGE_PARAMETERS],
                "responses": {"200": _json(_ref("ArticlePage"), "Une page de résultats"), **_errors("422")}}},
            "/articles/{slug}": {"get": {
                "operationId": "getArticle", "summary": "Une ressource",
                "parameters": [{"name": "slug", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 200, "pattern": WITHOUT_NUL}}],
                "responses": {"200": _json(_ref("Article"), "La ressource"), **_errors("404")}}},
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Jeton personnel hdj_…"}},
            "schemas": SCHEMAS,
            "responses": {f"E{status}": _json(_ref("Error"), description)
                          for status, description in ERROR_STATUSES.items()},
        },
    }
