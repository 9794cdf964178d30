"""The jurist side over HTTP: queue views, filters, sorts, pagination and the triage actions."""
import html
import re
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from helpdesk.extensions import db
from helpdesk.kb import indexing
from helpdesk.mail.ingest import discard, ingest
from helpdesk.models import Event, Message, OutboxEmail, Ticket
from helpdesk.models._types import frozen_time
from helpdesk.queue import services as queue_services
from helpdesk.queue.services import QueueFilters, queue_query
from helpdesk.tickets import services
from helpdesk.triage import tagging
from helpdesk.triage.sla import pause_starts
from tests import factories

START = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def _references(page: str) -> list[str]:
    """Question references listed on a page, in order."""
    return list(dict.fromkeys(re.findall(r"Q-\d{4}-\d{5}", page)))


def _queue(client, query: str = "") -> list[str]:
    """References listed in the queue's table for a query string."""
    response = client.get(f"/file/?{query}")
    assert response.status_code == 200
    table = re.search(r'<table class="queue cards">.*?</table>', response.get_data(as_text=True), re.S)
    return _references(table.group(0)) if table else []


def _at(hours: int):
    """Freeze time `hours` after START."""
    return frozen_time(START + timedelta(hours=hours))


@pytest.fixture
def desk(world):
    """Questions in every situation, filed an hour apart (oldest first):

    fresh (new, unassigned, Occitanie AI, priority 0), mine (open, claimed by jurist, theme IAE, urgent),
    theirs (open, jurist2's), waiting (on the member, jurist2 answered so holds it), closed.
    """
    other_theme = factories.make_theme(name="Formation")
    with _at(0):
        fresh = factories.make_ticket(world.outsider, subject="Indemnités kilométriques", priority=0,
                                      theme_id=other_theme.id)
    with _at(1):
        mine = factories.make_ticket(world.member, subject="PASS IAE expiré", priority=3, theme_id=world.theme.id)
    with _at(2):
        theirs = factories.make_ticket(world.colleague, subject="CSE à 11 salariés", priority=2)
    with _at(3):
        waiting = factories.make_ticket(world.member, subject="Heures à 50 % de majoration", priority=1)
    with _at(4):
        closed = factories.make_ticket(world.member, subject="Visite médicale", priority=1)
    with _at(10):
        services.claim(mine, world.jurist)
    with _at(11):
        services.claim(theirs, world.jurist2)
    with _at(12):
        services.add_message(waiting, world.jurist2, "Quelle date ?", status_after="waiting")
    with _at(13):
        services.close(closed, world.member)
    with _at(20):
        services.add_message(fresh, world.outsider, "Une précision.")
    return SimpleNamespace(fresh=fresh.reference, mine=mine.reference, theirs=theirs.reference,
                           waiting=waiting.reference, closed=closed.reference, other_theme=other_theme)


@pytest.fixture
def jurist_client(client, world, login):
    """The client, logged in as the first jurist."""
    login(world.jurist)
    return client


@pytest.mark.parametrize("view, expected", [
    ("", ["fresh"]),
    ("vue=non-assignees", ["fresh"]),
    ("vue=mes-dossiers", ["mine"]),
    ("vue=en-attente", ["waiting"]),
    ("vue=ouvertes", ["fresh", "mine", "theirs", "waiting"]),
    ("vue=closes", ["closed"]),
    ("vue=inconnue", ["fresh"]),
])
def test_each_view_shows_its_questions(jurist_client, desk, view, expected):
    assert _queue(jurist_client, view) == [getattr(desk, name) for name in expected]


def test_closed_view_shows_the_latest_closed_first_unless_another_sort_is_chosen(jurist_client, desk, world):
    """The closed view listed the oldest questions first: its first page showed years-old history."""
    with _at(30):
        services.close(factories.make_ticket(world.member, subject="Fermée en dernier"), world.jurist)
    latest = db.session.scalar(select(Ticket.reference).where(Ticket.subject == "Fermée en dernier"))
    page = jurist_client.get("/file/?vue=closes").get_data(as_text=True)
    assert _references(page) == [latest, desk.closed]
    assert '<option value="activite" selected>Dernière activité</option>' in page
    assert _queue(jurist_client, "vue=closes&tri=anciennete") == [desk.closed, latest]
    assert _queue(jurist_client, "vue=ouvertes") == [desk.fresh, desk.mine, desk.theirs, desk.waiting]


def test_my_questions_leave_out_the_jurist_column_the_other_views_keep(jurist_client, desk, world):
    """« Mes dossiers » repeated the reader's own name on every row, and that column tipped the table into scrolling
    sideways on a laptop; the views of several jurists' questions still name each question's jurist."""
    mine = jurist_client.get("/file/?vue=mes-dossiers").get_data(as_text=True)
    assert '<th scope="col">Juriste</th>' not in mine and 'data-label="Juriste"' not in mine
    assert desk.mine in mine and '<th scope="col">Échéance</th>' in mine
    everyone = jurist_client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert '<th scope="col">Juriste</th>' in everyone
    assert f'<td data-label="Juriste">{world.jurist2.name}' in everyone


