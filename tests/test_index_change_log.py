"""The index change log writes one row per object and transaction, and forgets nothing after a rollback."""
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.models import SearchChange, Ticket
from helpdesk.privacy.services import anonymise_structure
from helpdesk.tickets import services
from tests.factories import make_theme, make_ticket


def _logged_keys() -> list[str]:
    """Object keys of the question index's change log, in order."""
    return list(db.session.scalars(select(SearchChange.object_key).where(SearchChange.index_name == "questions")
                                   .order_by(SearchChange.id)))


def test_filing_a_question_logs_it_once_despite_two_flushes(world):
    """The service flushes twice (id, then reference): the log gets one row, and the index the question."""
    ticket = make_ticket(world.member)
    assert _logged_keys() == [str(ticket.id)]
    indexing.sync()
    assert indexing.check("questions").consistent


def test_a_change_after_a_rolled_back_attempt_is_still_logged(world):
    """Keys logged by a transaction that rolled back are logged again by the next one."""
    ticket = make_ticket(world.member)
    ticket.subject = "Sujet abandonné"
    db.session.flush()
    db.session.rollback()
    ticket = db.session.get(Ticket, ticket.id)
    ticket.subject = "Sujet corrigé"
    db.session.commit()
    assert _logged_keys() == [str(ticket.id), str(ticket.id)]
    indexing.sync()
    assert indexing.check("questions").consistent


def test_kb_check_sees_a_reclassified_question_the_index_has_not_caught_up_with(world):
    """A reclassification moves no activity date, yet `kb check` tells an index still holding the old theme."""
    other = make_theme(name="Autre question")
    ticket = make_ticket(world.member, theme_id=other.id)
    indexing.sync()
    services.classify(ticket, world.jurist, world.theme.id, ticket.priority)
    db.session.commit()
    assert indexing.check("questions").stale == [str(ticket.id)]
    indexing.sync()
    assert indexing.check("questions").consistent


def test_kb_check_sees_an_anonymised_question_the_index_has_not_caught_up_with(world):
    """An anonymisation replaces the texts without moving the activity date, yet `kb check` tells an index still
    holding them; a sync puts it right."""
    ticket = make_ticket(world.member, subject="Rupture du contrat de Zoltan Exemple")
    indexing.sync()
    anonymise_structure(world.structure, world.admin)
    assert indexing.check("questions").stale == [str(ticket.id)]
    indexing.sync()
    assert indexing.check("questions").consistent
