"""Merging duplicate questions: same structure, across structures with confirmation, refusals, and their files."""
import html
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk.attachments.services import ticket_attachments
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Event, Message, Ticket
from helpdesk.models._types import frozen_time
from helpdesk.tickets import services
from helpdesk.triage import merging
from tests import factories
from tests.factories import pdf_bytes

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
    response = client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference.lower(), "confirme": "1"})
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


def test_a_merged_question_cannot_be_reopened_its_exchanges_go_on_in_the_other(client, world, login, pair):
    a, b = pair
    merging.merge(b, a, world.jurist)
    login(world.jurist)
    page = client.get(f"/questions/{b.reference}").get_data(as_text=True)
    assert "Changer le statut" not in page
    for data in ({"status": "open"}, None):
        if data:
            response = client.post(f"/questions/{b.reference}/statut", data=data, follow_redirects=True)
        else:
            response = client.post("/file/actions", data={"ids": [b.id], "action": "statut", "status": "open"},
                                   follow_redirects=True)
        assert f"{b.reference} a été fusionnée dans {a.reference}. Poursuivez les échanges" in \
            response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).status == "closed"


def test_merge_into_itself_is_refused(world, pair):
    a, _ = pair
    with pytest.raises(InvalidInput, match="elle-même"):
        merging.merge(a, a, world.jurist)


def test_merge_into_a_closed_or_merged_question_is_refused(world, pair):
    a, b = pair
    merging.merge(b, a, world.jurist)
    c = factories.make_ticket(world.member)
    with pytest.raises(InvalidInput, match="clôturée ou fusionnée"):
        merging.merge(c, b, world.jurist)
    with pytest.raises(InvalidInput, match="déjà été fusionnée"):
        merging.merge(b, c, world.jurist)
    services.close(a, world.member)
    with pytest.raises(InvalidInput, match="clôturée ou fusionnée"):
        merging.merge(c, a, world.jurist)
    assert c.merged_into_id is None and c.status == "new"


def test_merge_across_structures_needs_confirmation(client, world, login, pair):
    a, _ = pair
    other = factories.make_ticket(world.outsider)
    login(world.jurist)
    response = client.post(f"/questions/{other.reference}/fusionner", data={"target": a.reference.lower()})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "deux structures différentes" in page
    assert re.search(rf'<input[^>]*name="target"[^>]*value="{a.reference.lower()}"', page), "reference given back"
    db.session.expire_all()
    assert db.session.get(Ticket, other.id).merged_into_id is None
    confirmed = client.post(f"/questions/{other.reference}/fusionner",
                            data={"target": a.reference.lower(), "confirm_other_structure": "y", "confirme": "1"})
    assert confirmed.headers["Location"] == f"/questions/{a.reference}"


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


def test_other_structure_member_is_told_why_but_gets_no_link_to_the_target(client, world, login, pair):
    """The member of the absorbed question reads why it was closed, without learning or reaching the other one."""
    a, _ = pair
    other = factories.make_ticket(world.outsider)
    merging.merge(other, a, world.jurist, confirm_other_structure=True)
    login(world.outsider)
    page = client.get(f"/questions/{other.reference}").get_data(as_text=True)
    assert "a regroupé cette question avec une question identique d'une autre structure" in page
    assert a.reference not in page
    assert client.get(f"/questions/{a.reference}").status_code == 404
    login(world.member)
    assert "a regroupé cette question" not in client.get(f"/questions/{a.reference}").get_data(as_text=True)


def test_unknown_target_and_members_are_refused(client, world, login, pair):
    a, b = pair
    login(world.jurist)
    page = client.post(f"/questions/{b.reference}/fusionner", data={"target": "Q-1999-99999"})
    refusal = "Aucune question ne porte cette référence ou ce numéro."
    assert page.status_code == 400 and refusal in page.get_data(as_text=True)
    assert 'value="Q-1999-99999"' in page.get_data(as_text=True), "the reference typed is given back"
    assert "Fusionner dans la question" in page.get_data(as_text=True)
    login(world.member)
    assert client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference}).status_code == 403
    login(world.outsider)
    assert client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).merged_into_id is None


