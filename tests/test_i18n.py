"""Languages: French by default, English complete, the user's choice remembered, locale-aware formats."""
import ast
import io
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import flask
import jinja2
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, refresh
from sqlalchemy import func, select

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.i18n import (
    format_date, format_datetime, format_day_month, format_number, format_relative, format_short_datetime,
    set_user_locale,
)
from helpdesk.mail import outbox
from helpdesk.main.forms import select_choices
from helpdesk.models._types import utcnow
from helpdesk.stats import queries
from helpdesk.templating import after_colon
from helpdesk.models import OutboxEmail, Ticket, User
from helpdesk.tickets import services as ticket_services
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "_l": None,
            "ngettext": (1, 2), "lazy_ngettext": (1, 2)}


def _source_msgids() -> set[str]:
    """Every msgid marked in the code and templates, extracted as `pybabel extract -F babel.cfg` does."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS,
            directory_filter=lambda path: not Path(path).name.startswith(".")):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _hashable(value):
    """A msgid or msgstr as a comparable value (plural forms come as lists or tuples)."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _catalog(locale: str):
    """The committed .po catalogue of a locale."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_marked_string_has_a_translation(locale):
    """No msgid of the code or templates lacks a (non-fuzzy) translation; run `make translations` and
    translate the new English entries when this fails."""
    catalog = _catalog(locale)
    translated = {message.id if isinstance(message.id, str) else message.id[0]
                  for message in catalog
                  if message.id and not message.fuzzy
                  and (all(message.string) if isinstance(message.string, tuple) else message.string)}
    missing = sorted(_source_msgids() - translated)
    assert not missing, f"{len(missing)} chaîne(s) sans traduction ({locale}) :\n" + "\n".join(missing[:50])


def test_french_catalogue_maps_each_string_to_itself():
    """French is the source language: the French catalogue never changes a text."""
    def expected(message):
        """Singular for the first form, the plural msgid for every other French plural form."""
        if not message.pluralizable:
            return message.id
        return (message.id[0],) + (message.id[1],) * (len(message.string) - 1)

    wrong = [message.id for message in _catalog("fr") if message.id and _hashable(message.string) != expected(message)]
    assert not wrong


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_compiled_catalogue_matches_its_source(locale):
    """The committed .mo holds exactly the .po's translations (`make translations` recompiles it)."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        compiled = {_hashable(message.id): _hashable(message.string) for message in read_mo(handle) if message.id}
    source = {_hashable(message.id): _hashable(message.string)
              for message in _catalog(locale) if message.id and not message.fuzzy}
    assert compiled == source


def test_dates_numbers_and_relative_times_follow_the_locale(app):
    """« 1 300 », « il y a 3 jours » in French; « 1,300 », « 3 days ago » in English; Paris time."""
    moment = datetime(2026, 11, 28, 8, 15, tzinfo=timezone.utc)
    three_days_ago = datetime.now(timezone.utc) - timedelta(days=3, minutes=1)
    with app.test_request_context():
        assert format_number(1300) == "1\u202f300"
        assert format_relative(three_days_ago) == "il y a 3 jours"
        assert format_datetime(moment) == "28 novembre 2026 à 09:15"
        with force_locale("en"):
            assert format_number(1300) == "1,300"
            assert format_relative(three_days_ago) == "3 days ago"
            assert format_datetime(moment) == "November 28, 2026 at 9:15\u202fAM"


def test_first_day_of_the_month_is_an_ordinal_in_french_only(app):
    """« 1er juin 2026 », « lun. 1er juin à 10:00 » in French (other days stay numbers); « June 1, 2026 » in English.
    The day is Paris's: 31 May 23:30 UTC is already the first of June there."""
    first_of_june = datetime(2026, 5, 31, 23, 30, tzinfo=timezone.utc)
    with app.test_request_context():
        assert format_date(date(2026, 6, 1)) == "1er juin 2026"
        assert format_date(date(2026, 12, 1)) == "1er décembre 2026"
        assert format_date(date(2026, 6, 11)) == "11 juin 2026"
        assert format_date(datetime(2026, 6, 1, 12, tzinfo=timezone.utc) - timedelta(days=1)) == "31 mai 2026"
        assert format_datetime(first_of_june) == "1er juin 2026 à 01:30"
        assert format_short_datetime(datetime(2026, 6, 1, 8, tzinfo=timezone.utc)) == "lun. 1er juin à 10:00"
        assert format_short_datetime(datetime(2026, 6, 11, 8, tzinfo=timezone.utc)) == "jeu. 11 juin à 10:00"
        with force_locale("en"):
            assert format_date(date(2026, 6, 1)) == "June 1, 2026"
            assert format_datetime(first_of_june) == "June 1, 2026 at 1:30\u202fAM"
            assert format_short_datetime(datetime(2026, 6, 1, 8, tzinfo=timezone.utc)) == "Mon, Jun 1 at 10:00\u202fAM"