def test_a_subject_breaks_inside_a_pasted_link_never_inside_a_word(jurist_client, world, login):
    """The narrow subject column cut any word (« professionnalisatio-n »): a line may now break only inside a token
    longer than a word (a pasted link, after its slashes and dots), in the queue and in the member's list alike."""
    factories.make_ticket(world.member, subject="Contrat de professionnalisation et "
                                                 "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000043656823 <b>")
    expected = ('<td class="long-text">Contrat de professionnalisation et https:<wbr>/<wbr>/<wbr>www.<wbr>legifrance.'
                '<wbr>gouv.<wbr>fr/<wbr>codes/<wbr>article_<wbr>lc/<wbr>LEGIARTI0000<wbr>43656823 &lt;b&gt;</td>')
    assert expected in jurist_client.get("/file/?vue=ouvertes").get_data(as_text=True)
    login(world.member)
    assert expected in jurist_client.get("/questions/").get_data(as_text=True)


def test_view_tabs_show_counts(jurist_client, desk):
    page = jurist_client.get("/file/").get_data(as_text=True)
    for label, count in (("Non assignées", 1), ("Mes dossiers", 1), ("En attente du membre", 1),
                         ("Toutes ouvertes", 4), ("Clôturées", 1)):
        assert f'{label} <span class="count">({count})</span>' in page


def _unknown_senders_email(number: int) -> bytes:
    """A received email nobody can place on a question (unknown sender, no reference)."""
    message = EmailMessage()
    message["From"], message["To"] = f"inconnu{number}@ailleurs.example", "questions@federation.example.test"
    message["Subject"], message["Message-ID"] = "Une question", f"<inconnu-{number}@ailleurs.example>"
    message.set_content("Bonjour, une question sur le CDDI.")
    return message.as_bytes()


def test_navigation_counts_the_emails_waiting_to_be_attached(jurist_client, world, desk):
    """« Courriels non rattachés » shows how many received emails wait, like the queue's links; handled ones leave."""
    first, _second = (ingest(_unknown_senders_email(number)) for number in (1, 2))
    page = jurist_client.get("/file/").get_data(as_text=True)
    assert 'Courriels non rattachés <span class="count">(2)</span>' in page
    discard(first, world.jurist)
    page = jurist_client.get("/ressources/").get_data(as_text=True)
    assert 'Courriels non rattachés <span class="count">(1)</span>' in page


def test_filters_narrow_the_list(jurist_client, world, desk):
    everything = "vue=ouvertes"
    assert _queue(jurist_client, f"{everything}&theme={world.theme.id}") == [desk.mine]
    assert _queue(jurist_client, f"{everything}&region=occitanie") == [desk.fresh]
    assert _queue(jurist_client, f"{everything}&type=ACI") == [desk.mine, desk.theirs, desk.waiting]
    assert _queue(jurist_client, f"{everything}&region=bretagne&type=AI") == []
    assert _queue(jurist_client, f"{everything}&statut=new") == [desk.fresh]
    assert _queue(jurist_client, f"{everything}&juriste={world.jurist2.id}") == [desk.theirs, desk.waiting]
    assert _queue(jurist_client, f"{everything}&q=iae") == [desk.mine]
    assert _queue(jurist_client, f"{everything}&q={desk.theirs}") == [desk.theirs]


def test_filtered_pages_count_the_filtered_questions(app, jurist_client, world, desk):
    """The pagination counts what the region, structure type and theme filters leave, as the rows show."""
    app.config["QUEUE_PAGE_SIZE"] = 2
    assert "Page 1 sur 2 (3 résultats)" in jurist_client.get("/file/?vue=ouvertes&type=ACI").get_data(as_text=True)
    narrowed = jurist_client.get(f"/file/?vue=ouvertes&type=ACI&theme={world.theme.id}").get_data(as_text=True)
    assert "Toutes ouvertes : 1 question<" in narrowed and "Page 1 sur" not in narrowed  # one question, singular


def test_text_filter_narrows_as_words_are_added(jurist_client, world):
    """Each word typed used to widen the list: « contrat passerelle » listed every question mentioning a contract."""
    passerelle = factories.make_ticket(world.member, subject="Contrat passerelle vers une entreprise classique",
                                       body="Une entreprise veut embaucher notre salarié par un contrat passerelle.")
    other = factories.make_ticket(world.member, subject="Fin d'un CDDI", body="Le contrat de notre salarié finit en mai.")
    indexing.sync()
    assert _queue(jurist_client, "vue=ouvertes&q=contrat") == [passerelle.reference, other.reference]
    assert _queue(jurist_client, "vue=ouvertes&q=contrat passerelle") == [passerelle.reference]
    assert _queue(jurist_client, "vue=ouvertes&q=contrats passerelles") == [passerelle.reference]  # inflections too
    assert _queue(jurist_client, "vue=ouvertes&q=contrat mai") == [other.reference]


