"""Canned answers (« réponses types »): shared reply models whose placeholders are filled from the question."""
import re

from sqlalchemy import func, select

from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput, NotFound
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import too_long
from helpdesk.models import CannedAnswer, Ticket, User
from helpdesk.permissions import ensure_staff
from helpdesk.submissions import resent_entry
from helpdesk.tickets.services import STATUSES_AFTER_REPLY
from helpdesk.translation import gettext as _, lazy_gettext as _l, ngettext

TITLE_MAX = 200
BODY_MAX = 20_000
PLACEHOLDERS = {
    "prenom_membre": _l("prénom de la personne qui a posé la question"),
    "nom_membre": _l("nom complet de la personne qui a posé la question"),
    "structure": _l("nom de la structure"),
    "reference": _l("référence de la question"),
    "objet": _l("objet de la question"),
    "juriste": _l("nom du ou de la juriste qui répond"),
}
# What a canned answer's « Statut après la réponse » does, as the list of canned answers says it.
STATUS_AFTER_EFFECTS = {
    "answered": _l("Marque la question comme répondue"),
    "waiting": _l("Met la question en attente du membre"),
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# A brace that does not open a whole placeholder: `{objet.`, `{ objet }`, `{}`.
_BROKEN_PLACEHOLDER = re.compile(r"\{(?![a-z_]+\})[^\s{}]{0,20}")


def canned_answers(actor: User) -> list[CannedAnswer]:
    """Every canned answer, by title (jurists only)."""
    ensure_staff(actor)
    return db.session.scalars(select(CannedAnswer).order_by(french_order(CannedAnswer.title))).all()


def get_canned_answer(actor: User, answer_id: int | None) -> CannedAnswer:
    """One canned answer (jurists only); NotFound for an unknown id."""
    ensure_staff(actor)
    answer = db.session.get(CannedAnswer, answer_id) if answer_id else None
    if answer is None:
        raise NotFound(_("Cette réponse type n'existe pas."))
    return answer


def save_canned_answer(actor: User, answer: CannedAnswer | None, title: str, body: str,
                       status_after: str | None = None) -> CannedAnswer:
    """Create (answer=None) or update a canned answer; unknown or badly written placeholders are refused, and so is a
    status after the reply (set in the reply box on insertion; None or "": left as it is) a reply cannot leave. The
    same answer sent again by its author within minutes (a double click) is the one already created."""
    ensure_staff(actor)
    status_after = status_after or None
    if status_after not in (None, *STATUSES_AFTER_REPLY):
        raise InvalidInput(_("Le statut après la réponse doit être « Répondue », « En attente du membre » ou "
                             "inchangé."),
                           field="status_after")
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise InvalidInput(_("Indiquez un titre."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(too_long(len(title), TITLE_MAX, _("Titre")), field="title")
    if not body:
        raise InvalidInput(_("Le texte est vide."), field="body")
    if len(body) > BODY_MAX:
        raise InvalidInput(too_long(len(body), BODY_MAX, _("Texte")), field="body")
    broken = _BROKEN_PLACEHOLDER.search(body)
    if broken:
        raise InvalidInput(_("La variable « %(text)s » est mal écrite. Une variable s'écrit en minuscules entre "
                             "deux accolades, par exemple {objet}.", text=broken.group(0)), field="body")
    unknown = sorted({name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        raise InvalidInput(ngettext("La variable %(unknown)s est inconnue. Les variables possibles sont %(known)s.",
                                    "Les variables %(unknown)s sont inconnues. Les variables possibles sont %(known)s.",
                                    len(unknown), unknown=", ".join(f"{{{name}}}" for name in unknown), known=known),
                           field="body")
    if answer is None:
        resent = resent_entry(CannedAnswer, actor, title=title, body=body, status_after=status_after)
        if resent is not None:
            db.session.commit()  # ends the hold
            return resent
    duplicate = db.session.scalar(select(CannedAnswer).where(func.lower(CannedAnswer.title) == title.lower()))
    if duplicate is not None and duplicate is not answer:
        raise InvalidInput(_("Une réponse type porte déjà ce titre."), field="title")
    if answer is None:
        answer = CannedAnswer(author=actor)
        db.session.add(answer)
    answer.title, answer.body, answer.status_after = title, body, status_after
    db.session.flush()
    record_event("canned_answer_saved", actor, canned_answer_id=answer.id)
    db.session.commit()
    return answer


def delete_canned_answer(actor: User, answer: CannedAnswer) -> None:
    """Remove a canned answer."""
    ensure_staff(actor)
    record_event("canned_answer_deleted", actor, canned_answer_id=answer.id, title=answer.title)
    db.session.delete(answer)
    db.session.commit()


def fill(answer: CannedAnswer, ticket: Ticket, jurist: User) -> str:
    """The canned answer's text with the question's values in place of its placeholders."""
    ensure_staff(jurist)
    values = {
        "prenom_membre": ticket.author.first_name,
        "nom_membre": ticket.author.name,
        "structure": ticket.structure.name,
        "reference": ticket.reference,
        "objet": ticket.subject,
        "juriste": jurist.name,
    }
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), answer.body)
