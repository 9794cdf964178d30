"""Languages: French by default, English available; the choice is kept on the account (or in a cookie
for visitors). Dates, numbers and relative times are formatted for the current locale by Babel."""
import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, format_date as babel_format_date, format_time
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, format_decimal, format_timedelta, refresh
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.translation import catalogue, current_locale, gettext as _, ngettext

PARIS = ZoneInfo("Europe/Paris")
LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT_LOCALE = "fr"
COOKIE = "locale"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


def select_locale() -> str:
    """The account's language, else the visitor's cookie, else French."""
    if not has_request_context():
        return DEFAULT_LOCALE
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else g.get("account_locale", DEFAULT_LOCALE)


def adopt_account_locale(user: User) -> str | None:
    """A visitor who chose no language and follows a link mailed to `user` (password reset, invitation) reads the
    page in the account's language, as they read the mail; return that language (for keep_locale), or None."""
    if request.cookies.get(COOKIE) in LANGUAGES or user.locale not in LANGUAGES:
        return None
    g.account_locale = user.locale
    refresh()
    return user.locale


def keep_locale(response, locale: str) -> None:
    """Remember a visitor's language in a cookie on this response."""
    response.set_cookie(COOKIE, locale, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax", secure=request.is_secure)


def recipient_locale(user: User | None) -> str:
    """The language to write to a user in (emails): theirs, else French."""
    return user.locale if user is not None and user.locale in LANGUAGES else DEFAULT_LOCALE


def lazy_format(message, **values) -> LazyString:
    """A lazily translated message (`_l("… %(name)s")`) with its values, translated and filled when shown."""
    return LazyString(lambda: str(message) % values)


def set_user_locale(user: User, locale: str) -> None:
    """Remember a user's language on their account."""
    if locale not in LANGUAGES:
        raise InvalidInput(_("Langue inconnue."))
    user.locale = locale
    db.session.commit()


# French typography: a no-break space before « : », a narrow one before « ; ! ? », inside « ». Markup's tags are
# skipped, so that a space inside a tag or an attribute never changes.
_TO_TIE = re.compile(r"« | »| [:;!?]")
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)|([^<]+)")
_SPACE_BEFORE = re.compile(r" ([:;!?])")
_FRENCH_SPACES = {":": "\u00a0", ";": "\u202f", "!": "\u202f", "?": "\u202f"}


def tie_french_punctuation(text: str) -> str:
    """`text` in French typography: a no-break space inside its quotes (« mot ») and before « : », a narrow one
    before « ; ! ? », so that a line never starts with one of them nor ends on «; only plain spaces between tags
    change, and Markup stays Markup. Every text a template translates takes it: English has no space before these
    marks (nothing changes there but its few « »), and a text left untranslated is French."""
    if not _TO_TIE.search(text):
        return text

    def tie(match: re.Match) -> str:
        """A tag as it is, a run of text with its spaces tied."""
        if match.group(1):
            return match.group(1)
        run = match.group(2).replace("« ", "«\u00a0").replace(" »", "\u00a0»")
        return _SPACE_BEFORE.sub(lambda space: _FRENCH_SPACES[space.group(1)] + space.group(1), run)

    tied = _TAG_OR_TEXT.sub(tie, text)
    return Markup(tied) if isinstance(text, Markup) else tied


def format_datetime(value: datetime | None) -> str:
    """'28 novembre 2026 à 09:15' (or 'November 28, 2026 at 9:15 AM'), in Paris time."""
    if value is None:
        return ""
    locale, value = current_locale(), _in_paris(value)
    return _("%(date)s à %(time)s", date=_format_day(value, locale.date_formats["long"], locale),
             time=format_time(value, "short", locale=locale))


def format_date(value: date | datetime | str | None) -> str:
    """'28 novembre 2026', '1er juin 2026' (or 'November 28, 2026'); datetimes are taken in Paris time, ISO strings
    (as event details keep them) read first."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    locale = current_locale()
    return _format_day(_in_paris(value) if isinstance(value, datetime) else value, locale.date_formats["long"], locale)


def format_day_month(value: date) -> str:
    """'4 déc.', '1er déc.' (or 'Dec 4'): a date of the coming weeks where a table's column is narrow."""
    locale = current_locale()
    return _format_day(value, locale.datetime_skeletons["MMMd"], locale)


def _in_paris(value: datetime) -> datetime:
    """`value` in Paris time; a naive value is UTC, as the database stores it."""
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(PARIS)


