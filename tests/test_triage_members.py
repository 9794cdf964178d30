"""Satisfaction ratings by members, and questions filed by a jurist on a member's behalf."""
import io
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from helpdesk.errors import Forbidden
from helpdesk.extensions import db
from helpdesk.models import Attachment, Event, OutboxEmail, Satisfaction, Ticket
from helpdesk.tickets import services
from helpdesk.triage import satisfaction
from tests import factories
from tests.factories import pdf_bytes, png_bytes


@pytest.fixture
def answered(world):
    """A question of the world's structure that a jurist answered."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Oui, le renouvellement est possible pour achever une formation.")
    return ticket


def test_member_rates_the_answer_once_and_can_update_it(client, world, login, answered):
    login(world.colleague)
    page = client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    assert "Votre avis sur la réponse" in page
    response = client.post(f"/questions/{answered.reference}/avis", data={"rating": "4", "comment": "Clair."},
                           follow_redirects=True)
    assert "merci pour votre avis." in response.get_data(as_text=True)
    client.post(f"/questions/{answered.reference}/avis", data={"rating": "5", "comment": ""})
    rows = db.session.scalars(select(Satisfaction)).all()
    assert [(row.rating, row.comment, row.user_id) for row in rows] == [(5, "", world.colleague.id)]
    login(world.jurist)
    assert "<strong>5/5</strong>" in client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    stats = client.get("/satisfaction").get_data(as_text=True)
    assert "1 avis, note moyenne <strong>5,0 / 5</strong>" in stats


def test_satisfaction_page_links_each_comment_to_its_question(client, world, login, answered):
    """A comment (« Incomplet. ») came without its question: the team could not find what to improve."""
    login(world.colleague)
    client.post(f"/questions/{answered.reference}/avis", data={"rating": "2", "comment": "Incomplet."})
    login(world.jurist)
    stats = client.get("/satisfaction").get_data(as_text=True)
    comment = stats[stats.index("<strong>2/5</strong> — Incomplet."):]
    comment = comment[:comment.index("</li>")]
    assert f'<a href="/questions/{answered.reference}">{answered.reference}</a> — {escape(answered.subject)}' in comment


def test_a_colleague_sees_whose_rating_they_would_change(client, world, login, answered):
    login(world.colleague)
    client.post(f"/questions/{answered.reference}/avis", data={"rating": "2", "comment": "Incomplet."})
    page = client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    assert "Modifier votre avis" in page and "Avis donné par" not in page
    login(world.member)
    page = client.get(f"/questions/{answered.reference}").get_data(as_text=True)
    assert "Modifier l'avis de votre structure" in page and "Modifier votre avis" not in page
    assert f"Avis donné par {world.colleague.name} le " in page


def test_rating_before_any_answer_is_refused(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.member)
    assert "Votre avis" not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    page = client.post(f"/questions/{ticket.reference}/avis", data={"rating": "1"}, follow_redirects=True)
    assert "une fois la question répondue" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Satisfaction)) == 0


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_rating_out_of_range_is_refused(client, world, login, answered, rating):
    login(world.member)
    page = client.post(f"/questions/{answered.reference}/avis", data={"rating": rating})
    assert page.status_code == 400
    assert '<p class="error" id="rating-error">' in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Satisfaction)) == 0


def test_rating_without_a_note_keeps_the_comment_written(client, world, login, answered):
    login(world.member)
    response = client.post(f"/questions/{answered.reference}/avis",
                           data={"rating": "", "comment": "Très clair, merci pour les références."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choisissez une note de 1 à 5." in page
    assert "Très clair, merci pour les références.</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(Satisfaction)) == 0


def test_jurists_and_other_structures_cannot_rate(client, world, login, answered):
    login(world.jurist)
    client.post(f"/questions/{answered.reference}/avis", data={"rating": "5"})
    login(world.outsider)
    assert client.post(f"/questions/{answered.reference}/avis", data={"rating": "5"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Satisfaction)) == 0


def test_summary_counts_ratings_by_note(world, answered):
    other = factories.make_ticket(world.member)
    services.add_message(other, world.jurist, "Réponse.")
    services.close(other, world.member)
    satisfaction.rate(answered, world.member, 2)
    satisfaction.rate(other, world.member, 5, "Parfait")
    summary = satisfaction.summary()
    assert (summary.count, summary.average, summary.distribution[2], summary.distribution[5]) == (2, 3.5, 1, 1)


def test_jurist_files_a_phone_question_for_a_member_who_sees_it_as_theirs(client, world, login):
    login(world.jurist)
    page = client.get(f"/questions/pour-un-membre?structure={world.structure.id}").get_data(as_text=True)
    assert "Alice Membre" in page and "Chloé Ailleurs" not in page
    response = client.post("/questions/pour-un-membre", data={
        "structure": world.structure.id, "member": world.member.id, "channel": "phone", "send": "1",
        "subject": "Appel : rupture anticipée d'un CDDI", "theme": world.theme.id, "priority": "2",
        "body": "La directrice a appelé : un salarié souhaite rompre son CDDI pour une embauche en CDI."})
    ticket = db.session.scalar(select(Ticket))
    assert response.status_code == 302
    assert (ticket.author_id, ticket.created_by_id, ticket.channel, ticket.priority) == (
        world.member.id, world.jurist.id, "phone", 2)
    created = db.session.scalar(select(Event).where(Event.ticket_id == ticket.id, Event.kind == "created"))
    assert created.actor_id == world.jurist.id and created.data["on_behalf_of"] == "Alice Membre"
    login(world.member)
    assert ticket.reference in client.get("/questions/?qui=moi").get_data(as_text=True)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Denis Juriste a enregistré la question pour Alice Membre (reçue par téléphone)." in page


def test_a_question_recorded_twice_for_a_member_is_filed_once(client, world, login):
    """A jurist's double click (or the form posted again) on « Enregistrer » files the phone question once and mails
    the member once; another question for them is filed."""
    login(world.jurist)
    data = on_behalf_post(world)
    first = client.post("/questions/pour-un-membre", data=data)
    mails = db.session.scalar(select(func.count()).select_from(OutboxEmail))
    second = client.post("/questions/pour-un-membre", data=data)
    [ticket] = db.session.scalars(select(Ticket)).all()
    assert first.headers["Location"] == second.headers["Location"] == f"/questions/{ticket.reference}"
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == mails
    client.post("/questions/pour-un-membre", data={**data, "subject": "Appel : un autre contrat"})
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2


def on_behalf_post(world, **overrides) -> dict:
    """A complete « question received by phone » post for the world's member, with `overrides`."""
    return {"structure": world.structure.id, "member": world.member.id, "channel": "phone", "send": "1",
            "subject": "Appel : contrat à transmettre", "theme": world.theme.id, "priority": "1",
            "body": "La directrice a appelé et envoyé le contrat et le bulletin de paie concernés.", **overrides}


