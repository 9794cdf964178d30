"""Following a question: the button and the list of followers, the « Questions suivies » view, the mails of its
activity, merges, and the refusals (members, other structures, merged questions, forged requests)."""
import pytest
from sqlalchemy import select

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.mail import outbox
from helpdesk.mail.sender import build_message
from helpdesk.models import Event, OutboxEmail, Ticket, TicketFollower
from helpdesk.privacy.services import personal_data
from helpdesk.tickets import services
from helpdesk.triage import following, merging
from tests import factories
from tests.factories import bearer, make_api_token


def _followed_mail(ticket, user) -> list[OutboxEmail]:
    """The « question suivie » mails queued for `user` about `ticket`, oldest first."""
    return list(db.session.scalars(select(OutboxEmail).where(
        OutboxEmail.ticket_id == ticket.id, OutboxEmail.recipient_id == user.id,
        OutboxEmail.kind == "followed_activity").order_by(OutboxEmail.id)))


def _text(mail: OutboxEmail) -> str:
    """The plain text of a queued mail, as the sender writes it, its no-break spaces plain."""
    return factories.plain_spaces(outbox.deferred_mail(mail)[1])


@pytest.fixture
def question(world):
    """A member's question, taken by the first jurist."""
    ticket = factories.make_ticket(world.member, subject="Cumul CDDI et CDI à temps partiel")
    services.claim(ticket, world.jurist)
    return ticket


def test_jurist_follows_from_the_question_page_and_is_listed(client, world, login, question):
    login(world.jurist2)
    page = client.get(f"/questions/{question.reference}").get_data(as_text=True)
    assert "Suivre la question" in page and 'id="followers">Personne<' in page
    response = client.post(f"/questions/{question.reference}/suivre")
    assert response.headers["Location"] == f"/questions/{question.reference}"
    page = client.get(f"/questions/{question.reference}").get_data(as_text=True)
    assert "vous suivez cette question" in page
    assert 'id="followers">Emma Juriste<' in page and "Ne plus suivre" in page
    assert following.is_following(question, world.jurist2)


def test_following_again_from_a_stale_page_says_it_was_already_followed(client, world, login, question):
    login(world.jurist2)
    client.post(f"/questions/{question.reference}/suivre", follow_redirects=True)
    page = client.post(f"/questions/{question.reference}/suivre", follow_redirects=True).get_data(as_text=True)
    assert "vous suiviez déjà cette question." in page and "vous recevrez un courriel" not in page
    assert [user.id for user in following.followers(question)] == [world.jurist2.id]


def test_following_twice_keeps_one_row_and_unfollowing_removes_it(world, question):
    assert following.follow(question, world.jurist2) is True
    assert following.follow(question, world.jurist2) is False
    assert db.session.scalar(select(db.func.count()).select_from(TicketFollower)) == 1
    assert following.unfollow(question, world.jurist2) is True
    assert following.unfollow(question, world.jurist2) is False
    assert following.followers(question) == []


def test_a_second_follow_saved_while_the_first_was_checked_is_no_error(world, question, monkeypatch):
    """Two clicks on « Suivre la question »: the second request may find no row yet and insert one too; it is told
    the question is followed, not a server error."""
    assert following.follow(question, world.jurist2) is True
    monkeypatch.setattr(following, "is_following", lambda ticket, user: False)
    assert following.follow(question, world.jurist2) is False
    assert [user.id for user in following.followers(question)] == [world.jurist2.id]


def test_unfollow_from_the_page(client, world, login, question):
    following.follow(question, world.jurist2)
    login(world.jurist2)
    client.post(f"/questions/{question.reference}/ne-plus-suivre")
    page = client.get(f"/questions/{question.reference}").get_data(as_text=True)
    assert "vous ne suivez plus cette question." in page and "Suivre la question" in page
    assert not following.is_following(question, world.jurist2)


def test_following_and_unfollowing_are_in_the_history_for_the_team_only(client, world, login, question):
    following.follow(question, world.jurist2)
    following.follow(question, world.jurist2)  # already following: nothing new to record
    following.unfollow(question, world.jurist2)
    following.unfollow(question, world.jurist2)
    kinds = db.session.scalars(select(Event.kind).where(Event.ticket_id == question.id,
                                                        Event.kind.in_(("followed", "unfollowed")))).all()
    assert kinds == ["followed", "unfollowed"]
    login(world.jurist)
    page = client.get(f"/questions/{question.reference}").get_data(as_text=True)
    assert "Emma Juriste suit la question." in page and "Emma Juriste ne suit plus la question." in page
    login(world.member)
    page = client.get(f"/questions/{question.reference}").get_data(as_text=True)
    assert "suit la question" not in page and "Emma Juriste" not in page