def test_text_filter_keeps_to_the_words_not_their_related_notions(jurist_client, world):
    """« insultes » lists the question on insults, not one on harassment that says no insult: a related notion widens
    a search of the resources, never a filter."""
    insults = factories.make_ticket(world.member, subject="Insultes d'un salarié", body="Il insulte son encadrant.")
    factories.make_ticket(world.member, subject="Harcèlement moral", body="Une salariée se dit harcelée.")
    indexing.sync()
    assert _queue(jurist_client, "vue=ouvertes&q=insultes") == [insults.reference]


def test_text_filter_takes_wildcards_literally(jurist_client, desk):
    assert _queue(jurist_client, "vue=ouvertes&q=50 %25") == [desk.waiting]
    assert _queue(jurist_client, "vue=ouvertes&q=%25") == [desk.waiting]
    assert _queue(jurist_client, "vue=ouvertes&q=5_") == []
    assert _queue(jurist_client, "vue=ouvertes&q=I_E") == []


def test_text_filter_folds_accented_capitals_as_postgresql_does(jurist_client, desk):
    """SQLite's LIKE ignored the case of ASCII letters only: « AE EXPIRÉ » did not find « PASS IAE expiré » there."""
    assert _queue(jurist_client, "vue=ouvertes&q=AE EXPIRÉ") == [desk.mine]
    assert _queue(jurist_client, "vue=ouvertes&q=ndemnités KILOMÉTRIQUES") == [desk.fresh]
    assert _queue(jurist_client, "vue=ouvertes&q=ae expire") == []  # accents still count, as on PostgreSQL


@pytest.mark.parametrize("sort, expected", [
    ("anciennete", ["fresh", "mine", "theirs", "waiting"]),
    ("recentes", ["waiting", "theirs", "mine", "fresh"]),
    ("priorite", ["mine", "theirs", "waiting", "fresh"]),
    ("activite", ["fresh", "waiting", "theirs", "mine"]),
    ("n-importe-quoi", ["fresh", "mine", "theirs", "waiting"]),
])
def test_sorts_order_the_rows(jurist_client, desk, sort, expected):
    assert _queue(jurist_client, f"vue=ouvertes&tri={sort}") == [getattr(desk, name) for name in expected]


def test_activity_sort_follows_the_exchanges_not_the_teams_bookkeeping(jurist_client, world, desk):
    """« Dernière activité » orders questions by their last exchange with the member: reclassifying, reassigning or
    noting the oldest one does not bring it first (nor change the date shown); a public reply does."""
    mine = db.session.scalar(select(Ticket).where(Ticket.reference == desk.mine))
    shown = mine.last_activity_at
    services.classify(mine, world.jurist, None, 0)
    services.assign(mine, world.jurist, world.jurist2.id)
    services.add_message(mine, world.jurist2, "À vérifier avec la convention collective.", internal=True)
    assert _queue(jurist_client, "vue=ouvertes&tri=activite") == [desk.fresh, desk.waiting, desk.theirs, desk.mine]
    assert db.session.get(Ticket, mine.id).last_activity_at == shown
    services.add_message(mine, world.jurist2, "Le PASS IAE peut être prolongé.", status_after="answered")
    assert _queue(jurist_client, "vue=ouvertes&tri=activite") == [desk.mine, desk.fresh, desk.waiting, desk.theirs]


def test_queue_is_paginated(app, jurist_client, desk):
    app.config["QUEUE_PAGE_SIZE"] = 3
    first = jurist_client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert "Page 1 sur 2 (4 résultats)" in first and "Page suivante" in first
    assert _queue(jurist_client, "vue=ouvertes&page=2") == [desk.waiting]


@pytest.mark.parametrize("page", ["3", "5", "99999999999999999999"])
def test_page_past_the_end_shows_the_last_page(app, jurist_client, desk, page):
    """As in the resource search: the rows and the pagination of the last page, not an empty view."""
    app.config["QUEUE_PAGE_SIZE"] = 3
    last = page != "99999999999999999999"  # a number too large for a page is no page: the first one
    assert _queue(jurist_client, f"vue=ouvertes&page={page}") == (
        [desk.waiting] if last else [desk.fresh, desk.mine, desk.theirs])
    html = jurist_client.get(f"/file/?vue=ouvertes&page={page}").get_data(as_text=True)
    assert ("Page 2 sur 2 (4 résultats)" if last else "Page 1 sur 2 (4 résultats)") in html
    assert "Aucune question" not in html


