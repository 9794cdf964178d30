"""Translation functions for code and templates, on Flask-Babel's catalogues and locale.

Flask-Babel walks its request context about ten times for each text it translates, and a page translates
hundreds; these functions ask it for the locale once per text and keep each locale's catalogue, which never
changes while the process runs.
"""
from babel.support import NullTranslations, Translations
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString

_catalogues: dict = {}


def catalogue() -> Translations | NullTranslations:
    """The translations of the current locale (forced, chosen or default); no translation outside an app."""
    locale = get_locale()
    try:
        return _catalogues[locale]
    except KeyError:
        translations = get_translations()
        if locale is not None:
            _catalogues[locale] = translations
        return translations


def gettext(string: str, **variables) -> str:
    """`string` translated, then filled with `variables` (« %(name)s »)."""
    text = catalogue().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural form for `num`, translated, then filled with `variables` and `num`."""
    variables.setdefault("num", num)
    return catalogue().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """`gettext` deferred until the text is shown (module-level labels, translated in each reader's language)."""
    return LazyString(gettext, string, **variables)
