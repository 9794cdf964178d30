"""Routing rules: configured by admins, applied in order when a question is filed."""
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.auth.services import set_active
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Event, OutboxEmail, RoutingRule
from helpdesk.triage import routing
from tests import factories


def _events(ticket) -> list[Event]:
    """The question's routing events."""
    return db.session.scalars(select(Event).where(Event.ticket_id == ticket.id, Event.kind == "routed")).all()


def test_first_matching_rule_assigns_the_question_and_records_it(world):
    routing.add_rule(world.admin, world.theme.id, None, world.jurist2.id)
    routing.add_rule(world.admin, None, "bretagne", world.jurist.id)
    themed = factories.make_ticket(world.member, theme_id=world.theme.id)
    regional = factories.make_ticket(world.member)
    assert themed.assignee_id == world.jurist2.id
    assert regional.assignee_id == world.jurist.id
    assert themed.status == regional.status == "open"  # « En cours », like a manual assignment
    event = _events(themed)[0]
    assert event.data == {"rule": 1, "assignee": world.jurist2.name} and event.internal


def test_rule_changes_apply_to_the_next_question_even_when_written_elsewhere(app, world):
    assert factories.make_ticket(world.member).assignee_id is None
    with Session(db.engine) as other_worker:
        other_worker.add(RoutingRule(position=1, region="bretagne", assignee_id=world.jurist.id))
        other_worker.commit()
    assert factories.make_ticket(world.member).assignee_id == world.jurist.id
    routing.delete_rule(world.admin, db.session.scalars(select(RoutingRule)).one())
    assert factories.make_ticket(world.member).assignee_id is None


def test_rule_needs_every_condition(world):
    routing.add_rule(world.admin, world.theme.id, "occitanie", world.jurist2.id)
    assert factories.make_ticket(world.member, theme_id=world.theme.id).assignee_id is None
    assert factories.make_ticket(world.outsider, theme_id=world.theme.id).assignee_id == world.jurist2.id


def test_unmatched_question_stays_unassigned_without_event(world):
    routing.add_rule(world.admin, None, "occitanie", world.jurist.id)
    ticket = factories.make_ticket(world.member)
    assert ticket.assignee_id is None and _events(ticket) == []


def test_team_rule_stops_routing_and_leaves_the_question_to_everyone(world):
    routing.add_rule(world.admin, world.theme.id, None, None)
    routing.add_rule(world.admin, None, "bretagne", world.jurist.id)
    ticket = factories.make_ticket(world.member, theme_id=world.theme.id)
    assert ticket.assignee_id is None and ticket.status == "new"
    assert _events(ticket)[0].data == {"rule": 1, "assignee": None}


def test_routed_question_shows_as_open_in_its_jurists_queue(client, world, login):
    routing.add_rule(world.admin, world.theme.id, None, world.jurist2.id)
    ticket = factories.make_ticket(world.member, theme_id=world.theme.id)
    login(world.jurist2)
    mine = client.get("/file/?vue=mes-dossiers").get_data(as_text=True)
    row = mine[mine.index(ticket.reference):].split("</tr>")[0]
    assert "En cours" in row and "Nouvelle" not in row


def test_rule_of_a_deactivated_jurist_is_skipped(world):
    routing.add_rule(world.admin, None, "bretagne", world.jurist.id)
    routing.add_rule(world.admin, None, "bretagne", world.jurist2.id)
    set_active(world.jurist, False, world.admin)
    assert factories.make_ticket(world.member).assignee_id == world.jurist2.id


@pytest.mark.parametrize("theme, region, assignee, message", [
    (None, None, None, "thème, une région"),
    (None, "atlantide", None, "région n'existe pas"),
    (None, "bretagne", "member", "équipe juridique"),
])
def test_bad_rules_are_refused(world, theme, region, assignee, message):
    with pytest.raises(InvalidInput, match=message):
        routing.add_rule(world.admin, theme, region, world.member.id if assignee else None)
    assert db.session.scalar(select(RoutingRule)) is None