@pytest.fixture
def capped_queue(world, login, monkeypatch):
    """Three open questions, the counting cap lowered to 2, a jurist logged in."""
    monkeypatch.setattr(queue_services, "COUNT_CAP", 2)
    for number in range(3):
        factories.make_ticket(world.member, subject=f"Question plafonnée {number}")
    login(world.jurist)


def test_page_past_the_end_of_a_capped_count_links_back_to_the_first(client, capped_queue):
    """Past the counting cap the last page is unknown: an empty page says so and links to the first one."""
    html = client.get("/file/?vue=ouvertes&tri=recentes&page=40").get_data(as_text=True)
    assert "Aucune question sur cette page." in html
    assert '<a href="/file/?vue=ouvertes&amp;tri=recentes&amp;page=1">Revenir à la première page</a>' in html
    assert len(_queue(client, "vue=ouvertes&tri=recentes&page=1")) == 3


@pytest.mark.parametrize("requested, total, expected", [
    (1, 0, 1), (5, 0, 1), (3, 50, 2), (2, 50, 2), (7, 10_000, 7), (500, 10_000, 400), (900, 10_001, 900),
])
def test_page_to_show_stops_at_the_last_page_of_an_exact_count(requested, total, expected):
    assert queue_services.page_to_show(requested, total, 25) == expected


@pytest.mark.parametrize("query", [
    "theme=abc", "theme=%C2%B2", "theme=99999999999999999999999", "theme=-3", "page=-1", "page=abc",
    "page=99999999999999999999999", "vue=unknown", "tri=%27;drop", "juriste=x", "juriste=%C2%B2",
    "statut=archived", "region=atlantide", "type=COOP", "q=" + "x" * 500,
])
def test_malformed_arguments_do_not_crash(jurist_client, desk, query):
    assert jurist_client.get(f"/file/?{query}").status_code == 200


def test_empty_view_says_so(jurist_client, world):
    assert "Aucune question dans cette vue." in jurist_client.get("/file/").get_data(as_text=True)


