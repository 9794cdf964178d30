"""What the views acting on a question share: whose question it is, flashing a refusal, the form's errors or the
files to attach again, the way back to the question, the team for a select; and the page of a list to show."""
import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import flash, redirect, session, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput, ServiceError
from helpdesk.extensions import db
from helpdesk.main.forms import CHOICE_GROUPS
from helpdesk.main.query_args import page_arg, request_address, safe_next, url_with_query
from helpdesk.models import Ticket, User
from helpdesk.permissions import ensure_staff, get_visible_ticket
from helpdesk.repeats import keyed_digest
from helpdesk.translation import gettext as _, ngettext
from helpdesk.triage.absence import absence_label


def list_page(query, per_page: int):
    """The requested page of a list (`?page=`), brought back to the last one when past the end (an old bookmark, a
    list that shrank), as the queue and the resource search do, instead of an empty page without pagination."""
    page = db.paginate(query, page=page_arg(), per_page=per_page, error_out=False)
    if page.page > page.pages > 0:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page


@contextmanager
def flash_refusal(*refusals: type[ServiceError]) -> Iterator[None]:
    """Run the block; a refusal of the given kinds (InvalidInput by default) is flashed as an error and ends it (for
    bad input, saying that nothing was saved)."""
    try:
        yield
    except refusals or (InvalidInput,) as error:
        if isinstance(error, InvalidInput):
            flash_not_saved(error.message)
        else:
            flash(error.message, "error")


def invalid_filters_refusal(form, endpoint: str):
    """None when every filter of a validated export's `form` is valid; otherwise the way back to the list page
    `endpoint`, with the same query string so that its errors show, saying nothing was exported (the defaults in place
    of a refused filter would give another file than the one asked for, under the same name)."""
    if not form.errors:
        return None
    flash(_("Un filtre n'est pas valide, rien n'a été exporté. Corrigez-le sur cette page puis exportez à nouveau."),
          "error")
    return redirect(url_with_query(endpoint))


def flash_errors(form) -> None:
    """A refused form's errors where no field of it shows them: all in the banner, saying that nothing was saved."""
    flash_not_saved(" ".join(str(error) for errors in form.errors.values() for error in errors))


def flash_form_refused(form) -> None:
    """A form shown again with its errors under its fields (each tied to its field by aria-describedby): the banner at
    the top of the page, where a visitor without JavaScript lands, says that nothing was saved and links to the first
    field in error (which form-errors.js focuses), instead of repeating the errors a second time."""
    refused = [field for field in form if field.errors]
    if not refused:  # an error of the whole form has no field to stand under
        flash_errors(form)
        return
    first = refused[0]
    target = f"{first.id}-0" if first.type in CHOICE_GROUPS else first.id
    link = Markup('<a href="#{}">{}</a>').format(target, first.label.text)
    # The catalogue's sentence is ours, the label is escaped in the link: the whole is safe markup.
    flash(Markup(ngettext("Rien n'a été enregistré. Voyez l'erreur sous « %(field)s ».",
                          "Rien n'a été enregistré. Voyez les %(num)s erreurs signalées, à partir de « %(field)s ».",
                          len(refused), field=link)), "error")


def show_refusal(form, error: ServiceError) -> None:
    """A service's refusal of a form's values: under the field it names when the form has one (with the banner that
    links to it), else in the banner, which says that nothing was saved."""
    if error.field and error.field in form:
        form[error.field].errors = [error.message]
        flash_form_refused(form)
    else:
        flash_not_saved(error.message)


def flash_not_saved(reason: str) -> None:
    """A refusal with no field to stand under, in the banner, saying that nothing was saved."""
    flash(_("%(reason)s Rien n'a été enregistré.", reason=reason), "error")


def refuse_form(form, error: ServiceError | None = None) -> int:
    """Say that a form shown again was refused and nothing saved: for its own errors (`error` None) or a service's
    refusal of its values; return the status to answer with."""
    if error is None:
        flash_form_refused(form)
        return 400
    show_refusal(form, error)
    return error.status_code


def staff_question(reference: str) -> Ticket:
    """The question a jurist action is about: 404 unless the current user may see it, then 403 unless they are
    staff (visibility first, so that another structure's member learns nothing from the answer)."""
    ticket = get_visible_ticket(current_user, reference)
    ensure_staff(current_user)
    return ticket