def test_admin_orders_and_deletes_rules_through_the_page(client, world, login):
    login(world.admin)
    client.post("/admin/routage", data={"theme": str(world.theme.id), "region": "", "assignee": str(world.jurist.id)})
    client.post("/admin/routage", data={"theme": "0", "region": "bretagne", "assignee": "0"})
    first, second = routing.ordered_rules()
    page = client.post(f"/admin/routage/{second.id}/monter", follow_redirects=True).get_data(as_text=True)
    assert "règles de routage mises à jour." in page
    assert [rule.id for rule in routing.ordered_rules()] == [second.id, first.id]
    # Each button names its own row to screen readers; the first row cannot go up, the last cannot go down.
    assert f'href="/admin/routage/{second.id}/supprimer">Supprimer…<span class="visually-hidden"> la règle 1</span>' in page
    assert f'href="/admin/routage/{first.id}/supprimer">Supprimer…<span class="visually-hidden"> la règle 2</span>' in page
    assert '>Descendre<span class="visually-hidden"> la règle 1</span>' in page
    assert '>Monter<span class="visually-hidden"> la règle 2</span>' in page
    assert "> la règle 3<" not in page and '>Monter<span class="visually-hidden"> la règle 1<' not in page
    assert "ne peut pas aller plus loin" in client.post(f"/admin/routage/{second.id}/monter",
                                                        follow_redirects=True).get_data(as_text=True)
    client.post(f"/admin/routage/{first.id}/supprimer")
    assert [rule.id for rule in routing.ordered_rules()] == [second.id]
    again = client.post("/admin/routage", data={"theme": "0", "region": "bretagne", "assignee": "0"},
                        follow_redirects=True)
    assert "la règle 1 fait déjà exactement cela." in again.get_data(as_text=True)
    assert [rule.id for rule in routing.ordered_rules()] == [second.id]
    empty = client.post("/admin/routage", data={"theme": "0", "region": "", "assignee": "0"}, follow_redirects=True)
    assert "une règle porte sur un thème, une région ou les deux." in empty.get_data(as_text=True)


def test_routed_question_is_announced_to_its_jurist_only(world):
    """Routing runs before notifications: the filing mail goes to the routed jurist, not the whole team."""
    routing.add_rule(world.admin, world.theme.id, None, world.jurist2.id)
    routed = factories.make_ticket(world.member, theme_id=world.theme.id)
    unrouted = factories.make_ticket(world.member)
    recipients = lambda ticket: {row.recipient_id for row in db.session.scalars(  # noqa: E731
        select(OutboxEmail).where(OutboxEmail.ticket_id == ticket.id))}
    assert recipients(routed) == {world.jurist2.id}
    assert {world.jurist.id, world.jurist2.id} <= recipients(unrouted)


# Warnings: rules that cannot apply as ordered ------------------------------------------------------------

def test_rule_after_a_broader_team_rule_is_reported_unreachable(world):
    routing.add_rule(world.admin, world.theme.id, None, None)
    routing.add_rule(world.admin, world.theme.id, "bretagne", world.jurist.id)
    assert routing.rule_warnings(routing.ordered_rules()) == [
        "La règle 2 ne s'appliquera jamais, car la règle 1, placée avant, retient déjà toutes ses questions pour "
        "toute l'équipe. Montez-la au-dessus si elle doit s'appliquer."]


def test_rule_after_a_broader_jurist_rule_is_reported_as_a_fallback(world):
    routing.add_rule(world.admin, None, "bretagne", world.jurist.id)
    routing.add_rule(world.admin, world.theme.id, "bretagne", world.jurist2.id)
    assert routing.rule_warnings(routing.ordered_rules()) == [
        f"La règle 2 ne sert que de relais. Ses questions vont d'abord à {world.jurist.name} (règle 1, placée "
        "avant) ; elle ne s'appliquera que si ce compte est désactivé."]


def test_narrower_rule_placed_first_and_unrelated_rules_raise_no_warning(world):
    other_theme = factories.make_theme()
    routing.add_rule(world.admin, world.theme.id, "bretagne", world.jurist2.id)
    routing.add_rule(world.admin, world.theme.id, None, None)
    routing.add_rule(world.admin, other_theme.id, None, world.jurist.id)
    routing.add_rule(world.admin, None, "occitanie", world.jurist.id)
    assert routing.rule_warnings(routing.ordered_rules()) == []


