"""Tags on questions, the queue's tag filter, bulk actions with their summary, and queue query counts."""
import html
import re

import pytest
from sqlalchemy import func, select

from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Event, Tag, Ticket
from helpdesk.tickets import services
from helpdesk.triage import merging, tagging
from tests import factories


def test_tags_are_normalised_and_deduplicated(world):
    ticket = factories.make_ticket(world.member)
    added = tagging.add_tags(ticket, world.jurist, tagging.parse_tags("  Urgent   Direction , #480 heures, urgent direction"))
    assert added == ["urgent direction", "480 heures"]
    assert tagging.add_tags(ticket, world.jurist, ["480 heures"]) == []
    assert [tag.name for tag in ticket.tags] == ["480 heures", "urgent direction"]
    other = factories.make_ticket(world.member)
    tagging.add_tags(other, world.jurist, ["480 heures"])
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 2


@pytest.mark.parametrize("text, message", [(",,", "au moins une"), ("x" * 41, "40 caractères")])
def test_bad_tags_are_refused(client, world, login, text, message):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post(f"/questions/{ticket.reference}/etiquettes", data={"tags": text}, follow_redirects=True)
    assert message in page.get_data(as_text=True)
    assert ticket.tags == []


def test_tags_already_there_are_reported_as_information_not_success(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    first = client.post(f"/questions/{ticket.reference}/etiquettes", data={"tags": "CSE"}, follow_redirects=True)
    again = client.post(f"/questions/{ticket.reference}/etiquettes", data={"tags": "cse"}, follow_redirects=True)
    assert "<strong>C'est fait :</strong> 1 étiquette ajoutée (cse)." in first.get_data(as_text=True)
    assert '<p class="flash flash-info">Ces étiquettes y étaient déjà.</p>' in again.get_data(as_text=True)


def test_refused_tags_come_back_typed_in_the_field(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    typed = "convention collective, " + "x" * 41
    response = client.post(f"/questions/{ticket.reference}/etiquettes", data={"tags": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "40 caractères" in page
    assert re.search(rf'<input[^>]*name="tags"[^>]*value="{typed}"', page)
    assert ticket.tags == []


def test_each_tag_and_its_remove_button_hold_together(client, world, login):
    """The « retirer » buttons wrapped away from their tags, reading « 480 heures retirer à relire retirer » on a
    narrow column: each tag and its button form one unit that never breaks, set apart from the next."""
    ticket = factories.make_ticket(world.member)
    tagging.add_tags(ticket, world.jurist, ["480 heures", "rupture conventionnelle"])
    login(world.jurist)
    page = client.get(f"/questions/{ticket.reference}").get_data(as_text=True)
    units = re.findall(r'<form [^>]*class="inline tag-form">(.*?)</form>', page, re.S)
    assert len(units) == 2
    assert all(re.search(r'<span class="tag">[^<]+</span> <button type="submit" class="link">retirer', unit)
               for unit in units)
    css = client.get("/static/style.css").get_data(as_text=True)
    rule = re.search(r"form\.tag-form \{([^}]*)\}", css).group(1)
    assert "display: inline-flex" in rule and "white-space: nowrap" in rule and "margin: 0 1rem" in rule


def test_bulk_assignment_leaving_questions_as_they_were_is_not_reported_as_done(client, world, login):
    unassigned = factories.make_ticket(world.member)
    mine = factories.make_ticket(world.member)
    services.assign(mine, world.jurist, world.jurist.id)
    login(world.jurist)
    client.post("/file/actions", data={"ids": [unassigned.id], "action": "assigner", "assignee": 0})
    summary = html.unescape(client.get("/file/").get_data(as_text=True))
    assert f"aucune question traitée. 1 refusée ({unassigned.reference} — La question n'est déjà assignée à personne)." \
        in summary
    assert re.search(rf'<input[^>]*value="{unassigned.id}"[^>]*checked', summary)
    client.post("/file/actions", data={"ids": [unassigned.id, mine.id], "action": "assigner",
                                       "assignee": world.jurist.id})
    summary = client.get("/file/").get_data(as_text=True)
    assert (f"1 question traitée ({unassigned.reference}). 1 refusée ({mine.reference} — La question est déjà assignée à "
            f"{world.jurist.name}).") in summary


def test_tag_rows_and_filter_in_the_queue(client, world, login):
    tagged = factories.make_ticket(world.member, subject="Question étiquetée")
    plain = factories.make_ticket(world.member, subject="Question sans étiquette")
    login(world.jurist)
    client.post(f"/questions/{tagged.reference}/etiquettes", data={"tags": "CSE, Élections"})
    page = client.get("/file/?vue=ouvertes&etiquette=élections").get_data(as_text=True)
    table = page.split('<table class="queue cards">')[1]
    assert tagged.reference in table and plain.reference not in table
    assert '<a class="tag"' in table and "cse" in table
    client.post(f"/questions/{tagged.reference}/etiquettes/retirer", data={"tag": "cse"})
    assert [tag.name for tag in tagged.tags] == ["élections"]


def test_bulk_actions_apply_each_through_the_services_and_report_refusals(client, world, login):
    fresh = factories.make_ticket(world.member)
    closed = factories.make_ticket(world.member)
    services.close(closed, world.member)
    login(world.jurist)
    response = client.post("/file/actions", data={"ids": [fresh.id, closed.id], "action": "statut",
                                                  "status": "answered", "back": "/file/?vue=ouvertes"})
    assert response.headers["Location"] == "/file/?vue=ouvertes"
    summary = client.get("/file/").get_data(as_text=True)
    assert "aucune question traitée. 2 refusées" in summary
    assert "Impossible de passer une question « Nouvelle » au statut « Répondue » ;" in summary
    assert "».." not in summary
    client.post("/file/actions", data={"ids": [fresh.id, closed.id], "action": "assigner",
                                       "assignee": world.jurist2.id})
    summary = client.get("/file/").get_data(as_text=True)
    assert f"1 question traitée ({fresh.reference}). 1 refusée ({closed.reference}" in summary
    db.session.expire_all()
    assert db.session.get(Ticket, fresh.id).assignee_id == world.jurist2.id
    client.post("/file/actions", data={"ids": [fresh.id], "action": "etiqueter", "tags": "lot, relance"})
    client.post("/file/actions", data={"ids": [fresh.id], "action": "clore", "confirme": "1"})
    db.session.expire_all()
    fresh = db.session.get(Ticket, fresh.id)
    assert fresh.status == "closed" and [tag.name for tag in fresh.tags] == ["lot", "relance"]
    kinds = db.session.scalars(select(Event.kind).where(Event.ticket_id == fresh.id)).all()
    assert {"assigned", "tagged", "closed"} <= set(kinds)


def test_bulk_reclassification_changes_theme_and_urgency_through_the_service(client, world, login):
    """Theme and urgency are each changed only when chosen, every question's history says so, and a merged question
    or one already classified so is refused by name."""
    other_theme = factories.make_theme(name="Formation")
    first = factories.make_ticket(world.member, priority=1)
    second = factories.make_ticket(world.member, priority=3, theme_id=other_theme.id)
    merged = factories.make_ticket(world.member)
    merging.merge(merged, first, world.jurist)
    login(world.jurist)
    page = client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert '<option value="reclasser">Reclasser (thème, urgence)</option>' in page
    assert '<select id="reclass_theme" name="reclass_theme">' in page
    assert '<option value="0">Sans thème</option>' in page
    client.post("/file/actions", data={"ids": [first.id, second.id, merged.id], "action": "reclasser",
                                       "reclass_theme": str(world.theme.id), "reclass_priority": ""})
    summary = html.unescape(client.get("/file/").get_data(as_text=True))
    assert (f"2 questions traitées ({first.reference}, {second.reference}). 1 refusée ({merged.reference} — Cette "
            "question a été fusionnée. Reclassez la question dans laquelle elle a été fusionnée).") in summary
    db.session.expire_all()
    assert [(ticket.theme_id, ticket.priority) for ticket in (first, second, merged)] == [
        (world.theme.id, 1), (world.theme.id, 3), (None, 1)]
    client.post("/file/actions", data={"ids": [first.id, second.id], "action": "reclasser", "reclass_theme": "",
                                       "reclass_priority": "3"})
    summary = html.unescape(client.get("/file/").get_data(as_text=True))
    assert (f"1 question traitée ({first.reference}). 1 refusée ({second.reference} — La question a déjà cette "
            "urgence).") in summary
    client.post("/file/actions", data={"ids": [first.id], "action": "reclasser", "reclass_theme": "0",
                                       "reclass_priority": "0"})
    db.session.expire_all()
    assert (first.theme_id, first.priority) == (None, 0)
    history = client.get(f"/questions/{first.reference}").get_data(as_text=True)
    assert "a reclassé la question : thème « Réforme IAE » → « aucun », urgence « Urgente » → « Basse »." in \
        html.unescape(history)
    kinds = db.session.scalars(select(Event.kind).where(Event.ticket_id == first.id,
                                                        Event.kind == "reclassified")).all()
    assert len(kinds) == 3


@pytest.mark.parametrize("data, message", [
    ({"reclass_theme": "", "reclass_priority": ""}, "choisissez le nouveau thème, la nouvelle urgence, ou les deux."),
    ({"reclass_theme": "999999", "reclass_priority": ""}, "choisissez l'une des valeurs proposées pour « Nouveau thème »."),
    ({"reclass_theme": "", "reclass_priority": "7"}, "choisissez l'une des valeurs proposées pour « Nouvelle urgence »."),
])
def test_bulk_reclassification_without_a_valid_choice_changes_nothing(client, world, login, data, message):
    ticket = factories.make_ticket(world.member, priority=1)
    login(world.jurist)
    page = client.post("/file/actions", data={"ids": [ticket.id], "action": "reclasser", **data},
                       follow_redirects=True).get_data(as_text=True)
    assert message in html.unescape(page) and "traitée" not in page
    assert re.search(rf'<input[^>]*value="{ticket.id}"[^>]*checked', page), "the question stays ticked"
    db.session.expire_all()
    assert (ticket.theme_id, ticket.priority) == (None, 1)
    assert not db.session.scalar(select(Event.id).where(Event.kind == "reclassified"))


def test_bulk_reclassification_refuses_a_withdrawn_theme_and_members(client, world, login):
    ticket = factories.make_ticket(world.member)
    withdrawn = factories.make_theme(name="Ancien thème", active=False)
    with pytest.raises(InvalidInput, match="Ce thème n'existe pas."):
        tagging.bulk_apply(world.jurist, [ticket.id], "reclasser", theme_id=withdrawn.id)
    with pytest.raises(InvalidInput, match="Cette urgence n'existe pas."):
        tagging.bulk_apply(world.jurist, [ticket.id], "reclasser", priority=7)
    with pytest.raises(Forbidden):
        tagging.bulk_apply(world.member, [ticket.id], "reclasser", priority=3)
    login(world.member)
    assert client.post("/file/actions", data={"ids": [ticket.id], "action": "reclasser",
                                              "reclass_priority": "3"}).status_code in (403, 404)
    db.session.expire_all()
    assert (ticket.theme_id, ticket.priority) == (None, 1)


def test_bulk_summary_counts_in_the_plural(client, world, login):
    first, second = factories.make_ticket(world.member), factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post("/file/actions", data={"ids": [first.id, second.id], "action": "clore", "confirme": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"2 questions traitées ({first.reference}, {second.reference})." in page


def test_bulk_answered_applies_only_to_questions_with_a_public_reply(client, world, login):
    unanswered = factories.make_ticket(world.member)
    replied = factories.make_ticket(world.member)
    services.claim(unanswered, world.jurist)
    services.add_message(replied, world.jurist, "Pouvez-vous préciser la date ?", status_after="waiting")
    login(world.jurist)
    client.post("/file/actions", data={"ids": [unanswered.id, replied.id], "action": "statut", "status": "answered"})
    summary = client.get("/file/").get_data(as_text=True)
    assert f"1 question traitée ({replied.reference}). 1 refusée ({unanswered.reference}" in summary
    assert "Répondez d&#39;abord au membre, car le statut « Répondue » suit une réponse publique)." in summary
    db.session.expire_all()
    assert db.session.get(Ticket, unanswered.id).status == "open"
    assert db.session.get(Ticket, replied.id).status == "answered"


@pytest.mark.parametrize("data, message", [
    ({"action": "clore"}, "cochez au moins une question."),
    ({"action": "", "ids": "1"}, "choisissez une action."),
    ({"action": "etiqueter", "ids": "1", "tags": " , "}, "indiquez au moins une étiquette."),
    ({"action": "statut", "ids": "1", "status": ""}, "choisissez le nouveau statut."),
])
def test_bulk_refuses_incomplete_requests(client, world, login, data, message):
    factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post("/file/actions", data=data, follow_redirects=True).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(Ticket.status)) == "new"


@pytest.mark.parametrize("ids, message", [
    (["99999999999999999999"], "cochez au moins une question."),
    (["-1", "abc", "²"], "cochez au moins une question."),
    (["999999"], "aucune des questions choisies n&#39;a pu être traitée."),
    ([str(2**31 - 1), "999998"], "aucune des questions choisies n&#39;a pu être traitée."),
])
def test_bulk_on_no_existing_question_is_an_error(client, world, login, ids, message):
    factories.make_ticket(world.member)
    login(world.jurist)
    response = client.post("/file/actions", data={"ids": ids, "action": "clore"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert " traitée (" not in page and "aucune question traitée" not in page
    assert db.session.scalar(select(Ticket.status)) == "new"


def test_bulk_skips_out_of_range_ids_and_handles_the_others(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post("/file/actions", data={"ids": ["99999999999999999999", str(ticket.id)], "action": "clore",
                                                  "confirme": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"1 question traitée ({ticket.reference})." in page
    assert db.session.scalar(select(Ticket.status)) == "closed"


def test_bulk_service_refuses_when_no_question_exists(world):
    ticket = factories.make_ticket(world.member)
    with pytest.raises(InvalidInput, match="Aucune des questions choisies"):
        tagging.bulk_apply(world.jurist, [ticket.id + 1], "clore")
    assert ticket.status == "new"


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\tevil.example"])
def test_bulk_never_redirects_off_site(client, world, login, back):
    login(world.jurist)
    response = client.post("/file/actions", data={"action": "clore", "back": back})
    assert response.headers["Location"] == "/file/"


def test_members_cannot_tag_or_bulk_act(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.member)
    assert client.post(f"/questions/{ticket.reference}/etiquettes", data={"tags": "x"}).status_code == 403
    assert client.post("/file/actions", data={"ids": [ticket.id], "action": "clore"}).status_code == 403
    login(world.outsider)
    assert client.post(f"/questions/{ticket.reference}/etiquettes", data={"tags": "x"}).status_code == 404
    assert ticket.tags == [] and ticket.status == "new"
    with pytest.raises(Forbidden):
        tagging.bulk_apply(world.member, [ticket.id], "clore")


def _statements_for_queue_page(client) -> int:
    """How many SQL statements one queue page runs."""
    with factories.sql_statements() as statements:
        assert client.get("/file/?vue=ouvertes").status_code == 200
    return len(statements)


def test_queue_page_runs_the_same_number_of_queries_for_5_or_25_rows(client, world, login):
    def add_questions(number):
        for index in range(number):
            structure = factories.make_structure()
            author = factories.make_user("member", structure)
            ticket = factories.make_ticket(author, theme_id=world.theme.id)
            services.assign(ticket, world.jurist, world.jurist2.id)
            tagging.add_tags(ticket, world.jurist, [f"étiquette {index}", "commune"])

    login(world.jurist)
    add_questions(5)
    with_5 = _statements_for_queue_page(client)
    add_questions(20)
    with_25 = _statements_for_queue_page(client)
    page = client.get("/file/?vue=ouvertes").get_data(as_text=True)
    assert len(set(re.findall(r"Q-\d{4}-\d{5}", page))) == 25
    assert with_5 == with_25


def test_refused_bulk_action_keeps_the_questions_ticked_and_the_action_chosen(client, world, login):
    first, second, other = (factories.make_ticket(world.member) for _ in range(3))
    login(world.jurist)
    back = "/file/?vue=ouvertes"
    page = client.post("/file/actions", data={"ids": [first.id, second.id], "action": "statut", "status": "",
                                              "back": back}, follow_redirects=True).get_data(as_text=True)
    assert "choisissez le nouveau statut." in page
    ticked = set(re.findall(r'name="ids" value="(\d+)" id="select-\d+" checked', page))
    assert ticked == {str(first.id), str(second.id)}
    assert '<option selected value="statut">' in page
    again = client.get(back).get_data(as_text=True)
    assert " checked" not in again.split('<table class="queue cards">')[1].split("</table>")[0]


def test_bulk_menus_ask_to_choose_like_the_question_page(client, world, login):
    """The bulk form opened on « Choisir une action » and a status « — », while the question page and the refusals say
    « Choisissez… »: both menus now start with the same wording."""
    factories.make_ticket(world.member)
    login(world.jurist)
    page = client.get("/file/").get_data(as_text=True)
    for name, placeholder in (("action", "Choisissez une action"), ("status", "Choisissez un statut")):
        menu = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        assert re.match(rf'\s*<option (?:selected )?value="">{placeholder}</option>', menu), menu
    assert "Choisir une action" not in page and ">—</option>" not in page


def test_the_bulk_status_menu_offers_only_statuses_a_question_can_reach(client, world, login):
    """« Nouvelle » is only where a question starts: offered in bulk, it was refused for every question ticked."""
    factories.make_ticket(world.member)
    login(world.jurist)
    page = client.get("/file/").get_data(as_text=True)
    menu = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="(\w+)"', menu) == ["open", "waiting", "answered", "closed"]


def test_successful_bulk_action_unticks_the_questions(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post("/file/actions", data={"ids": [ticket.id], "action": "clore", "back": "/file/?vue=closes",
                                              "confirme": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert '<p class="flash flash-success">' in page and f'id="select-{ticket.id}"' in page
    assert f'id="select-{ticket.id}" checked' not in page


@pytest.mark.parametrize("action", [{"action": "clore"}, {"action": "statut", "status": "closed"}])
def test_bulk_closing_asks_to_confirm_first_and_cancelling_keeps_the_questions_ticked(client, world, login, action):
    """« Clore » (or the status « Clôturée ») on ticked questions first shows them with a confirmation button (no
    JavaScript needed); nothing is closed until it is pressed."""
    first, second, other = (factories.make_ticket(world.member, subject=f"Question numéro {number}")
                            for number in range(3))
    login(world.jurist)
    back = "/file/?vue=ouvertes"
    response = client.post("/file/actions", data={"ids": [first.id, second.id], "back": back, **action})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Clore ces 2 questions ?" in page
    assert "Leurs membres en sont prévenus" in page
    assert f"{first.reference} — Question numéro 0" in page and f"{second.reference} — Question numéro 1" in page
    assert other.reference not in page
    assert set(db.session.scalars(select(Ticket.status))) == {"new"}
    form = page.split('<form method="post" action="/file/actions"')[1].split("</form>")[0]
    assert set(re.findall(r'name="ids" value="(\d+)"', form)) == {str(first.id), str(second.id)}
    assert 'name="confirme" value="1"' in form and f'<a href="{back}">Annuler</a>' in form
    cancelled = client.get(back).get_data(as_text=True)
    assert set(re.findall(r'name="ids" value="(\d+)" id="select-\d+" checked', cancelled)) == {str(first.id),
                                                                                            str(second.id)}
    confirmed = dict(re.findall(r'<input type="hidden" name="(action|status|back|confirme)" value="([^"]*)"', form))
    done = client.post("/file/actions", data={"ids": [first.id, second.id], **confirmed}, follow_redirects=True)
    assert "2 questions traitées" in done.get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(Ticket, ticket.id).status for ticket in (first, second, other)] == ["closed", "closed", "new"]
    assert " checked" not in done.get_data(as_text=True).split('<table class="queue cards">')[1].split("</table>")[0]


def test_bulk_closing_one_question_speaks_of_it_in_the_singular(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = client.post("/file/actions", data={"ids": [ticket.id], "action": "clore"}).get_data(as_text=True)
    assert "Clore 1 question ?" in page and "Ses membres en sont prévenus" in page and "Leurs membres" not in page


def test_other_bulk_actions_and_refusals_need_no_confirmation(client, world, login):
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    response = client.post("/file/actions", data={"ids": [ticket.id], "action": "etiqueter", "tags": "lot"})
    assert response.status_code == 302
    nothing = client.post("/file/actions", data={"action": "clore"}, follow_redirects=True).get_data(as_text=True)
    assert "cochez au moins une question." in nothing and "Clore ces" not in nothing
