"""A jurist's absence: until the day they return, routing rules and team mail pass them by, and colleagues see it
where they assign questions."""
from datetime import date, timedelta

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import PARIS, format_date, format_day_month
from helpdesk.models import User
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _

# An absence is declared for at most this long ahead.
LONGEST = timedelta(days=366)


def paris_today() -> date:
    """Today's date in Paris, the federation's calendar."""
    return utcnow().astimezone(PARIS).date()


def set_absence(user: User, until: date | None) -> None:
    """Record that a jurist or an admin is away up to `until` included (None: back now); journalled."""
    if not user.is_staff:
        raise Forbidden(_("Seuls les juristes et les administrateurs déclarent une absence."))
    today = paris_today()
    if until is not None and until < today:
        raise InvalidInput(_("La date de retour est passée. Indiquez le dernier jour d'absence, aujourd'hui ou "
                             "plus tard."), field="until")
    if until is not None and until > today + LONGEST:
        raise InvalidInput(_("Une absence se déclare pour un an au plus."), field="until")
    user.absent_until = until
    record_event("absence_set", user, user_id=user.id, until=until.isoformat() if until else None)
    db.session.commit()


def absence_label(user: User, short: bool = False) -> str | None:
    """« absence jusqu'au 12 décembre 2026 » (`short`: « 12 déc. », for a table's narrow column) while the user is
    away, else None."""
    if not user.away_on(paris_today()):
        return None
    until = format_day_month(user.absent_until) if short else format_date(user.absent_until)
    return _("absence jusqu'au %(date)s", date=until)
