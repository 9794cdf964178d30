"""Lists sorted by name follow French order (case and accents ignored, numbers by their value) on SQLite and PostgreSQL
alike."""
import re

import pytest
from sqlalchemy import select

from helpdesk.collation import french_key, french_order
from helpdesk.extensions import db
from helpdesk.models import Structure, Theme
from helpdesk.triage import tagging
from tests.factories import make_structure, make_theme, make_ticket, make_user

SHUFFLED = ["Zèbre", "aide à domicile", "Égalité professionnelle", "bail", "CSE", "éducation"]
FRENCH_ORDER = ["aide à domicile", "bail", "CSE", "éducation", "Égalité professionnelle", "Zèbre"]


def _in_page_order(text: str, names: list[str]) -> list[str]:
    """The `names` in the order the page shows them."""
    return sorted(names, key=lambda name: text.index(name))


def test_french_key_ignores_case_and_accents_and_breaks_ties_on_them():
    assert sorted(SHUFFLED, key=french_key) == FRENCH_ORDER
    assert sorted(["été", "ete", "Ete"], key=french_key) == ["Ete", "ete", "été"]


def test_database_sorts_names_in_french_order(app):
    for number, name in enumerate(SHUFFLED):
        make_theme(name=name, slug=f"ordre-{number}")
    assert list(db.session.scalars(select(Theme.name).order_by(french_order(Theme.name)))) == FRENCH_ORDER
    assert list(db.session.scalars(select(Theme.name).order_by(french_order(Theme.name).desc()))) == FRENCH_ORDER[::-1]


def test_member_picks_a_theme_from_a_list_in_french_order(client, login, world):
    db.session.delete(world.theme)
    db.session.commit()
    for number, name in enumerate(SHUFFLED):
        make_theme(name=name, slug=f"ordre-{number}")
    login(world.member)
    text = client.get("/questions/nouvelle").get_data(as_text=True)
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', text)
    assert [option for option in options if option in SHUFFLED] == FRENCH_ORDER


def test_admin_lists_themes_structures_and_accounts_in_french_order(client, login, world):
    for number, name in enumerate(SHUFFLED):
        make_theme(name=f"Thème {name}", slug=f"ordre-{number}")
        structure = make_structure(name=f"Structure {name}")
        make_user("member", structure, name=f"Membre {name}")
    login(world.admin)
    for url, prefix in (("/admin/themes", "Thème "), ("/admin/structures", "Structure "),
                        ("/admin/utilisateurs?q=Membre", "Membre ")):
        names = [prefix + name for name in SHUFFLED]
        text = client.get(url).get_data(as_text=True)
        assert _in_page_order(text, names) == [prefix + name for name in FRENCH_ORDER], url


def test_tags_of_a_question_and_of_the_queue_filter_are_in_french_order(world):
    ticket = make_ticket(world.member)
    tagging.add_tags(ticket, world.jurist, tagging.parse_tags("zèbre, aide, égalité, bail"))
    db.session.commit()
    db.session.expire_all()
    assert [tag.name for tag in db.session.get(type(ticket), ticket.id).tags] == ["aide", "bail", "égalité", "zèbre"]
    assert [tag.name for tag in tagging.all_tags()] == ["aide", "bail", "égalité", "zèbre"]


def test_users_of_a_structure_are_in_french_order(world):
    structure = make_structure(name="Ordre des membres")
    for name in ("Zoé Zola", "émile Ébène", "Anne Aubry"):
        make_user("member", structure, name=name)
    db.session.expire_all()
    assert [user.name for user in db.session.get(Structure, structure.id).users] == [
        "Anne Aubry", "émile Ébène", "Zoé Zola"]


NUMBERED = ["Structure 10", "structure 1", "Structure 2", "Chantier 3", "Chantier 12 bis", "Structure 02", "Atelier"]
NATURAL_ORDER = ["Atelier", "Chantier 3", "Chantier 12 bis", "structure 1", "Structure 02", "Structure 2",
                 "Structure 10"]


def test_french_key_sorts_numbers_by_their_value():
    assert sorted(NUMBERED, key=french_key) == NATURAL_ORDER
    assert sorted(["a10", "a9", "a1b", "10 rue", "2 rue"], key=french_key) == ["2 rue", "10 rue", "a1b", "a9", "a10"]


@pytest.mark.parametrize("names", [["", "0", "00", "١٢", "2²", "x" * 200], ["9" * 40, "1" + "0" * 40, "éÉ 3", "ÉÉ 3"]])
def test_french_key_takes_any_name(names):
    """Empty names, zeros, other scripts' digits, huge numbers: a total order, no error."""
    ordered = sorted(names, key=french_key)
    assert sorted(reversed(names), key=french_key) == ordered and len(ordered) == len(names)


def test_database_sorts_numbered_names_by_their_value(app):
    for number, name in enumerate(NUMBERED):
        make_theme(name=name, slug=f"numero-{number}")
    assert list(db.session.scalars(select(Theme.name).order_by(french_order(Theme.name)))) == NATURAL_ORDER
    assert list(db.session.scalars(select(Theme.name).order_by(french_order(Theme.name).desc()))) == NATURAL_ORDER[::-1]


def test_admin_lists_and_select_boxes_give_structure_2_before_structure_10(client, login, world):
    """The structures' list, the account form's select and the jurists' « Enregistrer une question pour un membre »
    select name « Structure 2 » before « Structure 10 »."""
    names = ["Structure 10", "Structure 2", "Structure 1"]
    for name in names:
        make_structure(name=name)
    expected = ["Structure 1", "Structure 2", "Structure 10"]
    login(world.admin)
    assert _in_page_order(client.get("/admin/structures").get_data(as_text=True), names) == expected
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', client.get("/admin/utilisateurs/nouveau")
                         .get_data(as_text=True))
    assert [option for option in options if option in names] == expected
    login(world.jurist)
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', client.get("/questions/pour-un-membre")
                         .get_data(as_text=True))
    assert [option for option in options if option in names] == expected