def test_rules_of_a_departed_jurist_or_a_retired_theme_are_reported_and_shadow_nothing(world):
    routing.add_rule(world.admin, None, "bretagne", world.jurist.id)
    routing.add_rule(world.admin, None, "bretagne", world.jurist2.id)
    set_active(world.jurist, False, world.admin)
    other_theme = factories.make_theme(name="Marchés publics", slug="marches-publics", active=False)
    routing.add_rule(world.admin, other_theme.id, None, None)
    assert routing.rule_warnings(routing.ordered_rules()) == [
        f"La règle 1 est ignorée, car {world.jurist.name} ne fait plus partie de l'équipe juridique (compte "
        "désactivé ou rôle changé).",
        "La règle 3 ne retient plus aucune question, car le thème « Marchés publics » est retiré."]


def test_admin_is_warned_when_saving_and_on_the_list_page(client, world, login):
    login(world.admin)
    client.post("/admin/routage", data={"theme": "0", "region": "bretagne", "assignee": "0"})
    page = client.post("/admin/routage", data={"theme": str(world.theme.id), "region": "bretagne",
                                               "assignee": str(world.jurist.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "règle ajoutée en fin de liste." in page  # a warning, not a refusal: the admin may move it up next
    assert "Attention : la configuration comporte 1 point à vérifier, détaillé ci-dessous." in page
    assert "À vérifier" in page and "La règle 2 ne s&#39;appliquera jamais, car la règle 1, placée avant" in page
    assert len(routing.ordered_rules()) == 2
    second = routing.ordered_rules()[1]
    moved = client.post(f"/admin/routage/{second.id}/monter", follow_redirects=True).get_data(as_text=True)
    assert "règles de routage mises à jour." in moved
    assert "À vérifier" not in moved and "Attention" not in moved


def test_deleting_a_rule_renumbers_the_others_as_the_page_shows_them(world):
    for region in ("bretagne", "occitanie", "normandie"):
        routing.add_rule(world.admin, None, region, None)
    routing.delete_rule(world.admin, routing.ordered_rules()[0])
    assert [(rule.position, rule.region) for rule in routing.ordered_rules()] == [(1, "occitanie"), (2, "normandie")]
    with pytest.raises(InvalidInput, match="La règle 2 fait déjà exactement cela."):
        routing.add_rule(world.admin, None, "normandie", None)


def test_deleting_a_rule_asks_to_confirm_and_shows_what_goes(client, world, login):
    """The list links to a confirmation page naming the rule; asking deletes nothing, only its button does."""
    first = routing.add_rule(world.admin, world.theme.id, None, world.jurist.id)
    second = routing.add_rule(world.admin, None, "bretagne", None)
    third = routing.add_rule(world.admin, None, "occitanie", world.jurist2.id)
    login(world.admin)
    page = factories.confirmation_page(client, "/admin/routage", f"/admin/routage/{second.id}/supprimer")
    assert "Supprimer la règle de routage 2 ?" in page and "Confirmer la suppression" in page
    assert "Thème : Tous" in page and "Région : Bretagne" in page and "Confiée à : Toute l'équipe" in page
    assert len(routing.ordered_rules()) == 3, "asking deletes nothing"
    done = client.post(f"/admin/routage/{second.id}/supprimer", follow_redirects=True).get_data(as_text=True)
    assert "règle de routage supprimée." in done
    assert [(rule.id, rule.position) for rule in routing.ordered_rules()] == [(first.id, 1), (third.id, 2)]
    assert client.get(f"/admin/routage/{second.id}/supprimer").status_code == 404
    assert client.post(f"/admin/routage/{second.id}/supprimer").status_code == 404


@pytest.mark.parametrize("role", ["member", "jurist"])
def test_only_admins_delete_routing_rules(client, world, login, role):
    """A jurist or a member neither sees the confirmation page nor deletes the rule."""
    rule = routing.add_rule(world.admin, world.theme.id, None, None)
    login(getattr(world, role))
    assert client.get(f"/admin/routage/{rule.id}/supprimer").status_code == 403
    assert client.post(f"/admin/routage/{rule.id}/supprimer").status_code == 403
    assert routing.ordered_rules() == [rule]

