"""« Proposer en FAQ »: an answered question becomes a pseudonymised draft FAQ article for jurists to review."""
from sqlalchemy import select

from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.kb.services import save_article
from helpdesk.models import FaqSource, Message, Ticket, User
from helpdesk.permissions import ensure_staff
from helpdesk.i18n import PARIS
from helpdesk.translation import gettext as _
from helpdesk.triage.pseudonymize import pseudonymize


def faq_source_of(ticket: Ticket) -> FaqSource | None:
    """The FAQ draft already proposed from this question, if any."""
    return db.session.scalar(select(FaqSource).where(FaqSource.ticket_id == ticket.id))


def _public_answers(ticket: Ticket) -> list[Message]:
    """The jurists' public replies, oldest first."""
    return [message for message in ticket.messages if not message.internal and message.author.is_staff]


def personal_names(ticket: Ticket) -> set[str]:
    """Names to hide: the author, the filer, the jurists involved and every user of the structure."""
    people = {ticket.author, ticket.created_by, ticket.assignee, *ticket.structure.users}
    people |= {message.author for message in ticket.messages}
    return {person.name for person in people if person is not None}


_LEGAL_FORMS = {"association", "atelier", "chantier", "entreprise", "groupe", "groupement", "régie", "regie",
                "sas", "sarl", "scop", "scic", "eurl", "ai", "aci", "ei", "etti", "ges", "ebe"}
_ARTICLES = {"le", "la", "les", "l'", "l’"}


def structure_name_variants(name: str) -> list[str]:
    """The structure's name and the shorter forms people write: "Association Les Jardins" → "Les Jardins", "Jardins"."""
    variants = [name.strip()]
    words = name.split()
    while len(words) > 1 and words[0].lower() in _LEGAL_FORMS:
        words = words[1:]
        variants.append(" ".join(words))
    if len(words) > 1 and words[0].lower() in _ARTICLES:
        variants.append(" ".join(words[1:]))
    elif words and words[0].lower()[:2] in ("l'", "l’") and len(words[0]) > 2:
        variants.append(" ".join([words[0][2:], *words[1:]]))
    return [variant for variant in dict.fromkeys(variants) if len(variant) >= 4]


def draft_values(ticket: Ticket) -> dict:
    """The draft article's data: the question and the public answers, pseudonymised, dated by the last answer."""
    answers = _public_answers(ticket)
    if not answers:
        raise InvalidInput(_("Cette question n'a pas encore de réponse publique à reprendre."))

    def clean(text: str) -> str:
        """Hide the people and the structure of this question."""
        return pseudonymize(text, known_names=personal_names(ticket), structure_names=structure_name_variants(ticket.structure.name))

    body = "## Question\n\n" + clean(ticket.body) + "\n\n## Réponse\n\n" + "\n\n".join(
        clean(message.body) for message in answers)
    return {
        "slug": f"faq-{ticket.reference.lower()}",
        "title": clean(ticket.subject)[:300],
        "body": body,
        "type": "faq",
        "visibility": "members",
        "themes": [ticket.theme.slug] if ticket.theme else [],
        "updated_on": answers[-1].created_at.astimezone(PARIS).date().isoformat(),
    }


def propose_faq(ticket: Ticket, jurist: User) -> FaqSource:
    """Create the draft FAQ article and its link to the question, in one transaction."""
    ensure_staff(jurist)
    if ticket.status not in ("answered", "closed"):
        raise InvalidInput(_("Seule une question répondue ou clôturée peut être proposée en FAQ."))
    if ticket.merged_into_id is not None:
        raise InvalidInput(_("Cette question a été fusionnée. Proposez plutôt la question qui la regroupe."))
    if faq_source_of(ticket) is not None:
        raise InvalidInput(_("Une FAQ a déjà été proposée à partir de cette question."))
    data = draft_values(ticket)
    source = FaqSource(article_slug=data["slug"], ticket_id=ticket.id, proposed_by=jurist)
    # save_article flushes and commits: the link (keyed by the new article's slug) and the event are
    # pending in the session without autoflush so they are written with the article, or not at all.
    with db.session.no_autoflush:
        db.session.add(source)
        record_event("faq_proposed", jurist, ticket, slug=data["slug"])
        try:
            save_article(None, data, jurist)
        except InvalidInput:
            db.session.rollback()
            raise
    return source