def _format_day(value: date | datetime, pattern: DateTimePattern, locale: Locale) -> str:
    """The date part of `value` (a datetime already in Paris time) in `locale`'s `pattern`; French writes the first
    day of a month as an ordinal (« 1er juin », « lun. 1er déc. »), every other day as a plain number."""
    text = pattern.pattern
    if value.day == 1 and locale.language == "fr":
        text = re.sub(r"(?<![d'])d(?![d'])", "d'er'", text, count=1)
    return babel_format_date(value, text, locale=locale)


def format_short_datetime(value: datetime | None) -> str:
    """'lun. 30 nov. à 12:00' (or 'Mon, Nov 30 at 12:00 PM'), in Paris time: a near date read at a glance."""
    if value is None:
        return ""
    locale, value = current_locale(), _in_paris(value)
    return _("%(date)s à %(time)s", date=_format_day(value, locale.datetime_skeletons["MMMEd"], locale),
             time=format_time(value, "short", locale=locale))


def format_compact_date(value: datetime | None) -> str:
    """'03/06/2026' (or '6/3/26'), in Paris time: a date in a dense table's narrow column."""
    if value is None:
        return ""
    locale = current_locale()
    return _format_day(_in_paris(value), locale.date_formats["short"], locale)


def format_compact_time(value: datetime | None) -> str:
    """'15:26' (or '3:26 PM'), in Paris time: the time of day under a date in a dense table's narrow column."""
    if value is None:
        return ""
    return format_time(_in_paris(value), "short", locale=current_locale())


def format_relative(value: datetime | None) -> str:
    """'il y a 3 jours' (or '3 days ago')."""
    if value is None:
        return ""
    return format_timedelta(value - datetime.now(timezone.utc), add_direction=True)


def format_elapsed(since: datetime, now: datetime | None = None) -> str:
    """'3 jours' (or '3 days'): the time gone by since `since`, rounded as `format_relative` rounds it."""
    return format_timedelta((now or datetime.now(timezone.utc)) - since)


def format_number(value: int | float | None) -> str:
    """'1 300' (or '1,300')."""
    return "" if value is None else format_decimal(value)


def too_short(length: int, minimum: int, label=None) -> str:
    """The refusal of a text shorter than its minimum, both lengths written the reader's way (« 20 caractères au
    minimum (votre texte en compte 12). »), naming the field by its `label` where the message stands alone."""
    values = {"min": format_number(minimum), "length": format_number(length)}
    if label is None:
        return ngettext("%(min)s caractère au minimum (votre texte en compte %(length)s).",
                        "%(min)s caractères au minimum (votre texte en compte %(length)s).", minimum, **values)
    return ngettext("Le champ « %(field)s » demande %(min)s caractère au minimum (votre texte en compte %(length)s).",
                    "Le champ « %(field)s » demande %(min)s caractères au minimum (votre texte en compte %(length)s).",
                    minimum, field=label, **values)


def too_long(length: int, maximum: int, label=None) -> str:
    """The refusal of a text longer than its limit, both lengths written the reader's way, so that the writer knows how
    much to cut: « 200 caractères au maximum (votre texte en compte 215). » under its field, or naming the field by
    its `label` where the message stands alone (a banner, the API)."""
    values = {"max": format_number(maximum), "length": format_number(length)}
    if label is None:
        return _("%(max)s caractères au maximum (votre texte en compte %(length)s).", **values)
    return _("Le champ « %(field)s » accepte %(max)s caractères au maximum (votre texte en compte %(length)s).",
             field=label, **values)


def content_lang() -> Markup:
    """` lang="fr"` for an element holding the federation's French editorial content (resources, webinars) when the
    interface is in another language, so that screen readers read it with a French voice (WCAG 3.1.2)."""
    return Markup("") if str(current_locale()) == DEFAULT_LOCALE else Markup(f' lang="{DEFAULT_LOCALE}"')


def register(app: Flask, translations_dir: str) -> None:
    """Install Flask-Babel and the locale-aware filters."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Paris")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translations_dir)
    babel.init_app(app, locale_selector=select_locale)
    # Templates translate through the same lookups as the code (helpdesk.translation), not Flask-Babel's.
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: tie_french_punctuation(catalogue().ugettext(string)),
        ngettext=lambda singular, plural, num: tie_french_punctuation(catalogue().ungettext(singular, plural, num)),
        newstyle=True)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts {% trans %} blocks
    app.jinja_env.filters.update(datetime=format_datetime, short_datetime=format_short_datetime,
                                 compact_date=format_compact_date, compact_time=format_compact_time,
                                 date=format_date,
                                 relative=format_relative, number=format_number)
    app.jinja_env.globals.update(languages=LANGUAGES, current_locale=lambda: str(current_locale()),
                                 content_lang=content_lang)
