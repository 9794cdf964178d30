"""SQLAlchemy models; importing this package registers every table."""
from helpdesk.models.api_token import TOKEN_SCOPES, ApiToken
from helpdesk.models.article import ARTICLE_STATUSES, ARTICLE_TYPES, VISIBILITIES, Article
from helpdesk.models.article_read import ArticleRead
from helpdesk.models.attachment import Attachment
from helpdesk.models.auth_throttle import AuthThrottle
from helpdesk.models.event import Event
from helpdesk.models.flash import FlashBulletin, FlashDelivery, FlashRead, ThemeSubscription
from helpdesk.models.idempotency import IdempotencyKey
from helpdesk.models.mail import INBOUND_REASONS, INBOUND_STATUSES, OUTBOX_STATUSES, InboundEmail, OutboxEmail
from helpdesk.models.search import SearchChange, SearchLog, SuggestionClick
from helpdesk.models.structure import REGIONS, STRUCTURE_TYPES, Structure
from helpdesk.models.theme import Theme
from helpdesk.models.ticket import PRIORITIES, STATUSES, CHANNELS, Message, Ticket
from helpdesk.models.triage import (CannedAnswer, FaqSource, RoutingRule, RulesVersion, Satisfaction, SlaRule, Tag,
                                    TicketFollower, TicketPause)
from helpdesk.models.user import NOTIFY_MODES, ROLES, User
from helpdesk.models.webinar import WEBINAR_STATUSES, Webinar, WebinarQuestion, WebinarRegistration

__all__ = [
    "ARTICLE_STATUSES", "ARTICLE_TYPES", "Article", "ArticleRead", "Attachment", "AuthThrottle", "SearchChange",
    "SearchLog", "SuggestionClick", "VISIBILITIES",
    "CHANNELS", "Event", "Message", "PRIORITIES", "REGIONS", "ROLES", "STATUSES",
    "STRUCTURE_TYPES", "Structure", "Theme", "Ticket", "User",
    "INBOUND_REASONS", "INBOUND_STATUSES", "InboundEmail", "NOTIFY_MODES", "OUTBOX_STATUSES", "OutboxEmail",
    "CannedAnswer", "FaqSource", "RoutingRule", "RulesVersion", "Satisfaction", "SlaRule", "Tag", "TicketFollower",
    "TicketPause",
    "ApiToken", "IdempotencyKey", "TOKEN_SCOPES", "FlashBulletin", "FlashDelivery", "FlashRead", "ThemeSubscription",
    "WEBINAR_STATUSES", "Webinar", "WebinarQuestion", "WebinarRegistration",
]