def _result_count(page: str) -> str | None:
    """The visible line that counts the questions listed above the queue's table."""
    found = re.search(r'<p class="result-count" id="queue-count">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def test_queue_says_how_many_questions_it_lists_and_how_many_the_filters_leave(app, jurist_client, world, desk):
    """The tab counts the whole view; a visible line counts what the filters leave, even on a single page."""
    assert _result_count(jurist_client.get("/file/?vue=ouvertes").get_data(as_text=True)) == "4 questions"
    narrowed = jurist_client.get("/file/?vue=ouvertes&type=ACI").get_data(as_text=True)
    assert _result_count(narrowed) == "3 questions sur 4 correspondent aux filtres"
    assert "Page 1 sur" not in narrowed
    single = jurist_client.get(f"/file/?vue=ouvertes&theme={world.theme.id}").get_data(as_text=True)
    assert _result_count(single) == "1 question sur 4 correspond aux filtres"
    app.config["QUEUE_PAGE_SIZE"] = 2  # the count is the filtered total, not the rows of the page
    assert _result_count(jurist_client.get("/file/?vue=ouvertes&type=ACI&page=2").get_data(as_text=True)) == (
        "3 questions sur 4 correspondent aux filtres")


def test_filters_matching_nothing_say_so_and_offer_to_clear_them(jurist_client, desk):
    """« Aucune question dans cette vue » read as an empty view when only the filters left nothing."""
    page = jurist_client.get("/file/?vue=ouvertes&region=bretagne&type=AI&tri=priorite").get_data(as_text=True)
    assert "Aucune question de cette vue ne correspond aux filtres." in page
    assert '<a href="/file/?vue=ouvertes">Effacer les filtres</a>' in page
    assert "Aucune question dans cette vue." not in page and _result_count(page) is None


def test_queue_query_defaults_to_all_open_questions(world, desk):
    shown = db.session.scalars(queue_query(world.jurist, QueueFilters())).all()
    assert [ticket.reference for ticket in shown] == [desk.fresh, desk.mine, desk.theirs, desk.waiting]


def test_home_sends_staff_to_the_queue(jurist_client):
    assert jurist_client.get("/").headers["Location"] == "/file/"


def _back_link(page: str) -> str:
    """Where a question's « Retour à la liste » link leads."""
    return html.unescape(re.search(r'<a href="([^"]*)">← Retour à la liste</a>', page).group(1))


def test_back_link_of_a_question_returns_to_the_queue_as_it_was_left(jurist_client, desk):
    assert _back_link(jurist_client.get(f"/questions/{desk.fresh}").get_data(as_text=True)) == "/file/"
    jurist_client.get("/file/?vue=en-retard&tri=priorite&page=2")
    page = jurist_client.get(f"/questions/{desk.fresh}").get_data(as_text=True)
    assert _back_link(page) == "/file/?vue=en-retard&tri=priorite&page=2"


def test_deleting_a_question_returns_the_admin_to_the_queue_as_it_was_left(client, world, login, desk):
    login(world.admin)
    client.get("/file/?vue=ouvertes&tri=recentes")
    response = client.post(f"/questions/{desk.fresh}/supprimer")
    assert response.headers["Location"] == "/file/?vue=ouvertes&tri=recentes"


def _ticket(reference: str) -> Ticket:
    """The question with this reference, freshly loaded."""
    db.session.expire_all()
    return db.session.scalars(select(Ticket).where(Ticket.reference == reference)).one()


def test_jurist_page_offers_triage_tools_following_the_flow(jurist_client, desk):
    page = jurist_client.get(f"/questions/{desk.fresh}").get_data(as_text=True)
    assert "Je prends" in page and "Assigner" in page
    status_options = re.search(r'<select[^>]*name="status".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="(\w+)"', status_options) == ["open", "closed"]


def _asked_by(client, reference: str) -> str:
    """The « Posée par » entry of a question's page."""
    page = client.get(f"/questions/{reference}").get_data(as_text=True)
    return re.search(r"<dt>Posée par</dt><dd>(.*?)</dd>", page, re.S).group(1)


def test_question_page_gives_the_jurist_the_address_of_the_member_who_asked(client, world, login, desk):
    """The jurist sees who asked and how to reach them; a colleague of the same structure does not see the address."""
    login(world.jurist)
    assert world.member.name in _asked_by(client, desk.mine) and world.member.email in _asked_by(client, desk.mine)
    login(world.colleague)
    asked_by = _asked_by(client, desk.mine)
    assert world.member.name in asked_by and world.member.email not in asked_by


def test_claim_through_the_page(jurist_client, world, desk):
    page = jurist_client.post(f"/questions/{desk.fresh}/prendre", follow_redirects=True).get_data(as_text=True)
    assert "<strong>C'est fait :</strong> vous avez pris cette question." in page
    assert _ticket(desk.fresh).assignee_id == world.jurist.id


def test_claim_taken_by_a_colleague_says_so(jurist_client, world, desk):
    page = jurist_client.post(f"/questions/{desk.theirs}/prendre", follow_redirects=True).get_data(as_text=True)
    assert "cette question vient d&#39;être prise par un ou une collègue." in page
    assert _ticket(desk.theirs).assignee_id == world.jurist2.id


def test_claim_of_a_closed_question_is_refused(jurist_client, desk):
    page = jurist_client.post(f"/questions/{desk.closed}/prendre", follow_redirects=True).get_data(as_text=True)
    assert "cette question est clôturée. Rouvrez-la avant de la prendre." in page
    assert _ticket(desk.closed).assignee_id is None


def test_assign_and_unassign_through_the_page(jurist_client, world, desk):
    page = jurist_client.post(f"/questions/{desk.fresh}/assigner", data={"assignee": world.jurist2.id},
                              follow_redirects=True).get_data(as_text=True)
    assert f"question assignée à {world.jurist2.name}." in page
    assert _ticket(desk.fresh).assignee_id == world.jurist2.id
    assert _ticket(desk.fresh).status_label == "En cours"
    assert desk.fresh not in _queue(jurist_client, "vue=non-assignees")
    page = jurist_client.post(f"/questions/{desk.fresh}/assigner", data={"assignee": 0},
                              follow_redirects=True).get_data(as_text=True)
    assert "la question n&#39;est plus assignée. Elle attend dans « Non assignées »" in page
    assert "Assignation enregistrée" not in page
    assert _ticket(desk.fresh).assignee_id is None
    assert _ticket(desk.fresh).status_label == "En cours", "the flow has no way back to « Nouvelle »"
    assert desk.fresh in _queue(jurist_client, "vue=non-assignees")


def test_unassigning_a_question_already_answered_keeps_its_status_and_puts_it_back_in_the_unassigned_view(
        jurist_client, world, desk):
    """« En attente du membre » or « En cours » after an answer stays so (the member has been answered), but the
    question is waiting for someone to take it."""
    jurist_client.post(f"/questions/{desk.waiting}/assigner", data={"assignee": world.jurist.id})
    page = jurist_client.post(f"/questions/{desk.waiting}/assigner", data={"assignee": 0},
                              follow_redirects=True).get_data(as_text=True)
    assert "la question n&#39;est plus assignée" in page
    assert _ticket(desk.waiting).status_label == "En attente du membre"
    assert desk.waiting in _queue(jurist_client, "vue=non-assignees")
    jurist_client.post(f"/questions/{desk.waiting}/statut", data={"status": "open"})
    jurist_client.post(f"/questions/{desk.waiting}/assigner", data={"assignee": world.jurist.id})
    jurist_client.post(f"/questions/{desk.waiting}/assigner", data={"assignee": 0})
    assert _ticket(desk.waiting).status_label == "En cours"
    assert desk.waiting in _queue(jurist_client, "vue=non-assignees")


def test_assigning_the_jurist_already_in_charge_says_so_instead_of_done(jurist_client, world, desk):
    """Leaving the select on the jurist in charge (or on « Personne » for an unassigned question) and pressing
    « Assigner » told « C'est fait : question assignée à … » of a change that did not happen."""
    jurist_client.post(f"/questions/{desk.fresh}/assigner", data={"assignee": world.jurist2.id}, follow_redirects=True)
    page = html.unescape(jurist_client.post(f"/questions/{desk.fresh}/assigner", data={"assignee": world.jurist2.id},
                                            follow_redirects=True).get_data(as_text=True))
    banner = factories.error_banner(page)
    assert f"la question est déjà assignée à {world.jurist2.name}. Rien n'a été enregistré." in banner
    assert "C'est fait" not in page
    jurist_client.post(f"/questions/{desk.fresh}/assigner", data={"assignee": 0}, follow_redirects=True)
    page = html.unescape(jurist_client.post(f"/questions/{desk.fresh}/assigner", data={"assignee": 0},
                                            follow_redirects=True).get_data(as_text=True))
    assert "la question n'est déjà assignée à personne. Rien n'a été enregistré." in factories.error_banner(page)
    assert "C'est fait" not in page


@pytest.mark.parametrize("assignee", ["member", "unknown", "text"])
def test_assign_to_someone_outside_the_list_is_refused(jurist_client, world, desk, assignee):
    value = {"member": world.member.id, "unknown": 987654, "text": "abc"}[assignee]
    page = jurist_client.post(f"/questions/{desk.fresh}/assigner", data={"assignee": value},
                              follow_redirects=True).get_data(as_text=True)
    assert "choisissez un ou une juriste de la liste." in page
    assert _ticket(desk.fresh).assignee_id is None


def test_assign_a_closed_question_is_refused(jurist_client, world, desk):
    page = jurist_client.post(f"/questions/{desk.closed}/assigner", data={"assignee": world.jurist2.id},
                              follow_redirects=True).get_data(as_text=True)
    assert "cette question est clôturée. Rouvrez-la avant de l&#39;assigner." in page


def test_status_change_through_the_page(jurist_client, desk):
    page = jurist_client.post(f"/questions/{desk.mine}/statut", data={"status": "waiting"},
                              follow_redirects=True).get_data(as_text=True)
    assert "statut « En attente du membre » enregistré." in page
    assert _ticket(desk.mine).status == "waiting"


@pytest.mark.parametrize("status, message", [
    ("answered", "impossible de passer une question « Nouvelle » au statut « Répondue »."),
    ("archived", "ce statut n&#39;existe pas."),
])
def test_illegal_or_unknown_status_is_refused(jurist_client, desk, status, message):
    page = jurist_client.post(f"/questions/{desk.fresh}/statut", data={"status": status},
                              follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert _ticket(desk.fresh).status == "new"


def _status_choices(client, reference: str) -> str:
    """The options of the question page's status field."""
    page = client.get(f"/questions/{reference}").get_data(as_text=True)
    return re.search(r'<select id="status".*?</select>', page, re.S).group(0)


def test_answered_before_any_public_reply_is_refused_and_not_offered(jurist_client, desk):
    assert "Répondue" not in _status_choices(jurist_client, desk.mine)
    page = jurist_client.post(f"/questions/{desk.mine}/statut", data={"status": "answered"},
                              follow_redirects=True).get_data(as_text=True)
    assert "répondez d&#39;abord au membre, car le statut « Répondue » suit une réponse publique." in page
    assert "» enregistré." not in page
    ticket = _ticket(desk.mine)
    assert (ticket.status, ticket.resolved_at, ticket.first_response_at) == ("open", None, None)
    assert db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "answered")).all() == []