def test_api_question_lists_its_followers_to_jurists_never_to_members(client, world, question):
    following.follow(question, world.jurist2)
    url = f"/api/v1/questions/{question.reference}"
    read = client.get(url, headers=bearer(make_api_token(world.jurist, scope="read")))
    assert read.status_code == 200 and read.json["followers"] == [{"name": world.jurist2.name}]
    member = client.get(url, headers=bearer(make_api_token(world.member)))
    assert member.status_code == 200 and member.json["followers"] is None
    assert world.jurist2.name not in member.get_data(as_text=True)
    listed = client.get("/api/v1/queue?view=ouvertes", headers=bearer(make_api_token(world.jurist)))
    assert "followers" not in listed.json["items"][0], "lists stay light: the detail names them"
    document = client.get("/api/v1/openapi.json").json
    detail = document["paths"]["/questions/{reference}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/QuestionDetail"}
    assert "followers" in document["components"]["schemas"]["QuestionDetail"]["allOf"][1]["required"]


def test_member_cannot_follow_their_own_structures_question(client, world, login, question):
    with pytest.raises(Forbidden):
        following.follow(question, world.member)
    login(world.member)
    assert client.post(f"/questions/{question.reference}/suivre").status_code == 403
    assert client.post(f"/questions/{question.reference}/ne-plus-suivre").status_code == 403
    assert "Suivre la question" not in client.get(f"/questions/{question.reference}").get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(TicketFollower)) == 0


def test_member_of_another_structure_gets_404(client, world, login, question):
    login(world.outsider)
    assert client.post(f"/questions/{question.reference}/suivre").status_code == 404
    assert db.session.scalar(select(db.func.count()).select_from(TicketFollower)) == 0


def test_unknown_question_is_404_and_forged_request_without_csrf_is_refused(app, client, world, login, question):
    login(world.jurist2)
    assert client.post("/questions/Q-2026-99999/suivre").status_code == 404
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/questions/{question.reference}/suivre").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert not following.is_following(question, world.jurist2)


def test_merged_question_cannot_be_followed(client, world, login, question):
    duplicate = factories.make_ticket(world.colleague, subject="Même question sur le cumul")
    merging.merge(duplicate, question, world.jurist)
    with pytest.raises(InvalidInput, match="fusionnée"):
        following.follow(duplicate, world.jurist2)
    login(world.jurist2)
    client.post(f"/questions/{duplicate.reference}/suivre")
    page = client.get(f"/questions/{duplicate.reference}").get_data(as_text=True)
    assert "Suivez la question dans laquelle elle a été fusionnée" in page
    assert "Suivre la question" not in page


def test_followed_view_lists_open_followed_questions_for_that_jurist_only(client, world, login, question):
    other = factories.make_ticket(world.outsider, subject="Élection du CSE dans une association intermédiaire")
    closed = factories.make_ticket(world.member, subject="Protocole sanitaire déjà traité")
    for ticket in (question, closed):
        following.follow(ticket, world.jurist2)
    services.close(closed, world.jurist)
    login(world.jurist2)
    page = client.get("/file/?vue=suivies").get_data(as_text=True)
    assert question.reference in page
    assert other.reference not in page and closed.reference not in page
    assert 'vue=suivies" aria-current="page">Questions suivies <span class="count">(1)</span>' in page
    login(world.jurist)
    page = client.get("/file/?vue=suivies").get_data(as_text=True)
    assert question.reference not in page
    assert "ouvrez-la et choisissez « Suivre la question »" in page


def test_followers_are_mailed_the_activity_with_what_happened(world, question):
    following.follow(question, world.jurist2)
    services.add_message(question, world.member, "Le salarié a signé un CDI de 10 heures ailleurs.")
    services.add_message(question, world.jurist, "À vérifier : la durée cumulée.", internal=True)
    services.add_message(question, world.jurist, "Le cumul est possible sous conditions.", status_after="answered")
    services.close(question, world.jurist)
    texts = [_text(mail) for mail in _followed_mail(question, world.jurist2)]
    assert len(texts) == 4
    assert "Alice Membre (Chantier des Tests) a écrit sur la question" in texts[0]
    assert "Le salarié a signé un CDI de 10 heures ailleurs." in texts[0]
    assert "Denis Juriste a ajouté une note interne" in texts[1] and "la durée cumulée" in texts[1]
    assert "Denis Juriste a répondu au membre" in texts[2]
    assert "Denis Juriste a clôturé la question" in texts[3] and "\n\nVoir la question :" in texts[3]
    assert all("que vous suivez" in text and "Ne plus suivre" in text for text in texts)
    subjects = {mail.subject for mail in _followed_mail(question, world.jurist2)}
    assert subjects == {f"[{question.reference}] Question suivie : Cumul CDDI et CDI à temps partiel"}


def test_reassignment_and_reopening_reach_followers_but_not_a_bare_status_change(world, question):
    following.follow(question, world.jurist2)
    services.change_status(question, world.jurist, "waiting")
    assert _followed_mail(question, world.jurist2) == []
    services.assign(question, world.admin, None)
    services.assign(question, world.admin, world.jurist.id)
    services.close(question, world.jurist)
    services.change_status(question, world.admin, "open")
    texts = [_text(mail) for mail in _followed_mail(question, world.jurist2)]
    assert "n'est plus attribuée : elle attend dans « Non assignées »" in texts[0]
    assert "que vous suivez, a été attribuée à Denis Juriste" in texts[1]
    assert "Denis Juriste a clôturé la question" in texts[2]
    assert "Fanny Admin a rouvert la question" in texts[3]
    assert len(texts) == 4


