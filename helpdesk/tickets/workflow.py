"""The status flow of a question, as data plus one checking function."""
from flask_babel import gettext as _

from helpdesk.errors import InvalidInput
from helpdesk.models import STATUSES

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "closed"}),
    "open": frozenset({"waiting", "answered", "closed"}),
    "waiting": frozenset({"open", "answered", "closed"}),
    "answered": frozenset({"open", "waiting", "closed"}),
    "closed": frozenset({"open"}),
}


def allowed_targets(status: str) -> list[str]:
    """Statuses reachable from `status`, in the order of the flow."""
    return [target for target in STATUSES if target in TRANSITIONS[status]]


def check_transition(current: str, target: str) -> None:
    """Raise InvalidInput unless the flow allows going from `current` to `target`."""
    if target not in STATUSES:
        raise InvalidInput(_("Ce statut n'existe pas."))
    if target not in TRANSITIONS[current]:
        raise InvalidInput(_("Impossible de passer une question « %(current)s » au statut « %(target)s ».",
                               current=STATUSES[current], target=STATUSES[target]))
