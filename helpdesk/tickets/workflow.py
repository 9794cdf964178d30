"""The status flow of a question, as data plus one checking function; « Répondue » also needs a public reply."""

from helpdesk.errors import InvalidInput
from helpdesk.models import STATUSES
from helpdesk.translation import gettext as _

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "closed"}),
    "open": frozenset({"waiting", "answered", "closed"}),
    "waiting": frozenset({"open", "answered", "closed"}),
    "answered": frozenset({"open", "waiting", "closed"}),
    "closed": frozenset({"open"}),
}
# The statuses a question can be moved to from some status (« Nouvelle » is only where a question starts).
REACHABLE = [status for status in STATUSES if any(status in targets for targets in TRANSITIONS.values())]


def allowed_targets(status: str, *, replied: bool) -> list[str]:
    """Statuses reachable from `status`, in the order of the flow (`replied`: the team has answered publicly)."""
    return [target for target in STATUSES if target in TRANSITIONS[status] and (replied or target != "answered")]


def check_transition(current: str, target: str, *, replied: bool) -> None:
    """Raise InvalidInput unless the flow allows going from `current` to `target`; « Répondue » only once the
    team has answered the member publicly (`replied`), so that the member has an answer to read."""
    if target not in STATUSES:
        raise InvalidInput(_("Ce statut n'existe pas."))
    if target not in TRANSITIONS[current]:
        raise InvalidInput(_("Impossible de passer une question « %(current)s » au statut « %(target)s ».",
                               current=STATUSES[current], target=STATUSES[target]))
    if target == "answered" and not replied:
        raise InvalidInput(_("Répondez d'abord au membre, car le statut « Répondue » suit une réponse publique."))