def test_filing_for_a_member_leads_back_to_the_queue_as_it_was_left(client, world, login):
    """The page reached from the queue links back to the view and filters the jurist left."""
    login(world.jurist)
    client.get("/file/?vue=ouvertes&tri=anciennete")
    page = client.get("/questions/pour-un-membre").get_data(as_text=True)
    assert '<a href="/file/?vue=ouvertes&amp;tri=anciennete">← Retour à la file</a>' in page


def test_jurist_attaches_the_files_received_to_a_question_filed_for_a_member(client, world, login):
    login(world.jurist)
    page = client.get(f"/questions/pour-un-membre?structure={world.structure.id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and "Limites : " in page
    response = client.post("/questions/pour-un-membre", data=on_behalf_post(world, attachments=[
        (io.BytesIO(pdf_bytes()), "contrat.pdf"), (io.BytesIO(png_bytes()), "bulletin.png")]))
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert sorted(attachment.filename for attachment in ticket.attachments) == ["bulletin.png", "contrat.pdf"]
    login(world.member)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "contrat.pdf" in page and "bulletin.png" in page


@pytest.mark.parametrize("files, status, message", [
    ([("outil.exe", b"MZ\x90\x00")], 400, "Le fichier « outil.exe » n'est pas d'un type accepté"),
    ([("gros.pdf", "big")], 413, "dépasse la taille autorisée (1 Mo par fichier)"),
])
def test_a_refused_file_leaves_no_question_filed_for_a_member(app, client, world, login, files, status, message):
    app.config.update(ATTACHMENT_MAX_FILE_SIZE=1024 * 1024)
    login(world.jurist)
    uploads = [(io.BytesIO(pdf_bytes("x" * 1024 * 1024) if data == "big" else data), name) for name, data in files]
    response = client.post("/questions/pour-un-membre",
                           data=on_behalf_post(world, attachments=[(io.BytesIO(pdf_bytes()), "contrat.pdf"), *uploads]))
    page = response.get_data(as_text=True)
    assert response.status_code == status and str(escape(message)) in page
    assert "Joignez de nouveau votre fichier : contrat.pdf n&#39;a pas été enregistré" in page  # not the refused one
    assert 'value="Appel : contrat à transmettre"' in page
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    root = Path(app.config["UPLOAD_DIR"])
    assert not root.exists() or not any(path.is_file() for path in root.rglob("*"))


@pytest.mark.parametrize("change, message", [
    ({"member": "outsider"}, "Choisissez l'une des valeurs proposées pour « Membre »."),
    ({"channel": "web"}, "Choisissez l'une des valeurs proposées pour « Demande reçue par »."),
    ({"subject": "ab"}, "5 caractères au minimum (votre texte en compte 2)."),
])
def test_filing_on_behalf_refuses_bad_input(client, world, login, change, message):
    login(world.jurist)
    data = {"structure": world.structure.id, "member": world.member.id, "channel": "email", "send": "1",
            "subject": "Question reçue par courriel", "theme": world.theme.id, "priority": "1",
            "body": "Texte de la question reçue par courriel, assez long."}
    data.update({key: (world.outsider.id if value == "outsider" else value) for key, value in change.items()})
    page = client.post("/questions/pour-un-membre", data=data).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert message.replace("'", "&#39;") in page


def test_filing_on_behalf_asks_for_a_theme_among_the_active_ones(client, world, login):
    """The theme used to default to the first one in the list, and retired themes were offered then refused."""
    retired = factories.make_theme(name="Ancien thème", slug="ancien-theme", active=False)
    login(world.jurist)
    page = client.get(f"/questions/pour-un-membre?structure={world.structure.id}").get_data(as_text=True)
    theme_select = page.split('name="theme"')[1].split("</select>")[0]
    assert theme_select.split("<option")[1].startswith(' value="0">Choisir un thème<')  # shown first: nothing preset
    assert "Réforme IAE" in theme_select and "Ancien thème" not in theme_select
    data = {"structure": world.structure.id, "member": world.member.id, "channel": "phone", "send": "1",
            "subject": "Question reçue par téléphone", "priority": "1", "body": "Texte de la question, assez long."}
    for theme, message in (("0", "Choisissez un thème."), (str(retired.id), "Choisissez l&#39;une des valeurs proposées pour « Thème ».")):
        page = client.post("/questions/pour-un-membre", data={**data, "theme": theme}).get_data(as_text=True)
        assert message in page
        assert 'value="Question reçue par téléphone"' in page  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_filing_on_behalf_with_nothing_filled_shows_every_missing_field_at_once(client, world, login):
    login(world.jurist)
    page = client.post("/questions/pour-un-membre", data={
        "structure": world.structure.id, "member": "0", "channel": "phone", "send": "1", "subject": "",
        "theme": world.theme.id, "priority": "1", "body": ""}).get_data(as_text=True)
    for message in ("Choisissez un membre actif de cette structure.", "Indiquez l&#39;objet de la question.",
                    "Décrivez la question reçue."):
        assert message in page
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_filing_on_behalf_refuses_a_member_of_another_structure(world):
    from helpdesk.errors import InvalidInput
    from helpdesk.triage.filing import file_on_behalf

    with pytest.raises(InvalidInput, match="Choisissez un membre actif de cette structure."):
        file_on_behalf(world.jurist, world.outsider.id, world.structure.id, "phone", "Objet valable",
                       "Une description suffisamment longue.", None)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_inactive_structure_cannot_get_a_question_on_behalf(world):
    from helpdesk.errors import Forbidden
    from helpdesk.triage.filing import file_on_behalf

    world.structure.active = False
    db.session.commit()
    with pytest.raises(Forbidden):
        file_on_behalf(world.jurist, world.member.id, world.structure.id, "phone", "Objet valable",
                       "Une description suffisamment longue.", None)


@pytest.mark.parametrize("structure", ["99999999999999999999", "-1", "abc", "inactive"])
def test_on_behalf_lists_no_member_for_an_unknown_or_inactive_structure(client, world, login, structure):
    world.other_structure.active = False
    db.session.commit()
    structure = world.other_structure.id if structure == "inactive" else structure
    login(world.jurist)
    page = client.get(f"/questions/pour-un-membre?structure={structure}")
    assert page.status_code == 200 and "Chloé Ailleurs" not in page.get_data(as_text=True)
    page = client.post("/questions/pour-un-membre", data={
        "structure": structure, "member": world.outsider.id, "channel": "phone", "send": "1",
        "subject": "Question reçue par téléphone", "priority": "1", "body": "Texte de la question, assez long."})
    assert page.status_code == 400 and "Choisissez l&#39;une des valeurs proposées pour « Membre »." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_structure_without_members_tells_a_jurist_whom_to_ask_and_an_admin_where_to_go(client, world, login):
    """Jurists were told « créez d'abord son compte », which only an administrator can do."""
    empty = factories.make_structure(name="Structure sans compte")
    login(world.jurist)
    page = client.get(f"/questions/pour-un-membre?structure={empty.id}").get_data(as_text=True)
    assert "demandez à un administrateur de créer le compte de votre interlocuteur" in page
    assert "/admin/utilisateurs/nouveau" not in page
    login(world.admin)
    page = client.get(f"/questions/pour-un-membre?structure={empty.id}").get_data(as_text=True)
    assert "créez d'abord son compte" in page and 'href="/admin/utilisateurs/nouveau"' in page


def test_members_cannot_file_on_behalf(client, world, login):
    login(world.member)
    assert client.get("/questions/pour-un-membre").status_code == 403
    assert client.post("/questions/pour-un-membre", data={
        "structure": world.structure.id, "member": world.colleague.id, "channel": "phone", "send": "1",
        "subject": "Question forgée", "body": "Une description suffisamment longue."}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_only_staff_read_the_members_comments_even_through_the_service(world, answered):
    satisfaction.rate(answered, world.member, 2, "Incomplet.")
    assert [item.comment for item in satisfaction.recent_comments(world.jurist)] == ["Incomplet."]
    for user in (world.member, world.outsider):
        with pytest.raises(Forbidden):
            satisfaction.recent_comments(user)


def test_namesake_structures_can_be_told_apart_where_a_structure_is_chosen(client, world, login):
    """Two « Régie de quartier » of different regions (and two of the same region) read alike in the structure
    lists of the jurist's filing form and the admin's account form: the region, then the SIRET, tell them apart."""
    north = factories.make_structure(name="Régie de quartier", region="hauts-de-france")
    south = factories.make_structure(name="Régie de quartier", region="occitanie")
    twin = factories.make_structure(name="Régie de quartier", region="occitanie")
    labels = [f'<option value="{north.id}">Régie de quartier (Hauts-de-France)</option>',
              f'<option value="{south.id}">Régie de quartier (Occitanie, SIRET {south.siret})</option>',
              f'<option value="{twin.id}">Régie de quartier (Occitanie, SIRET {twin.siret})</option>',
              f'<option value="{world.structure.id}">{world.structure.name}</option>']
    login(world.jurist)
    page = client.get("/questions/pour-un-membre").get_data(as_text=True)
    assert all(label in page for label in labels)
    login(world.admin)
    page = client.get("/admin/utilisateurs/nouveau").get_data(as_text=True)
    assert all(label in page for label in labels)


def test_a_rating_sent_without_a_note_says_so_once_and_leads_to_the_buttons(client, world, login, answered):
    """The missing note was written in the banner and again under « Votre note »; now only under it, the banner
    linking to its first button."""
    login(world.colleague)
    response = client.post(f"/questions/{answered.reference}/avis", data={"comment": "Clair."})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count("Choisissez une note") == 1
    assert "rien n'a été enregistré. Voyez l'erreur sous « <a href=\"#rating-0\">Votre note</a> »." in page
    assert 'id="rating-0"' in page
    assert db.session.scalar(select(func.count()).select_from(Satisfaction)) == 0