def _stored_files(app) -> list[Path]:
    """Every file under the upload directory."""
    return sorted(path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file())


def _file_ids(ticket) -> dict[str, int]:
    """{filename: attachment id} of every file on a question and its messages."""
    return {attachment.filename: attachment.id for attachment in ticket_attachments(ticket)}


@pytest.fixture
def filed_duplicate(world, pair):
    """Question A, and B filed with a file, answered with a file and annotated with a file."""
    a, _ = pair
    with _at(6):
        b = factories.make_ticket(world.colleague, subject="CDDI et formation",
                                  attachments=[("contrat-b.pdf", pdf_bytes("Contrat de B"))])
    with _at(7):
        services.add_message(b, world.colleague, "Voici l'avenant.", attachments=[("avenant.txt", b"Avenant de B")])
    with _at(8):
        services.add_message(b, world.jurist, "Analyse interne.", internal=True,
                             attachments=[("analyse.txt", b"Analyse de B")])
    return a, b


def test_same_structure_merge_moves_files_to_the_target_with_their_visibility(client, world, login, filed_duplicate):
    a, b = filed_duplicate
    files = _file_ids(b)
    login(world.jurist)
    client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference, "confirme": "1"})
    db.session.expire_all()
    a, b = db.session.get(Ticket, a.id), db.session.get(Ticket, b.id)
    assert _file_ids(a) == files and _file_ids(b) == {}
    login(world.member)
    page = client.get(f"/questions/{a.reference}").get_data(as_text=True)
    assert f"/pieces-jointes/{files['contrat-b.pdf']}" in page and f"/pieces-jointes/{files['avenant.txt']}" in page
    assert client.get(f"/pieces-jointes/{files['contrat-b.pdf']}").data == pdf_bytes("Contrat de B")
    assert client.get(f"/pieces-jointes/{files['avenant.txt']}").data == b"Avenant de B"
    assert "analyse.txt" not in page and client.get(f"/pieces-jointes/{files['analyse.txt']}").status_code == 404
    login(world.jurist2)
    assert client.get(f"/pieces-jointes/{files['analyse.txt']}").data == b"Analyse de B"
    login(world.outsider)
    assert {client.get(f"/pieces-jointes/{file_id}").status_code for file_id in files.values()} == {404}


def test_merge_across_structures_gives_jurists_copies_and_the_target_members_nothing(
        app, client, world, login, pair):
    a, _ = pair
    other = factories.make_ticket(world.outsider, attachments=[("bulletin.pdf", pdf_bytes("Bulletin confidentiel"))])
    services.add_message(other, world.outsider, "Le planning joint.", attachments=[("planning.txt", b"Planning")])
    originals = _file_ids(other)
    login(world.jurist)
    client.post(f"/questions/{other.reference}/fusionner",
                data={"target": a.reference, "confirm_other_structure": "y", "confirme": "1"})
    db.session.expire_all()
    a, other = db.session.get(Ticket, a.id), db.session.get(Ticket, other.id)
    assert other.merged_into_id == a.id and _file_ids(other) == originals
    copies = {name: file_id for name, file_id in _file_ids(a).items() if name in originals}
    assert copies.keys() == originals.keys() and not set(copies.values()) & set(originals.values())
    page = client.get(f"/questions/{a.reference}").get_data(as_text=True)
    assert all(f"/pieces-jointes/{file_id}\"" in page for file_id in copies.values())
    assert client.get(f"/pieces-jointes/{copies['bulletin.pdf']}").data == pdf_bytes("Bulletin confidentiel")
    assert client.get(f"/pieces-jointes/{copies['planning.txt']}").data == b"Planning"
    login(world.member)
    page = client.get(f"/questions/{a.reference}").get_data(as_text=True)
    assert "bulletin.pdf" not in page and "planning.txt" not in page
    assert {client.get(f"/pieces-jointes/{file_id}").status_code for file_id in copies.values()} == {404}
    assert {client.get(f"/pieces-jointes/{file_id}").status_code for file_id in originals.values()} == {404}
    login(world.outsider)
    assert client.get(f"/pieces-jointes/{originals['planning.txt']}").data == b"Planning"
    assert {client.get(f"/pieces-jointes/{file_id}").status_code for file_id in copies.values()} == {404}
    # The copies are files of A's own: deleting B leaves them downloadable by jurists.
    services.delete_question(other, world.admin)
    login(world.jurist)
    assert client.get(f"/pieces-jointes/{copies['bulletin.pdf']}").data == pdf_bytes("Bulletin confidentiel")


