"""Translation functions for code and templates, on Flask-Babel's catalogues and locale.

Flask-Babel walks its request context about ten times for each text it translates, and a page translates
hundreds; these functions read the locale it has selected straight from its per-context namespace and keep each
locale's catalogue, which never changes while the process runs.
"""
from babel import Locale
from babel.support import NullTranslations, Translations
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString

_catalogues: dict = {}


def _babel_namespace():
    """Flask-Babel's namespace of the current app context (where it keeps the selected or forced locale), or None."""
    context = _cv_app.get(None)
    return None if context is None else context.g.__dict__.get("_flask_babel")


def current_locale() -> Locale | None:
    """The locale of the current context (forced, chosen or default), as Flask-Babel's `get_locale`; None outside an
    app. Once selected, it is read from Flask-Babel's namespace without walking the context's proxies."""
    locale = getattr(_babel_namespace(), "babel_locale", None)
    return locale if locale is not None else get_locale()


def catalogue() -> Translations | NullTranslations:
    """The translations of the current locale (forced, chosen or default); no translation outside an app."""
    namespace = _babel_namespace()
    locale = getattr(namespace, "babel_locale", None)
    remembered = getattr(namespace, "helpdesk_catalogue", None)
    if locale is not None and remembered is not None and remembered[0] is locale:
        return remembered[1]
    locale = get_locale()
    translations = _catalogues.get(locale)
    if translations is None:
        translations = get_translations()
        if locale is not None:
            _catalogues[locale] = translations
    if locale is not None:
        # Kept beside the locale it belongs to: a forced locale is another object, so it never reads this one.
        _babel_namespace().helpdesk_catalogue = (locale, translations)
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