def to_question(ticket: Ticket):
    """Redirect to the question's page."""
    return redirect(url_for("tickets.detail", reference=ticket.reference))


# The lists whose page last shown (view, search, filters, sort and page) is the way back from one of their items.
_LISTS = {"queue": "queue.index", "resources": "kb.search", "questions": "tickets.index"}
# The way back to each list is kept in the session encrypted: it carries the words searched, and the session cookie is
# signed, not encrypted (whoever holds it reads it).
LIST_PAGES = "list_pages"
# Longer addresses (only a crafted one is) are not remembered: the cookie must stay small.
LIST_PAGE_PATH_MAX = 600


def _list_cipher() -> AESGCM:
    """The cipher of the lists' pages in the session, keyed with SECRET_KEY."""
    return AESGCM(bytes.fromhex(keyed_digest("cipher", "list pages", 64)))


def _remembered_pages() -> dict:
    """The sealed ways back to the lists this session holds, by list name."""
    pages = session.get(LIST_PAGES)
    return pages if isinstance(pages, dict) else {}


def _remembered_list_page(name: str) -> str | None:
    """The page of the `name` list this session remembered, decrypted; None without one."""
    sealed = _remembered_pages().get(name)
    if not sealed or not isinstance(sealed, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed)
        return _list_cipher().decrypt(raw[:12], raw[12:], name.encode()).decode()
    # Sealed under an earlier SECRET_KEY, or malformed (not base64, shorter than a nonce): the list's first page.
    except (InvalidTag, ValueError):
        return None


def remember_list_page(name: str) -> str:
    """Remember the page of the `name` list being shown (its path and query) as the way back to it; return it."""
    path = request_address()
    if len(path) <= LIST_PAGE_PATH_MAX and _remembered_list_page(name) != path:
        nonce = os.urandom(12)
        sealed = nonce + _list_cipher().encrypt(nonce, path.encode(), name.encode())
        session[LIST_PAGES] = {**_remembered_pages(), name: base64.urlsafe_b64encode(sealed).decode()}
    return path


def flash_next_question(filters, upcoming: Ticket | None) -> None:
    """After a jurist closed a question: a link to the `upcoming` question of the view they work from (`filters`),
    or, the view done, to the queue, so that the day goes on from the confirmation without losing the view."""
    # Imported here: the queue's package imports the pages, which import this module.
    from helpdesk.queue.services import VIEWS, active_filter_count

    view = VIEWS[filters.view]
    if upcoming is None:
        link = Markup('<a href="{}">{}</a>').format(back_to_list_url("queue"), _("Retour à la file"))
        sentence = _("Plus aucune autre question dans « %(view)s ». %(link)s", view=view, link=link)
    else:
        link = Markup('<a href="{}">{} — {}</a>').format(
            url_for("tickets.detail", reference=upcoming.reference), upcoming.reference, upcoming.subject)
        if active_filter_count(filters):
            sentence = _("Question suivante dans « %(view)s », avec vos filtres : %(link)s", view=view, link=link)
        else:
            sentence = _("Question suivante dans « %(view)s » : %(link)s", view=view, link=link)
    # The catalogue's sentence is ours, the subject is escaped in the link: the whole is safe markup.
    flash(Markup(sentence), "info")


def working_view(ticket: Ticket) -> tuple:
    """The view and filters a jurist works from (the queue page last shown, else their own files), and the question
    after `ticket` there, read before `ticket` leaves the view."""
    from helpdesk.queue.services import filters_from, next_question  # here, as in flash_next_question

    remembered = _remembered_list_page("queue")
    filters = (filters_from(MultiDict(parse_qsl(urlsplit(remembered).query))) if remembered
               else filters_from({}, default_view="mes-dossiers"))
    return filters, next_question(current_user, filters, ticket)


def back_to_list_url(name: str) -> str:
    """The `name` list as the user last left it, else its first page."""
    return safe_next(_remembered_list_page(name), url_for(_LISTS[name]))


def staff_choices(first_label: str) -> list[tuple[int, str]]:
    """Active jurists and admins for a select, by name (with their absence, if away), after a leading choice (0)."""
    staff = db.session.scalars(
        select(User).where(User.role.in_(("jurist", "admin")), User.active).order_by(french_order(User.name)))
    return [(0, first_label)] + [(user.id, f"{user.name} ({away})" if (away := absence_label(user)) else user.name)
                                 for user in staff]
