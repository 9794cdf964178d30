"""Jurist ergonomics without a browser: counts in the main navigation, the structure's recent questions,
documented keyboard shortcuts."""
import html
import re
from pathlib import Path

import pytest
from flask import current_app
from markupsafe import Markup, escape

from helpdesk.errors import Forbidden
from helpdesk.extensions import db
from helpdesk.i18n import tie_french_punctuation
from helpdesk.kb import indexing
from helpdesk.models import Ticket
from helpdesk.queue.services import QueueFilters, next_question
from helpdesk.tickets import services
from tests import factories


def test_jurist_navigation_shows_my_files_and_unassigned_counts(client, login, world):
    """Every jurist page carries « Mes dossiers (n) » and « Non assignées (n) » in the main navigation."""
    mine = factories.make_ticket(world.member)
    services.claim(mine, world.jurist)
    factories.make_ticket(world.member)
    factories.make_ticket(world.outsider)
    login(world.jurist)
    text = client.get("/ressources/").get_data(as_text=True)
    assert 'vue=mes-dossiers">Mes dossiers <span class="count">(1)</span>' in text
    assert 'vue=non-assignees">Non assignées <span class="count">(2)</span>' in text


def test_queue_page_counts_views_with_a_single_query(client, login, world):
    """The tabs and the navigation share one counting query per request."""
    factories.make_ticket(world.member)
    login(world.jurist)
    with factories.sql_statements() as statements:
        response = client.get("/file/")
    assert response.status_code == 200
    assert sum("AS mes_dossiers" in statement for statement in statements) == 1


def test_member_navigation_has_no_queue_counts(client, login, world):
    """Members never see the jurists' counts."""
    login(world.member)
    assert "Mes dossiers" not in client.get("/questions/").get_data(as_text=True)


def test_recent_structure_questions_lists_five_others_newest_first(world):
    """The five latest other questions of the same structure, never another structure's."""
    tickets = [factories.make_ticket(world.member, subject=f"Question numéro {number}") for number in range(7)]
    factories.make_ticket(world.outsider, subject="Question d'ailleurs")
    recent = services.recent_structure_questions(tickets[3], world.jurist)
    assert [ticket.subject for ticket in recent] == [f"Question numéro {n}" for n in (6, 5, 4, 2, 1)]


def test_recent_structure_questions_is_refused_to_members(world):
    """A member cannot list the structure context (jurists only)."""
    ticket = factories.make_ticket(world.member)
    with pytest.raises(Forbidden):
        services.recent_structure_questions(ticket, world.member)


def test_question_page_shows_structure_and_recent_questions_to_jurists_only(client, login, world):
    """The jurist sees the structure's type, region and recent questions; the member does not."""
    older = factories.make_ticket(world.member, subject="Mise à disposition en AI")
    ticket = factories.make_ticket(world.colleague)
    login(world.jurist)
    text = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "La structure : Chantier des Tests" in text
    assert escape(world.structure.type_label) in text and escape(world.structure.region_label) in text
    assert older.reference in text and "Mise à disposition en AI" in text
    login(world.member)
    text = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "La structure :" not in text and "Mise à disposition en AI" not in text


def _structure_section(client, reference: str) -> str:
    """The « La structure » section of a question's page, read by a jurist."""
    page = client.get(f"/questions/{reference}").get_data(as_text=True)
    return re.search(r'<section aria-labelledby="structure-title".*?</section>', page, re.S).group(0)


def test_structure_context_counts_all_the_other_questions_and_names_who_asked_them(client, login, world):
    """Past five, the table says how many other questions the structure asked; each row names its asker."""
    for number in range(6):
        factories.make_ticket(world.member if number % 2 else world.colleague, subject=f"Question numéro {number}")
    factories.make_ticket(world.outsider, subject="Question d'ailleurs")
    ticket = factories.make_ticket(world.member, subject="Celle-ci")
    login(world.jurist)
    section = _structure_section(client, ticket.reference)
    assert "<caption>Les 5 plus récentes de ses 6 autres questions</caption>" in section
    assert "<th scope=\"col\">Posée par</th>" in section
    rows = re.findall(r"<tr><td.*?</tr>", section, re.S)
    assert len(rows) == 5 and world.member.name in rows[0] and escape(world.colleague.name) in rows[1]
    assert "Question numéro 0" not in section and "Question d&#39;ailleurs" not in section