def test_refused_merge_leaves_files_where_they_were(app, client, world, login, pair):
    a, _ = pair
    other = factories.make_ticket(world.outsider, attachments=[("bulletin.pdf", pdf_bytes())])
    files_before, stored_before = _file_ids(other), _stored_files(app)
    login(world.jurist)
    page = client.post(f"/questions/{other.reference}/fusionner", data={"target": a.reference},
                       follow_redirects=True).get_data(as_text=True)
    assert "deux structures différentes" in page
    db.session.expire_all()
    assert _file_ids(db.session.get(Ticket, other.id)) == files_before
    assert _file_ids(db.session.get(Ticket, a.id)) == {}
    assert _stored_files(app) == stored_before


def test_merge_failing_midway_keeps_no_copied_file(app, world, pair, monkeypatch):
    a, _ = pair
    other = factories.make_ticket(world.outsider, attachments=[("bulletin.pdf", pdf_bytes())])
    stored_before = _stored_files(app)

    def failing_close(ticket, actor):
        """The closing step fails after the copies were written."""
        raise RuntimeError("panne au moment de clore")

    monkeypatch.setattr(merging.ticket_services, "close", failing_close)
    with pytest.raises(RuntimeError):
        merging.merge(other, a, world.jurist, confirm_other_structure=True)
    db.session.rollback()
    assert _stored_files(app) == stored_before
    assert _file_ids(db.session.get(Ticket, a.id)) == {}


def test_only_a_merge_its_members_see_restarts_the_targets_automatic_closing_clock(world, pair):
    """A merge from the same structure is an exchange its members read; another structure's question arrives as
    internal notes they never see, so the target still closes on the date its members were told."""
    a, b = pair
    exchanged = a.last_activity_at
    other = factories.make_ticket(world.outsider)
    with _at(10):
        merging.merge(other, a, world.jurist, confirm_other_structure=True)
    db.session.refresh(a)
    assert a.last_activity_at == exchanged
    with _at(11):
        merging.merge(b, a, world.jurist)
    db.session.refresh(a)
    assert a.last_activity_at == START + timedelta(hours=11)