def test_answered_is_offered_and_accepted_after_a_public_reply(jurist_client, desk):
    jurist_client.post(f"/questions/{desk.mine}/repondre",
                       data={"body": "Quelle est la date de fin du PASS ?", "kind": "public", "status_after": "waiting"})
    assert "Répondue" in _status_choices(jurist_client, desk.mine)
    page = jurist_client.post(f"/questions/{desk.mine}/statut", data={"status": "answered"},
                              follow_redirects=True).get_data(as_text=True)
    assert "statut « Répondue » enregistré." in page
    assert _ticket(desk.mine).status == "answered"


def test_reply_and_mark_answered_works_on_a_new_question(jurist_client, desk):
    page = jurist_client.post(f"/questions/{desk.fresh}/repondre",
                              data={"body": "Voici la réponse.", "kind": "public", "status_after": "answered"},
                              follow_redirects=True).get_data(as_text=True)
    assert "votre message a été envoyé." in page
    ticket = _ticket(desk.fresh)
    assert ticket.status == "answered" and ticket.first_response_at is not None


def test_reopen_a_closed_question_through_the_page(jurist_client, desk):
    jurist_client.post(f"/questions/{desk.closed}/statut", data={"status": "open"})
    assert _ticket(desk.closed).status == "open"
    assert "a rouvert la question" in jurist_client.get(f"/questions/{desk.closed}").get_data(as_text=True)