def test_structure_context_says_it_lists_every_other_question_in_proper_french(client, login, world):
    """With five other questions or fewer, the table lists them all; one question is singular (it read « Ses 1
    questions les plus récentes »)."""
    factories.make_ticket(world.colleague, subject="Une autre")
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    assert "<caption>Son autre question</caption>" in _structure_section(client, ticket.reference)
    factories.make_ticket(world.colleague, subject="Encore une autre")
    assert "<caption>Ses 2 autres questions</caption>" in _structure_section(client, ticket.reference)


def _positions(page: str, *ids: str) -> list[int]:
    """Where each heading id first appears in a page (-1 when it is absent)."""
    return [page.find(f'id="{heading}"') for heading in ids]


def test_jurists_reply_box_comes_right_after_the_thread(client, login, world):
    """The reply form sat under the structure's other questions and the similar ones: a jurist scrolled past them to
    answer. It now follows the thread, the context after it; the shortcut « r » still finds its box."""
    earlier = factories.make_ticket(world.member, subject="Renouvellement CDDI au-delà de 24 mois",
                                    body="Peut-on renouveler un CDDI au-delà de 24 mois pour finir une formation ?")
    services.add_message(earlier, world.jurist, "Oui, une dérogation est possible pour achever une formation.")
    ticket = factories.make_ticket(
        world.member, subject="Prolonger un CDDI de plus de 24 mois",
        body="Un salarié en CDDI depuis 23 mois veut finir sa formation : renouvellement possible ?")
    indexing.sync()
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    thread, reply, structure, similar = _positions(
        page, "thread-title", "reply-title", "structure-title", "similar-title")
    assert -1 < thread < reply < structure < similar
    assert page.find('data-shortcut="reply"') > reply and page.find('<textarea', reply) < structure


