"""Merging duplicate questions: same structure, across structures with confirmation, and refusals."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Event, Message, Ticket
from helpdesk.models._types import frozen_time
from helpdesk.tickets import services
from helpdesk.triage import merging
from tests import factories

START = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def _at(hours):
    """Freeze time `hours` after START."""
    return frozen_time(START + timedelta(hours=hours))


@pytest.fixture
def pair(world):
    """Question A and its duplicate B from the same structure, with interleaved messages."""
    with _at(0):
        a = factories.make_ticket(world.member, subject="CDDI au-delà de 24 mois")
    with _at(1):
        b = factories.make_ticket(world.colleague, subject="Renouveler un CDDI de 24 mois",
                                  body="Même question que ma collègue, pour un autre salarié en formation.")
    with _at(2):
        services.add_message(a, world.member, "Message A1 du membre.")
    with _at(3):
        services.add_message(b, world.colleague, "Message B1 de la collègue.")
    with _at(4):
        services.add_message(b, world.jurist, "Note B sur le dossier.", internal=True)
    with _at(5):
        services.add_message(a, world.member, "Message A2 du membre.")
    return a, b


def _bodies(ticket, viewer) -> list[str]:
    """Message bodies of a question's thread as `viewer` sees them."""
    return [entry.message.body for entry in services.timeline(ticket, viewer) if entry.message]


def test_same_structure_merge_moves_messages_in_time_order_and_closes_b(client, world, login, pair):
    a, b = pair
    login(world.jurist)
    response = client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference.lower()})
    assert response.headers["Location"] == f"/questions/{a.reference}"
    db.session.expire_all()
    a, b = db.session.get(Ticket, a.id), db.session.get(Ticket, b.id)
    assert (b.status, b.merged_into_id) == ("closed", a.id)
    bodies = _bodies(a, world.member)
    assert bodies[0].startswith(f"Question {b.reference} fusionnée ici")
    assert bodies[1:] == ["Message A1 du membre.", "Message B1 de la collègue.", "Message A2 du membre."]
    assert "Note B sur le dossier." in _bodies(a, world.jurist)
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.ticket_id == b.id)) == 0
    kinds_b = db.session.scalars(select(Event.kind).where(Event.ticket_id == b.id)).all()
    kinds_a = db.session.scalars(select(Event.kind).where(Event.ticket_id == a.id)).all()
    assert "merged_into" in kinds_b and "closed" in kinds_b and "merged_from" in kinds_a
    login(world.colleague)
    page = client.get(f"/questions/{b.reference}").get_data(as_text=True)
    assert f"fusionnée dans <a href=\"/questions/{a.reference}\">{a.reference}</a>" in page


def test_merge_into_itself_is_refused(world, pair):
    a, _ = pair
    with pytest.raises(InvalidInput, match="elle-même"):
        merging.merge(a, a, world.jurist)


def test_merge_into_a_closed_or_merged_question_is_refused(world, pair):
    a, b = pair
    merging.merge(b, a, world.jurist)
    c = factories.make_ticket(world.member)
    with pytest.raises(InvalidInput, match="close ou fusionnée"):
        merging.merge(c, b, world.jurist)
    with pytest.raises(InvalidInput, match="déjà été fusionnée"):
        merging.merge(b, c, world.jurist)
    services.close(a, world.member)
    with pytest.raises(InvalidInput, match="close ou fusionnée"):
        merging.merge(c, a, world.jurist)
    assert c.merged_into_id is None and c.status == "new"


def test_merge_across_structures_needs_confirmation(client, world, login, pair):
    a, _ = pair
    other = factories.make_ticket(world.outsider)
    login(world.jurist)
    page = client.post(f"/questions/{other.reference}/fusionner", data={"target": a.reference},
                       follow_redirects=True).get_data(as_text=True)
    assert "deux structures différentes" in page
    db.session.expire_all()
    assert db.session.get(Ticket, other.id).merged_into_id is None


def test_confirmed_merge_across_structures_never_shows_one_structure_to_the_other(world, pair):
    a, _ = pair
    other = factories.make_ticket(world.outsider, body="Question de l'autre structure, confidentielle.")
    services.add_message(other, world.outsider, "Détail confidentiel de l'autre structure.")
    merging.merge(other, a, world.jurist, confirm_other_structure=True)
    assert other.status == "closed" and other.merged_into_id == a.id
    # A's members see nothing from the other structure, not even the merge events.
    member_view = services.timeline(a, world.member)
    assert not any("confidentiel" in (entry.message.body if entry.message else "") for entry in member_view)
    assert not any(entry.event and entry.event.kind.startswith("merged") for entry in member_view)
    # Jurists get a copy as internal notes on A.
    jurist_bodies = _bodies(a, world.jurist)
    assert any("Détail confidentiel de l'autre structure." in body for body in jurist_bodies)
    # The other structure keeps its own thread and cannot follow the pointer.
    assert _bodies(other, world.outsider) == ["Détail confidentiel de l'autre structure."]
    assert not any(entry.event and entry.event.kind.startswith("merged")
                   for entry in services.timeline(other, world.outsider))


def test_other_structure_member_gets_no_link_to_the_target(client, world, login, pair):
    a, _ = pair
    other = factories.make_ticket(world.outsider)
    merging.merge(other, a, world.jurist, confirm_other_structure=True)
    login(world.outsider)
    page = client.get(f"/questions/{other.reference}").get_data(as_text=True)
    assert a.reference not in page
    assert client.get(f"/questions/{a.reference}").status_code == 404


def test_unknown_target_and_members_are_refused(client, world, login, pair):
    a, b = pair
    login(world.jurist)
    page = client.post(f"/questions/{b.reference}/fusionner", data={"target": "Q-1999-00001"}, follow_redirects=True)
    assert "Aucune question ne porte cette référence." in page.get_data(as_text=True)
    login(world.member)
    assert client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference}).status_code == 403
    login(world.outsider)
    assert client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).merged_into_id is None
