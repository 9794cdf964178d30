"""SQLAlchemy models; importing this package registers every table."""
from helpdesk.models.event import Event
from helpdesk.models.structure import REGIONS, STRUCTURE_TYPES, Structure
from helpdesk.models.theme import Theme
from helpdesk.models.ticket import PRIORITIES, STATUSES, CHANNELS, Message, Ticket
from helpdesk.models.user import ROLES, User

__all__ = [
    "CHANNELS", "Event", "Message", "PRIORITIES", "REGIONS", "ROLES", "STATUSES",
    "STRUCTURE_TYPES", "Structure", "Theme", "Ticket", "User",
]