def test_members_reply_box_still_follows_the_rating_form(client, login, world):
    """A member's page keeps its order: thread, opinion on the answer, then the reply box; no jurist context."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Voici la réponse.", status_after="answered")
    login(world.member)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    thread, rating, reply, structure = _positions(
        page, "thread-title", "rating-title", "reply-title", "structure-title")
    assert -1 < thread < rating < reply and structure == -1


def test_structure_question_count_is_refused_to_members(world):
    """A member cannot count the structure's questions through the jurists' context."""
    ticket = factories.make_ticket(world.member)
    with pytest.raises(Forbidden):
        services.structure_question_count(ticket, world.member)


def test_shortcuts_are_documented_on_queue_and_question_pages(client, login, world):
    """The keys are listed on the page itself and the script is a separate file (no inline JS)."""
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    queue = client.get("/file/").get_data(as_text=True)
    assert "<kbd>j</kbd>" in queue and "<kbd>k</kbd>" in queue and "Question suivante" in queue
    question = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "<kbd>p</kbd>" in question and "<kbd>r</kbd>" in question
    assert 'src="/static/js/shortcuts.js"' in question and "onclick" not in question
    login(world.member)
    assert "Raccourcis clavier" not in client.get(f"/questions/{ticket.reference}").get_data(as_text=True)


def test_shortcuts_help_is_hidden_until_the_script_runs(client, login, world):
    """Without JavaScript no key works: the help used to announce them anyway (« Touche ? : aller à cette aide »);
    it is now hidden in the page and shown by shortcuts.js."""
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    for path in ("/file/", f"/questions/{ticket.reference}"):
        page = client.get(path).get_data(as_text=True)
        section = re.search(r'<section class="shortcuts" id="shortcuts-help"[^>]*>', page).group(0)
        assert " hidden" in section, path
    script = (Path(current_app.static_folder) / "js" / "shortcuts.js").read_text()
    assert "help.hidden = false" in script


def test_question_page_lists_only_the_shortcuts_that_work_there(client, login, world):
    """« p : Prendre la question » was listed on questions already taken or closed, where the key does nothing (no
    « Je prends » button); « r » likewise on a closed question, which has no reply box."""
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "<kbd>p</kbd>" in page and "<kbd>r</kbd>" in page
    services.claim(ticket, world.jurist2)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "<kbd>p</kbd>" not in page and "<kbd>r</kbd>" in page and "<kbd>?</kbd>" in page
    services.close(ticket, world.jurist2)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "<kbd>p</kbd>" not in page and "<kbd>r</kbd>" not in page and "<kbd>?</kbd>" in page


def _flashes(page: str) -> str:
    """The text of a page's banners, tags dropped."""
    banner = re.search(r'<div class="flashes" role="status">(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", banner.group(1))) if banner else ""


def test_closing_a_question_offers_the_next_one_of_the_view_the_jurist_came_from(client, login, world):
    """From « Non assignées », closing a question says so and links the question after it in that view (not an
    automatic jump): the jurist goes on from the confirmation."""
    first, second, third = (factories.make_ticket(world.member, subject=f"Question {n}") for n in ("A", "B", "C"))
    login(world.jurist)
    client.get("/file/?vue=non-assignees")
    response = client.post(f"/questions/{second.reference}/cloturer", data={"confirme": "1"})
    assert response.headers["Location"].endswith(f"/questions/{second.reference}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    banner = _flashes(page)
    assert "la question est clôturée." in banner
    assert f"Question suivante dans « Non assignées » : {third.reference} — Question C" in banner
    assert f'href="/questions/{third.reference}"' in page
    # The last of the view leads back to the top of it.
    client.post(f"/questions/{third.reference}/cloturer", data={"confirme": "1"})
    banner = _flashes(client.get(f"/questions/{third.reference}").get_data(as_text=True))
    assert f"Question suivante dans « Non assignées » : {first.reference} — Question A" in banner


def test_the_next_question_keeps_the_filters_and_the_sort(client, login, world):
    """The next question is the one after in the filtered, sorted view the jurist was working through."""
    kept = factories.make_ticket(world.member, subject="Sans thème, plus ancienne")
    themed = [factories.make_ticket(world.member, subject=f"IAE {n}", theme_id=world.theme.id) for n in (1, 2, 3)]
    login(world.jurist)
    client.get(f"/file/?vue=ouvertes&theme={world.theme.id}&tri=recentes")
    client.post(f"/questions/{themed[2].reference}/cloturer", data={"confirme": "1"})
    banner = _flashes(client.get(f"/questions/{themed[2].reference}").get_data(as_text=True))
    assert f"Question suivante dans « Toutes ouvertes », avec vos filtres : {themed[1].reference} — IAE 2" in banner
    assert kept.reference not in banner


def test_without_a_queue_page_the_next_question_comes_from_the_jurists_own_files(client, login, world):
    """Opened from a mail (no queue page shown in the session), a closed question leads to the jurist's own files."""
    mine = [factories.make_ticket(world.member, subject=f"Mienne {n}") for n in (1, 2)]
    for ticket in mine:
        services.claim(ticket, world.jurist)
    factories.make_ticket(world.member, subject="Pas à moi")
    login(world.jurist)
    client.post(f"/questions/{mine[0].reference}/cloturer", data={"confirme": "1"})
    banner = _flashes(client.get(f"/questions/{mine[0].reference}").get_data(as_text=True))
    assert f"Question suivante dans « Mes dossiers » : {mine[1].reference} — Mienne 2" in banner


def test_closing_the_last_question_of_a_view_leads_back_to_the_queue(client, login, world):
    """No dead end: when the view holds no other question, the banner says so and links back to the queue."""
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    client.get("/file/?vue=non-assignees&tri=priorite")
    client.post(f"/questions/{ticket.reference}/cloturer", data={"confirme": "1"})
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "Plus aucune autre question dans « Non assignées ». Retour à la file" in _flashes(page)
    assert 'href="/file/?vue=non-assignees&amp;tri=priorite">Retour à la file</a>' in page


def test_closing_through_the_status_menu_offers_the_next_question_too(client, login, world):
    """« Changer le statut » to « Clôturée » is a close as well: the next question is offered the same way."""
    first, second = (factories.make_ticket(world.member, subject=f"Question {n}") for n in ("A", "B"))
    services.add_message(first, world.jurist, "Voici la réponse.", status_after="answered")
    login(world.jurist)
    client.get("/file/?vue=ouvertes")
    client.post(f"/questions/{first.reference}/statut", data={"status": "closed"})
    banner = _flashes(client.get(f"/questions/{first.reference}").get_data(as_text=True))
    assert "statut « Clôturée » enregistré." in banner
    assert f"Question suivante dans « Toutes ouvertes » : {second.reference} — Question B" in banner


def test_members_closing_their_question_get_no_next_question(client, login, world):
    """The next question is the jurists' way through the queue: a member closing their own question sees none."""
    ticket = factories.make_ticket(world.member)
    factories.make_ticket(world.member, subject="Une autre de la structure")
    login(world.member)
    client.post(f"/questions/{ticket.reference}/cloturer", data={"confirme": "1"})
    banner = _flashes(client.get(f"/questions/{ticket.reference}").get_data(as_text=True))
    assert "clôturée" in banner and "Question suivante" not in banner


def test_the_next_question_is_refused_to_members(world):
    """The service itself refuses a member: the queue's order is the jurists' own."""
    ticket = factories.make_ticket(world.member)
    with pytest.raises(Forbidden):
        next_question(world.member, QueueFilters(view="ouvertes"), ticket)


def test_a_subject_in_the_next_question_link_is_escaped(client, login, world):
    """The link is markup built around the member's subject: a subject with HTML stays text."""
    ticket = factories.make_ticket(world.member)
    factories.make_ticket(world.member, subject="<b>Gras</b> & fin")
    login(world.jurist)
    client.get("/file/?vue=non-assignees")
    client.post(f"/questions/{ticket.reference}/cloturer", data={"confirme": "1"})
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    assert "&lt;b&gt;Gras&lt;/b&gt; &amp; fin" in page and "<b>Gras</b>" not in page


def test_french_quotes_hold_to_their_words_on_the_pages(client, login, world):
    """A closing » wrapped alone onto the next line (and an opening « ended one): every text a page translates ties
    each guillemet to its word with a no-break space, the names it quotes included; a colon holds to its word too.
    (The test client reads these spaces as plain ones: the page's bytes keep them.)"""
    login(world.jurist)
    empty = client.get("/file/?vue=suivies").data.decode()
    assert "choisissez «\xa0Suivre la question\xa0»\xa0: vous la retrouverez ici" in empty
    assert "« " not in empty and " »" not in empty and " :" not in re.sub(r"<[^>]*>", "", empty)
    client.post("/reponses-types/nouvelle", data={"title": "Règle des 480 heures", "body": "Bonjour"})
    answer_id = re.search(r'/reponses-types/(\d+)/supprimer', client.get("/reponses-types/").get_data(as_text=True))
    confirm = client.get(f"/reponses-types/{answer_id.group(1)}/supprimer").data.decode()
    assert "Supprimer la réponse type «\xa0Règle des 480 heures\xa0»\u202f?" in confirm


def test_tie_french_punctuation_ties_quotes_and_marks_but_not_markup():
    """A no-break space inside « » and before « : », a narrow one before « ; ! ? »; spaces inside a tag, other spaces
    and URLs stay; escaped markup stays markup (not escaped twice)."""
    assert tie_french_punctuation("Touche « ? » : aide") == "Touche «\xa0?\xa0»\xa0: aide"
    assert tie_french_punctuation("Vraiment ? Oui ; enfin ! Voir http://exemple.org") == (
        "Vraiment\u202f? Oui\u202f; enfin\u202f! Voir http://exemple.org")
    tied = tie_french_punctuation(
        Markup('Le fichier « <em title="Note : a ?">a.docx</em> » : <a href="/x?y=1">ici</a> !'))
    assert isinstance(tied, Markup) and tied == Markup(
        'Le fichier «\xa0<em title="Note : a ?">a.docx</em>\xa0»\xa0: <a href="/x?y=1">ici</a>\u202f!')
    assert tie_french_punctuation("« »") == "«\xa0»"
    assert tie_french_punctuation("Question:  a  b") == "Question:  a  b"
    assert not isinstance(tie_french_punctuation("Texte : x"), Markup)


def test_texts_translated_in_python_take_the_french_spaces_too(client, login, world):
    """A refusal's banner and the reason under its field come from Python, not from the template: they had plain
    spaces before « : » while the page around them had the tied ones."""
    ticket = factories.make_ticket(world.member)
    login(world.member)
    page = client.post(f"/questions/{ticket.reference}/repondre", data={"body": ""}).data.decode()
    assert '<p class="error" id="body-error">Écrivez votre message\xa0: quelques mots suffisent' in page
    banner = html.unescape(page[page.index('<p class="flash flash-error"'):])
    assert "rien n'a été enregistré. Voyez l'erreur sous «\xa0<a" in banner[:banner.index("</p>")]
    assert "Écrivez votre message : " not in page


def test_the_status_menu_starts_with_no_status_and_a_click_without_a_choice_changes_nothing(client, login, world):
    """An answered question's menu offered « En cours » first: a careless « Changer le statut » reopened it. No status
    stands first now, and sending that changes nothing and says so."""
    ticket = factories.make_ticket(world.member)
    services.add_message(ticket, world.jurist, "Voici la réponse.", status_after="answered")
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    menu = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.match(r'\s*<option (?:selected )?value="">Choisissez un statut</option>', menu), menu
    banner = _flashes(client.post(f"/questions/{ticket.reference}/statut", data={"status": ""},
                                  follow_redirects=True).get_data(as_text=True))
    assert "Erreur : choisissez le nouveau statut. Rien n'a été enregistré." in banner
    assert db.session.get(Ticket, ticket.id).status == "answered"