def test_bare_number_names_the_question_to_merge_into(client, world, login, pair):
    a, b = pair
    login(world.jurist)
    number = a.reference.rsplit("-", 1)[1]
    assert merging.find_target(f" {number} ") == a
    assert merging.find_target(str(int(number))) == a, "without its leading zeros"
    assert merging.find_target(a.reference.lower()) == a, "the full reference still works"
    response = client.post(f"/questions/{b.reference}/fusionner", data={"target": str(int(number)), "confirme": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).merged_into_id == a.id


def test_reference_with_or_without_zero_padding_names_the_question_to_merge_into(client, world, login, pair):
    """« Q-2026-141 », « q2026-00141 », « Q 2026 141 » name Q-2026-00141 like its full reference does."""
    a, b = pair
    _, year, number = a.reference.split("-")
    for typed in (f"Q-{year}-{int(number)}", f"q{year}-{number}", f"q{year}-{int(number)}", f" Q {year} {number} "):
        assert merging.find_target(typed) == a, typed
    login(world.jurist)
    response = client.post(f"/questions/{b.reference}/fusionner",
                           data={"target": f"Q-{year}-{int(number)}", "confirme": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).merged_into_id == a.id


def test_reference_whose_year_is_not_the_questions_is_refused(client, world, login, pair):
    """The number exists, but not in the year typed: the refusal says which year the question is from."""
    a, b = pair
    _, year, number = a.reference.split("-")
    wrong = f"Q-{int(year) - 1}-{int(number)}"
    message = (f"La question n° {number} est de {year}, pas de {int(year) - 1}. Vérifiez l'année de la référence "
               f"({a.reference}).")
    with pytest.raises(InvalidInput) as refusal:
        merging.find_target(wrong)
    assert refusal.value.message == message and refusal.value.field == "target"
    login(world.jurist)
    page = client.post(f"/questions/{b.reference}/fusionner", data={"target": wrong})
    assert page.status_code == 400 and message in html.unescape(page.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).merged_into_id is None


@pytest.mark.parametrize("typed", ["99999", "0", "00000", "1" * 40, "-5", "Q-2026", "٣", "Q-2026-", "Q-20261-5", "Q-2026-00042-1", "QQ-2026-1"])
def test_bare_number_naming_no_question_is_refused(world, pair, typed):
    with pytest.raises(InvalidInput, match="Aucune question ne porte cette référence ou ce numéro") as refusal:
        merging.find_target(typed)
    assert refusal.value.field == "target" and "(00042)" in refusal.value.message


def test_number_shared_by_two_references_asks_for_the_full_one(client, world, login, pair):
    a, b = pair
    number = a.reference.rsplit("-", 1)[1]
    imported = factories.make_ticket(world.member)
    imported.reference = f"Q-1999-{number}"  # an imported question, say
    db.session.commit()
    assert merging.find_target(f"q-1999-{int(number)}") == imported, "its year tells the two apart"
    assert merging.find_target(f"{a.reference.rsplit('-', 1)[0]}-{int(number)}") == a
    with pytest.raises(InvalidInput, match=f"Plusieurs questions portent le numéro {number}. Indiquez la "
                                           "référence complète"):
        merging.find_target(number)
    login(world.jurist)
    page = client.post(f"/questions/{b.reference}/fusionner", data={"target": number})
    example = f"par exemple Q-{datetime.now(timezone.utc).year}-{number}."  # the expected form, this year
    assert page.status_code == 400 and example in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).merged_into_id is None


def test_a_merge_shows_both_questions_before_it_is_done(client, world, login, pair):
    """A merge cannot be undone, and a mistyped number (00141 for 00114) merged the wrong question at once: the
    jurist now reads both references, subjects and structures, then confirms; the page's form sends the merge (and a
    confirmed cross-structure merge keeps its confirmation), « Annuler » leads back to the question."""
    a, b = pair
    other = factories.make_ticket(world.outsider, subject="Question de l'autre structure")
    login(world.jurist)
    response = client.post(f"/questions/{b.reference}/fusionner", data={"target": a.reference.lower()})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert f"Fusionner {b.reference} dans {a.reference} ?" in page
    assert f"{b.reference} · {b.subject}" in page and f"{a.reference}</a> · {a.subject}" in page
    assert f'action="/questions/{b.reference}/fusionner"' in page
    assert f'<input type="hidden" name="target" value="{a.reference}">' in page
    assert f'<a href="/questions/{b.reference}">Annuler</a>' in page
    db.session.expire_all()
    assert db.session.get(Ticket, b.id).merged_into_id is None, "nothing merged before the confirmation"
    page = client.post(f"/questions/{other.reference}/fusionner",
                       data={"target": a.reference, "confirm_other_structure": "y"}).get_data(as_text=True)
    assert '<input type="hidden" name="confirm_other_structure" value="y">' in page
    refused = client.post(f"/questions/{b.reference}/fusionner", data={"target": b.reference})
    assert refused.status_code == 400 and "fusionnée avec elle-même" in refused.get_data(as_text=True)