def test_public_answer_through_the_page(jurist_client, world, desk):
    page = jurist_client.post(f"/questions/{desk.fresh}/repondre",
                              data={"body": "Voici la réponse.", "kind": "public", "status_after": "waiting"},
                              follow_redirects=True).get_data(as_text=True)
    assert "votre message a été envoyé." in page and "Voici la réponse." in page
    ticket = _ticket(desk.fresh)
    assert (ticket.status, ticket.assignee_id) == ("waiting", world.jurist.id)


def test_internal_note_through_the_page(jurist_client, desk):
    page = jurist_client.post(f"/questions/{desk.mine}/repondre",
                              data={"body": "À vérifier avec l'avenant.", "kind": "note", "status_after": "answered"},
                              follow_redirects=True).get_data(as_text=True)
    assert "note interne enregistrée." in page
    assert _ticket(desk.mine).status == "open"
    note = db.session.scalars(select(Message).where(Message.internal)).one()
    assert note.body == "À vérifier avec l'avenant."


def test_reply_with_unknown_kind_is_refused(jurist_client, desk):
    page = jurist_client.post(f"/questions/{desk.mine}/repondre",
                              data={"body": "Texte.", "kind": "secret", "status_after": "answered"},
                              follow_redirects=True).get_data(as_text=True)
    assert "Choisissez l&#39;une des valeurs proposées pour « Type de message »." in page
    assert db.session.scalars(select(Message).where(Message.body == "Texte.")).all() == []


def test_jurist_closes_through_the_page(jurist_client, desk):
    """Closing from the question's page closes it and its history ends with the closing."""
    jurist_client.post(f"/questions/{desk.mine}/cloturer")
    assert _ticket(desk.mine).status == "closed"
    kinds = db.session.scalars(select(Event.kind).where(Event.ticket_id == _ticket(desk.mine).id)
                               .order_by(Event.id)).all()
    assert kinds[-1] == "closed"


def test_queue_counts_stop_at_the_cap_and_say_so(client, capped_queue):
    """Past the counting cap, the tab and the table say « plus de N » instead of counting every question."""
    page = client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert "Toutes ouvertes <span class=\"count\">(plus de 2)</span>" in page
    assert "Toutes ouvertes : plus de 2 questions" in page
    assert "En attente du membre <span class=\"count\">(0)</span>" in page


def _deadline_cell(client, query: str, reference: str) -> str:
    """The text of the « Échéance » cell of a question's row in the queue, its lines joined by « · »."""
    page = client.get(f"/file/?{query}").get_data(as_text=True)
    row = re.search(rf'<tr>(?:(?!</tr>).)*?{reference}(?:(?!</tr>).)*?</tr>', page, re.S).group(0)
    cell = re.search(r'<span class="deadline .*?</span>(?=</td>)', row, re.S).group(0).replace("<br>", " · ")
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).replace("\xa0", " ")


def test_the_waiting_view_says_how_long_each_question_has_waited(jurist_client, world):
    """« En attente du membre » said nothing of how long: each row now says since when, rounded as « il y a »
    durations are elsewhere in the app."""
    with _at(0):
        old = factories.make_ticket(world.member, subject="Ancienne attente")
        recent = factories.make_ticket(world.member, subject="Attente récente")
    with _at(1):
        services.add_message(old, world.jurist, "Quelle date de début ?", status_after="waiting")
    with _at(68):
        services.add_message(recent, world.jurist, "Quel contrat ?", status_after="waiting")
    with _at(72):
        assert _deadline_cell(jurist_client, "vue=en-attente", old.reference) == \
            "Délai suspendu · en attente du membre depuis 3 jours"
        assert _deadline_cell(jurist_client, "vue=en-attente", recent.reference) == \
            "Délai suspendu · en attente du membre depuis 4 heures"


def test_an_answered_question_says_when_the_answer_went(jurist_client, world):
    """An answered question's stopped clock says when the answer was sent; a member's reply starts the clock again
    and the row shows its deadline instead."""
    with _at(0):
        ticket = factories.make_ticket(world.member)
    with _at(2):
        services.add_message(ticket, world.jurist, "Voici la règle.", status_after="answered")
    with _at(50):
        assert _deadline_cell(jurist_client, "vue=ouvertes", ticket.reference) == \
            "Délai suspendu · réponse envoyée il y a 2 jours"
        services.add_message(ticket, world.member, "Et pour un CDDI ?")
        assert "Délai suspendu" not in _deadline_cell(jurist_client, "vue=ouvertes", ticket.reference)