def test_day_and_month_for_a_narrow_column(app):
    """« 1er déc. », « 24 sept. » (« Dec 1 » in English): an absence's return day in the queue's narrow column."""
    with app.test_request_context():
        assert format_day_month(date(2026, 12, 1)) == "1er déc."
        assert format_day_month(date(2026, 9, 24)) == "24 sept."
        with force_locale("en"):
            assert format_day_month(date(2026, 12, 1)) == "Dec 1"


def test_interface_is_french_by_default(client):
    """A first visit, whatever the browser says, is in French."""
    page = client.get("/connexion", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert '<html lang="fr">' in page


def test_visitor_language_choice_is_kept_in_a_cookie(client):
    """An anonymous visitor who picks English gets English pages from then on, back on the same page."""
    response = client.post("/langue", data={"locale": "en", "next": "/ressources/?q=cddi"})
    assert response.status_code == 302 and response.headers["Location"] == "/ressources/?q=cddi"
    assert "locale=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/connexion").get_data(as_text=True)


def test_member_language_choice_is_kept_on_the_account(client, login, world):
    """A member's choice follows them to a new session (stored on the account)."""
    login(world.member)
    client.post("/langue", data={"locale": "en", "next": "/questions/"})
    assert db.session.scalar(select(User.locale).where(User.id == world.member.id)) == "en"
    client.delete_cookie("locale")
    login(world.member)
    assert '<html lang="en">' in client.get("/questions/").get_data(as_text=True)


