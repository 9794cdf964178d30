"""Lists sorted by name follow French order (case and accents ignored) on SQLite and PostgreSQL alike."""
import re

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