def test_the_waiting_time_is_read_in_one_query_for_the_page(world):
    """The rows' pause starts come in one query, only for the questions whose clock stands still."""
    with _at(0):
        waiting, running = factories.make_ticket(world.member), factories.make_ticket(world.member)
    with _at(5):
        services.add_message(waiting, world.jurist, "Précisez.", status_after="waiting")
    assert pause_starts([waiting, running]) == {waiting.id: START + timedelta(hours=5)}
    assert pause_starts([running]) == {}


def test_queue_dates_are_short_with_the_long_form_in_their_tooltip(jurist_client, world):
    """The queue's dates take a short form (the question's date alone, the last activity's day with its time under
    it, Paris time, a space after the break for a phone's card, which puts them on one line); the long form stays in
    the tooltip and the machine-readable date in `datetime`."""
    with _at(0):
        ticket = factories.make_ticket(world.member)
    with _at(30):
        services.add_message(ticket, world.member, "Une précision.")
    page = jurist_client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert (f'<time datetime="{START.isoformat()}" title="2 mars 2026 à 10:00">02/03/2026</time>') in page
    later = START + timedelta(hours=30)
    assert (f'<time datetime="{later.isoformat()}" title="3 mars 2026 à 16:00">03/03/2026<br> 16:00</time>') in page


def test_next_question_follows_the_views_sort_and_wraps_around(world):
    """The service gives the question after the current one in the view's sort, the first after the last, the
    view's first for a question outside it, and None when the view holds no other question."""
    with _at(0):
        first = factories.make_ticket(world.member, subject="Première")
    with _at(1):
        second = factories.make_ticket(world.member, subject="Deuxième")
    with _at(2):
        third = factories.make_ticket(world.member, subject="Troisième")
    oldest_first = QueueFilters(view="non-assignees", sort="anciennete")
    newest_first = QueueFilters(view="non-assignees", sort="recentes")
    assert queue_services.next_question(world.jurist, oldest_first, first) == second
    assert queue_services.next_question(world.jurist, newest_first, first) == third
    assert queue_services.next_question(world.jurist, oldest_first, third) == first
    services.claim(second, world.jurist)
    assert queue_services.next_question(world.jurist, oldest_first, second) == first
    mine = QueueFilters(view="mes-dossiers")
    assert queue_services.next_question(world.jurist, mine, second) is None


def test_a_filter_form_sent_without_its_script_comes_back_with_a_short_address(jurist_client, world, desk):
    """Every empty field of the filter form went into the address (?vue=…&theme=&region=&q=…): the queue sends the
    jurist on to the same address without them, the filled ones and their order kept."""
    sent = jurist_client.get(f"/file/?vue=ouvertes&q=&theme={world.theme.id}&region=&type=&statut=&juriste="
                             "&etiquette=&tri=priorite")
    assert sent.status_code == 302
    assert sent.headers["Location"] == f"/file/?vue=ouvertes&theme={world.theme.id}&tri=priorite"
    assert jurist_client.get("/file/?vue=&q=").headers["Location"] == "/file/"
    assert _queue(jurist_client, f"vue=ouvertes&theme={world.theme.id}&tri=priorite") == [desk.mine]


def test_redundant_arguments_name_only_the_empty_fields():
    """The service keeps the filled values of a field named twice and leaves a filled address alone."""
    assert queue_services.redundant_arguments(MultiDict([("vue", "ouvertes"), ("q", "iae")])) == {}
    assert queue_services.redundant_arguments(
        MultiDict([("vue", "ouvertes"), ("theme", ""), ("etiquette", ""), ("etiquette", "cse")])) == \
        {"theme": [], "etiquette": ["cse"]}


def test_tabs_pages_and_tags_keep_the_active_filters(app, jurist_client, world, desk):
    """Moving to another view, the next page or a row's tag keeps the theme and the text searched; the view's own
    sort and the first page come back with a new view, and no empty field appears in any of these links."""
    app.config["QUEUE_PAGE_SIZE"] = 1
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == desk.mine))
    tagging.add_tags(ticket, world.jurist, ["480 heures"])
    for other in range(2):
        factories.make_ticket(world.member, subject=f"PASS IAE n° {other}", theme_id=world.theme.id)
    page = html.unescape(jurist_client.get(
        f"/file/?vue=ouvertes&theme={world.theme.id}&tri=priorite").get_data(as_text=True))
    assert f'href="/file/?vue=ouvertes&theme={world.theme.id}&tri=priorite&page=2" rel="next"' in page
    assert f'href="/file/?vue=en-retard&theme={world.theme.id}"' in page
    assert f'href="/file/?vue=ouvertes&theme={world.theme.id}&tri=priorite&etiquette=480+heures"' in page
    links = re.findall(r'href="(/file/\?[^"]*)"', page)
    assert links and not [link for link in links if re.search(r"=(&|$)", link)]
