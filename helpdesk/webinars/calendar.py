"""A webinar as an iCalendar file (RFC 5545), for members to add it to their calendar."""
from datetime import datetime, timezone


from helpdesk.mail.outbox import absolute_url, message_id_domain
from helpdesk.models import Webinar
from helpdesk.models._types import utcnow
from helpdesk.translation import gettext as _

LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value escaped per RFC 5545 §3.3.11: backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    parts, current = [], ""
    for char in line:
        limit = LINE_OCTETS if not parts else LINE_OCTETS - 1  # continuation lines start with a space
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = ""
        current += char
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    """A DATE-TIME in UTC form (20261128T130000Z)."""
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def webinar_ics(webinar: Webinar, join_url: str | None) -> str:
    """The webinar as a one-event calendar; `join_url`: the connection link, given only to those who may see it."""
    page = absolute_url("webinars.detail", webinar_id=webinar.id)
    description = "\n\n".join(part for part in (webinar.description,
                                                 join_url and _("Lien de connexion : %(url)s", url=join_url),
                                                 _("Page du webinaire : %(url)s", url=page)) if part)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Helpdesk juridique//Webinaires//FR", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "BEGIN:VEVENT", f"UID:webinar-{webinar.id}@{message_id_domain()}",
             f"DTSTAMP:{_utc(utcnow())}", f"DTSTART:{_utc(webinar.starts_at)}", f"DTEND:{_utc(webinar.ends_at)}",
             f"SUMMARY:{escape_text(webinar.title)}", f"DESCRIPTION:{escape_text(description)}", f"URL:{page}"]
    if join_url:
        lines.append(f"LOCATION:{escape_text(join_url)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