def test_unknown_language_or_foreign_redirect_changes_nothing(client, login, world):
    """A forged locale is ignored; the return address must stay on the site."""
    login(world.member)
    response = client.post("/langue", data={"locale": "xx", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    assert "Set-Cookie" not in response.headers or "locale=" not in response.headers["Set-Cookie"]
    assert db.session.scalar(select(User.locale).where(User.id == world.member.id)) is None


def test_set_user_locale_refuses_unknown_languages(world):
    """The service refuses a language the site does not offer."""
    with pytest.raises(InvalidInput):
        set_user_locale(world.member, "de")
    assert world.member.locale is None


TEMPLATES = ROOT / "templates"
# Text that stays as is in every language.
UNTRANSLATED = {"(language)"}
TRANSLATE_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
VISIBLE_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
PLACEHOLDER = "\x00"
TAG = re.compile(r"<(/?)([a-zA-Z!][\w-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
LETTER = re.compile(r"[^\W\d_]")
PROSE = re.compile(r"[^\W\d_]\s+[^\W\d_]|(?=[^\x00-\x7f])[^\W\d_]|^.[A-Z][a-z]+.$")  # words, accents, "Capitalised"


def _has_words(text: str) -> bool:
    """True if some letters remain once expressions and HTML entities are taken out."""
    text = re.sub(r"&#?\w+;", " ", text.replace(PLACEHOLDER, " ")).strip()
    return bool(LETTER.search(text)) and text not in UNTRANSLATED


def _unmarked_fragments(path: Path) -> list[tuple[int, str]]:
    """(line, text) of the literal text of a template that no translation call or {% trans %} block covers:
    text nodes, visible attributes, input buttons' values, and prose string literals in expressions."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    chars, lines, found = [], [], []
    in_trans, calls, previous = False, [], (None, None)
    for lineno, kind, value in env.lex(path.read_text(encoding="utf-8")):
        if kind == "data":
            if not in_trans:
                chars.extend(value)
                lines.extend(lineno + value.count("\n", 0, index) for index in range(len(value)))
            continue
        if kind in ("block_begin", "variable_begin"):
            chars.append(PLACEHOLDER)
            lines.append(lineno)
        elif kind == "name" and previous[0] == "block_begin" and value in ("trans", "endtrans"):
            in_trans = value == "trans"
        elif kind == "operator" and value in "([{":
            calls.append(previous[0] == "name" and previous[1] in TRANSLATE_CALLS)
        elif kind == "operator" and value in ")]}" and calls:
            calls.pop()
        elif kind == "string" and not any(calls) and not in_trans and PROSE.search(value):
            found.append((lineno, value))
        if kind != "whitespace":
            previous = (kind, value)
    text = "".join(chars)

    def check_text(start: int, end: int) -> None:
        """Record a text node that holds words."""
        chunk = text[start:end]
        if _has_words(chunk):
            offset = start + len(chunk) - len(chunk.lstrip())
            found.append((lines[offset], " ".join(chunk.replace(PLACEHOLDER, "{…}").split())))

    position, skipping = 0, None
    for match in TAG.finditer(text):
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if skipping:
            skipping = None if closing and name == skipping else skipping
            position = match.end()
            continue
        check_text(position, match.start())
        position = match.end()
        if not closing and name in ("script", "style", "code"):  # not prose: code stays as is
            skipping = name
        values = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                  for m in ATTRIBUTE.finditer(attributes)}
        shown = [name for name in VISIBLE_ATTRIBUTES if name in values]
        if name == "input" and values.get("type") in ("submit", "button", "reset"):
            shown.append("value")
        for attribute in shown:
            if values.get(attribute) and _has_words(values[attribute]):
                found.append((lines[match.start()], f'{attribute}="{values[attribute].replace(PLACEHOLDER, "{…}")}"'))
    if not skipping:
        check_text(position, len(text))
    return found


def test_every_template_text_is_marked_for_translation():
    """No user-visible text of a template (page or email) escapes translation: wrap it in _() or {% trans %}."""
    unmarked = [f"{path.relative_to(ROOT)}:{line}: {fragment[:100]}"
                for path in sorted(TEMPLATES.rglob("*")) if path.suffix in (".html", ".txt")
                for line, fragment in _unmarked_fragments(path)]
    assert not unmarked, f"{len(unmarked)} texte(s) non marqué(s) :\n" + "\n".join(unmarked)


def _speaks_english(user) -> None:
    """Give a user English as their language."""
    user.locale = "en"
    db.session.commit()


def test_model_labels_are_translated_when_shown(client, login, world):
    """Status labels are lazy: the same dictionary gives French to one jurist and English to another."""
    factories.make_ticket(world.member)
    login(world.jurist)
    page = client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert ">Répondue</option>" in page and ">Answered</option>" not in page
    _speaks_english(world.jurist2)
    login(world.jurist2)
    page = client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert ">Answered</option>" in page and ">Waiting for the member</option>" in page
    assert "Répondue" not in page
    assert db.session.scalar(select(Ticket.status)) == "new"  # the code is stored, never a label


def test_statistics_dashboard_in_english(client, login, world):
    """Headings, chart titles, the period and figures follow an English-speaking jurist."""
    factories.make_ticket(world.member)
    _speaks_english(world.jurist)
    login(world.jurist)
    page = client.get("/statistiques/").get_data(as_text=True)
    for text in ("Activity statistics", "Question volume", "Questions asked per month", "Response times by theme",
                 "1 question asked from ", "Chart: Questions by region"):
        assert text in page, text
    assert "Délais de réponse" not in page and "questions posées" not in page
    month = utcnow().astimezone(queries.PARIS)
    assert month.strftime("%B %Y") in page  # the months of the data tables, e.g. "November 2026"
    assert "No theme" in page and "Sans thème" not in page


def test_triage_controls_in_english(client, login, world):
    """The jurist's tools on a question (meta, reply helpers, tags) are in English for an English speaker."""
    ticket = factories.make_ticket(world.member)
    _speaks_english(world.jurist)
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Writing aids" in page and "Find a resource to cite" in page and "First response" in page
    assert "Aides à la rédaction" not in page


def test_satisfaction_scale_is_wholly_in_english(client, login, world):
    """The score 4 used to stay « 4 — Satisfait » among four English labels of the member's rating form."""
    ticket = factories.make_ticket(world.member)
    ticket_services.add_message(ticket, world.jurist, "Voici la réponse.", status_after="answered")
    _speaks_english(world.member)
    login(world.member)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    for label in ("1 — Not at all satisfied", "3 — Moderately satisfied", "4 — Satisfied", "5 — Very satisfied"):
        assert label in page, label
    assert "Satisfait" not in page


def test_emails_are_written_in_the_recipients_language(app, world):
    """One answer, two members: the English speaker's mail (rendered when sent) is in English, the other's French."""
    ticket = factories.make_ticket(world.member)
    ticket_services.claim(ticket, world.jurist)
    _speaks_english(world.colleague)
    ticket_services.add_message(ticket, world.jurist, "Voici la réponse.", status_after="answered")
    mails = {row.to_address: row for row in db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "answered"))}
    english, french = mails[world.colleague.email], mails[world.member.email]
    assert english.subject.endswith(f"Answer to your question: {ticket.subject}")
    (_, english_text, english_html), (_, french_text, french_html) = map(outbox.deferred_mail, (english, french))
    assert "Hello Bruno" in english_text and "answered question" in english_html
    assert '<html lang="en">' in english_html and "View the question:" in english_text
    assert french.subject.endswith(f"Réponse à votre question : {ticket.subject}")
    assert "Bonjour Alice" in french_text and '<html lang="fr">' in french_html


def test_welcome_after_login_is_in_the_accounts_language(client, login, world):
    """The greeting shown right after logging in speaks the account's language, not the visitor's default."""
    _speaks_english(world.member)
    login(world.member)
    assert f"welcome, {world.member.first_name}." in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_accepted_file_types_and_refusals_are_in_english_for_an_english_speaker(client, login, world):
    """The upload hint and the refusal naming a file's real type are translated, not left in French."""
    _speaks_english(world.member)
    login(world.member)
    page = client.get("/questions/nouvelle").get_data(as_text=True)
    assert "Accepted types: PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG or text (TXT)." in page
    assert "ou texte" not in page
    response = client.post("/questions/nouvelle", data={
        "subject": "Renewing a CDDI", "theme": str(world.theme.id), "priority": "1",
        "body": "Can we renew this contract beyond 24 months?",
        "attachments": [(io.BytesIO(b"Planning de la semaine"), "planning.pdf")]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The content of file “planning.pdf” does not match its extension (it is a plain text file)." in page
    assert "Texte brut" not in page
    assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_a_refused_choice_names_its_field_in_the_users_language(app, world):
    """WTForms said only « N'est pas un choix valide. », leaving the member to guess which list it was about."""
    from werkzeug.datastructures import MultiDict

    from helpdesk.kb.forms import ArticleForm
    from helpdesk.tickets.forms import QuestionForm

    posted = MultiDict({"subject": "Renouvellement d'un CDDI", "body": "Une description assez longue pour passer.",
                        "theme": "abc", "priority": "9", "type": "circulaire", "visibility": "members",
                        "title": "Modèle", "themes": ["999", "998"]})
    with app.test_request_context(method="POST"):
        app.config["WTF_CSRF_ENABLED"] = False
        question, article = QuestionForm(posted), ArticleForm(posted)
        question.theme.choices = select_choices([(world.theme.id, world.theme.name)])
        article.themes.choices = select_choices([(str(world.theme.id), world.theme.name)])
        assert not question.validate() and not article.validate()
        assert "Choisissez l'une des valeurs proposées pour « Thème »." in question.errors["theme"]
        assert question.errors["priority"] == ["Choisissez l'une des valeurs proposées pour « Urgence »."]
        assert article.errors["type"] == ["Choisissez l'une des valeurs proposées pour « Type »."]
        assert article.errors["themes"] == ["Choisissez des valeurs parmi celles proposées pour « Thèmes »."]
        with force_locale("en"):
            question = QuestionForm(posted)
            question.theme.choices = select_choices([(world.theme.id, world.theme.name)])
            assert not question.validate()
            assert question.errors["priority"] == ["Choose one of the values offered for “Urgency”."]


def test_translation_follows_the_locale_of_the_moment_within_one_request(app):
    """helpdesk.translation keeps each locale's catalogue: a mail written in English in the middle of a French
    request is English, the request's texts stay French, plurals and values are filled, templates follow."""
    from helpdesk.translation import gettext, lazy_gettext, ngettext

    label = lazy_gettext("Objet")
    with app.test_request_context("/"):
        assert gettext("Objet") == "Objet" and str(label) == "Objet"
        with force_locale("en"):
            assert gettext("Objet") == "Subject" and str(label) == "Subject"
            assert app.jinja_env.from_string("{{ _('Objet') }}").render() == "Subject"
        assert gettext("Objet") == "Objet"
        assert app.jinja_env.from_string("{{ _('Objet') }}").render() == "Objet"
        assert ngettext("%(num)d question", "%(num)d questions", 2) == "2 questions"
        assert gettext("Le champ « %(field)s » est obligatoire.", field="Objet") == (
            "Le champ « Objet » est obligatoire.")
    with app.test_request_context("/"):
        assert gettext("Objet") == "Objet"
        flask.g.account_locale = "en"  # a visitor following a link mailed to an English-speaking account
        refresh()
        assert gettext("Objet") == "Subject" and format_date(date(2026, 6, 1)) == "June 1, 2026"
        del flask.g.account_locale
        refresh()
        assert gettext("Objet") == "Objet" and format_date(date(2026, 6, 1)) == "1er juin 2026"


@pytest.mark.parametrize(("message", "shown"), [
    ("Vous avez pris cette question.", "vous avez pris cette question."),
    ("Étiquette retirée.", "étiquette retirée."),
    ("FAQ publiée.", "FAQ publiée."), ("API token revoked.", "API token revoked."),
    ("12 ressources marquées.", "12 ressources marquées."), ("", ""),
    ("Le fichier « a.exe » n'est pas d'un type accepté.", "le fichier « a.exe » n'est pas d'un type accepté."),
    ("Q-2026-00042 a déjà été fusionnée.", "Q-2026-00042 a déjà été fusionnée.")])
def test_a_banner_message_goes_on_in_lower_case_after_the_colon(message, shown):
    """After « C'est fait : » or « Erreur : » an ordinary first word is lowered; an acronym, a reference or a number
    is kept as it is."""
    assert after_colon(message) == shown


# Placeholders a refusal may start with: none is a person's, a structure's or a theme's name, which « Erreur : »
# would lower (API field names, in helpdesk/api/, are never shown in a banner).
_REFUSAL_OPENINGS = {"reference", "email", "field", "num", "max", "reason"}


def test_no_refusal_starts_with_a_name():
    """Every service refusal (shown after « Erreur : », its first letter lowered) starts with a word of the sentence
    or a reference, never with a name that would lose its capital."""
    opening = re.compile(r'raise \w+\((?:n?gettext|_l?)\(\s*"%\((\w+)\)')
    found = {(path.relative_to(ROOT).as_posix(), name) for path in (ROOT / "helpdesk").rglob("*.py")
             if "api" not in path.parts for name in opening.findall(path.read_text())}
    assert {(path, name) for path, name in found if name not in _REFUSAL_OPENINGS} == set()
    assert found, "the pattern no longer finds the refusals"


def _success_messages() -> list[tuple[str, str]]:
    """Every French sentence the code may flash as a success (file, sentence), read from the flash() calls (a
    category chosen by a condition counts when « success » is one of its choices)."""
    found = []
    for path in (ROOT / "helpdesk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "flash" and len(node.args) == 2
                    and any(isinstance(category, ast.Constant) and category.value == "success"
                            for category in ast.walk(node.args[1]))):
                found += [(path.name, text.value) for text in ast.walk(node.args[0])
                          if isinstance(text, ast.Constant) and isinstance(text.value, str) and " " in text.value]
    return found


def test_no_success_message_has_a_colon_of_its_own():
    """A success is shown after « C'est fait : »: « C'est fait : brouillon enregistré : vérifiez l'aperçu… » read
    two colons in one sentence, as refusals did after « Erreur : »; a full stop or a comma parts the clauses."""
    messages = _success_messages()
    assert len(messages) > 40, "the pattern no longer finds the success messages"
    assert [(name, text) for name, text in messages if " : " in text] == []


def test_the_success_banner_reads_as_one_sentence_in_english_too(client, login, world):
    """« Done: you took this question. », as « C'est fait : vous avez pris cette question. » in French."""
    ticket = factories.make_ticket(world.member)
    _speaks_english(world.jurist)
    login(world.jurist)
    page = client.post(f"/questions/{ticket.reference}/prendre", follow_redirects=True).get_data(as_text=True)
    assert "<strong>Done:</strong> you took this question." in page