def test_follower_is_not_mailed_their_own_action_nor_twice(world, question):
    following.follow(question, world.jurist)  # also its assignee: the member's reply is mailed once, as before
    following.follow(question, world.jurist2)
    services.add_message(question, world.member, "Une précision.")
    assert _followed_mail(question, world.jurist) == []
    assert db.session.scalar(select(db.func.count()).select_from(OutboxEmail).where(
        OutboxEmail.recipient_id == world.jurist.id, OutboxEmail.ticket_id == question.id,
        OutboxEmail.kind == "member_replied")) == 1
    services.add_message(question, world.jurist2, "Note de la suiveuse.", internal=True)
    assert len(_followed_mail(question, world.jurist2)) == 1  # the member's reply, not her own note
    assert len(_followed_mail(question, world.jurist)) == 1


def test_deactivated_or_demoted_follower_is_not_mailed_nor_listed(world, question):
    from helpdesk.auth.services import set_active
    following.follow(question, world.jurist2)
    set_active(world.jurist2, False, world.admin)
    services.add_message(question, world.member, "Une précision.")
    assert _followed_mail(question, world.jurist2) == []
    assert following.followers(question) == []


def test_a_follower_made_a_member_of_the_structure_is_not_sent_the_notes_queued_for_them(world, question):
    """A jurist who follows a question and becomes a member of its structure may still open it, but not read its
    internal notes: the follower's mails queued before the change (which quote them) are cancelled."""
    from helpdesk.auth.services import update_user
    following.follow(question, world.jurist2)
    services.add_message(question, world.jurist, "Note interne : dossier sensible.", internal=True)
    [queued] = _followed_mail(question, world.jurist2)
    assert queued.status == "pending"
    update_user(world.jurist2, world.admin, email=world.jurist2.email, name=world.jurist2.name, role="member",
                structure_id=question.structure_id)
    db.session.refresh(queued)
    assert queued.status == "cancelled"


def test_merge_moves_followers_to_the_question_kept(world, question):
    duplicate = factories.make_ticket(world.colleague, subject="Même question sur le cumul")
    following.follow(duplicate, world.jurist2)
    merging.merge(duplicate, question, world.jurist)
    assert [user.id for user in following.followers(question)] == [world.jurist2.id]
    assert following.followers(db.session.get(Ticket, duplicate.id)) == []
    texts = [_text(mail) for mail in _followed_mail(question, world.jurist2)]
    assert len(texts) == 1
    assert f"Denis Juriste a fusionné la question {duplicate.reference} dans la question" in texts[0]
    assert _followed_mail(duplicate, world.jurist2) == []


def test_deleting_a_question_removes_its_followers(world, question):
    following.follow(question, world.jurist2)
    services.delete_question(question, world.admin)
    assert db.session.scalar(select(db.func.count()).select_from(TicketFollower)) == 0


def test_followed_mail_escapes_names_in_html(world):
    structure = factories.make_structure(name="<b>Atelier & Cie</b>")
    author = factories.make_user("member", structure, name="Zoé <script>x</script>")
    ticket = factories.make_ticket(author, subject="Objet <i>piégé</i>")
    following.follow(ticket, world.jurist2)
    services.add_message(ticket, author, "Un message.")
    html = outbox.deferred_mail(_followed_mail(ticket, world.jurist2)[0])[2]
    assert "<script>" not in html and "<b>Atelier" not in html and "<i>piégé" not in html
    assert "Zoé &lt;script&gt;" in html



def test_the_followed_questions_are_in_the_jurists_data_export(world, question):
    following.follow(question, world.jurist2)
    assert [row["question"] for row in personal_data(world.jurist2)["questions_suivies"]] == [question.reference]
    assert personal_data(world.jurist)["questions_suivies"] == []


def test_answering_a_followers_mail_never_reaches_the_member(world, question):
    """A follower's mail has no signed reply address, unlike the assignee's: answering it (about a colleague's note,
    say) is kept for a jurist to place, never posted as a reply to the member."""
    following.follow(question, world.jurist2)
    services.add_message(question, world.member, "Voici le contrat signé.")
    assigned = db.session.scalars(select(OutboxEmail).where(OutboxEmail.ticket_id == question.id,
                                                            OutboxEmail.kind == "member_replied")).one()
    assert "questions+" in build_message(assigned)["Reply-To"]
    mail = _followed_mail(question, world.jurist2)[0]
    assert build_message(mail)["Reply-To"] == "questions@federation.example.test"
    assert "Vous pouvez répondre directement à ce courriel" not in _text(mail)
    assert "Vous pouvez répondre directement à ce courriel" not in outbox.deferred_mail(mail)[2]
