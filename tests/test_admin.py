"""Administration over HTTP and its services: structures, accounts, themes."""
import html
import re

import pytest
from sqlalchemy import func, select

from helpdesk.admin.services import create_theme, save_structure, toggle_theme, update_theme
from helpdesk.auth.passwords import resend_invitation
from helpdesk.auth.services import create_user, set_active, update_user
from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import db
from helpdesk.models import Event, Structure, Theme, Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.slugs import slugify
from helpdesk.tickets import services
from helpdesk.triage import routing, sla
from tests import factories

VALID_SIRET = "73282932000074"


def _structure_form(**overrides) -> dict:
    """A valid structure form, with overrides."""
    data = {"name": "Régie de quartier Les Tilleuls", "siret": "732 829 320 00074", "type": "EI",
            "region": "normandie", "active": "y"}
    data.update(overrides)
    return data


def _user_form(structure_id=0, **overrides) -> dict:
    """A valid account form, with overrides."""
    data = {"email": "nouvelle@federation-exemple.fr", "name": "Nina Nouvelle", "role": "member",
            "structure": str(structure_id), "password": "un-mot-de-passe-solide"}
    data.update(overrides)
    return data


def _count(model) -> int:
    """Rows in a table."""
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def admin_client(client, world, login):
    """The client, logged in as the admin."""
    login(world.admin)
    return client


def test_admin_home_shows_counts(admin_client, world):
    factories.make_ticket(world.member)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "2 dont 2 actives" in page
    assert "Questions reçues : 1" in page
    assert "à vérifier" not in page


def test_admin_home_points_to_service_levels_and_routing_to_check(admin_client, world):
    sla.save_policy(world.admin, 3, None, 20, 100)  # urgent slower than high, for both deadlines
    routing.add_rule(world.admin, world.theme.id, None, None)
    routing.add_rule(world.admin, world.theme.id, "bretagne", world.jurist.id)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert 'Délais de traitement</a> — <strong>2 points à vérifier</strong>' in page
    assert 'Routage des questions</a> — <strong>1 point à vérifier</strong>' in page


def test_admin_creates_a_structure(admin_client):
    response = admin_client.post("/admin/structures/nouvelle", data=_structure_form(), follow_redirects=True)
    assert "structure « Régie de quartier Les Tilleuls » enregistrée." in response.get_data(as_text=True)
    structure = db.session.scalars(select(Structure).where(Structure.siret == VALID_SIRET)).one()
    assert (structure.type, structure.region, structure.active) == ("EI", "normandie", True)
    assert "Régie de quartier Les Tilleuls" in admin_client.get("/admin/structures").get_data(as_text=True)


@pytest.mark.parametrize("siret, message", [
    ("73282932000075", "Ce SIRET n&#39;est pas valide (clé de contrôle incorrecte)."),
    ("1234", "Le SIRET compte 14 chiffres."),
    ("", "Indiquez le SIRET."),
    # Digits of other scripts (full-width, Arabic-Indic) pass str.isdigit() and Luhn, but are not a SIRET.
    (VALID_SIRET.translate(str.maketrans("0123456789", "０１２３４５６７８９")), "Le SIRET compte 14 chiffres."),
    (VALID_SIRET.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), "Le SIRET compte 14 chiffres."),
])
def test_invalid_siret_is_refused_in_french(admin_client, world, siret, message):
    before = _count(Structure)
    response = admin_client.post("/admin/structures/nouvelle", data=_structure_form(siret=siret))
    assert message in response.get_data(as_text=True)
    assert _count(Structure) == before


def test_duplicate_siret_is_refused(admin_client, world):
    response = admin_client.post("/admin/structures/nouvelle", data=_structure_form(siret=world.structure.siret))
    assert "Une structure existe déjà avec ce SIRET." in response.get_data(as_text=True)
    assert _count(Structure) == 2


def test_unknown_structure_type_is_refused_in_french(admin_client, world):
    response = admin_client.post("/admin/structures/nouvelle", data=_structure_form(type="COOP"))
    assert "Choisissez l&#39;une des valeurs proposées pour « Type de structure »." in response.get_data(as_text=True)
    assert _count(Structure) == 2



def test_a_new_structure_has_no_type_or_region_until_the_admin_chooses_them(admin_client, world):
    """Both menus used to open on « AI » and « Auvergne-Rhône-Alpes », saved unnoticed: they open on « Choisissez… »
    now, and a structure sent without them is refused, nothing saved; its own values are shown on its edit page."""
    page = admin_client.get("/admin/structures/nouvelle").get_data(as_text=True)
    for name, placeholder in (("type", "Choisissez un type"), ("region", "Choisissez une région")):
        menu = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        assert re.match(rf'\s*<option (?:selected )?value="">{placeholder}</option>', menu), menu
    page = admin_client.post("/admin/structures/nouvelle", data=_structure_form(type="", region="")).get_data(
        as_text=True)
    assert "Choisissez le type de la structure." in page and "Choisissez la région de la structure." in page
    assert _count(Structure) == 2
    page = admin_client.get(f"/admin/structures/{world.structure.id}").get_data(as_text=True)
    assert f'<option selected value="{world.structure.region}">' in page

def test_admin_edits_a_structure_and_keeps_its_siret(admin_client, world):
    page = admin_client.get(f"/admin/structures/{world.structure.id}").get_data(as_text=True)
    assert "Alice Membre" in page and "Bruno Collègue" in page
    admin_client.post(f"/admin/structures/{world.structure.id}",
                      data=_structure_form(name="Chantier renommé", siret=world.structure.siret, active=""))
    db.session.refresh(world.structure)
    assert world.structure.name == "Chantier renommé"
    assert world.structure.active is False


def test_unknown_structure_is_404(admin_client, world):
    """An unknown structure number, 0 included, is a 404 (/admin/structures/0 showed the new-structure form)."""
    assert admin_client.get("/admin/structures/999").status_code == 404
    assert admin_client.get("/admin/structures/0").status_code == 404
    assert admin_client.post("/admin/structures/0", data={"name": "Fantôme", "siret": "12345678901234"}).status_code == 404


def test_admin_lists_are_paginated_and_a_bad_page_number_shows_the_first_page(admin_client, world):
    for number in range(49):
        factories.make_structure(name=f"Structure {number:02d}")
    assert "Structure 48" in admin_client.get("/admin/structures?page=2").get_data(as_text=True)
    for page in ("99999999999999999999", "-1", "abc"):
        response = admin_client.get(f"/admin/structures?page={page}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Association Ailleurs" in html and "Structure 48" not in html
        response = admin_client.get(f"/admin/utilisateurs?page={page}")
        assert response.status_code == 200 and "admin@exemple.test" in response.get_data(as_text=True)


def test_admin_finds_a_structure_by_name_or_siret_across_pages(admin_client, world):
    """With ~600 structures over a dozen pages the list had no search, unlike the accounts."""
    for number in range(60):
        factories.make_structure(name=f"Régie de quartier {number:02d}")
    target = factories.make_structure(name="Épicerie solidaire du Val")
    found = admin_client.get("/admin/structures?q=épicerie").get_data(as_text=True)
    assert "Épicerie solidaire du Val" in found and "Régie de quartier" not in found and 'value="épicerie"' in found
    spaced = f"{target.siret[:3]} {target.siret[3:6]} {target.siret[6:9]} {target.siret[9:]}"
    assert "Épicerie solidaire du Val" in admin_client.get(f"/admin/structures?q={spaced}").get_data(as_text=True)
    second = admin_client.get("/admin/structures?q=quartier&page=2").get_data(as_text=True)
    assert "Page 2 sur 2 (60 résultats)" in second and "?q=quartier&amp;page=1" in second
    nothing = admin_client.get("/admin/structures?q=introuvable").get_data(as_text=True)
    assert "Aucune structure ne correspond à « introuvable »." in nothing


def _structure_rows(page: str) -> dict[str, str]:
    """The structures list's rows, by structure name."""
    return {re.search(r'">([^<]+)</a>', row).group(1): row for row in page.split("<tr>")[2:]}


def test_structures_list_counts_each_structures_active_accounts(admin_client, world):
    """The « Comptes actifs » column counts the accounts that may log in: neither deactivated nor anonymised."""
    busy = factories.make_structure(name="Régie des Comptes")
    factories.make_structure(name="Régie Sans Compte")
    for _number in range(2):
        factories.make_user("member", busy)
    factories.make_user("member", busy).active = False
    gone = factories.make_user("member", busy)
    gone.active, gone.anonymised_at = False, utcnow()
    db.session.commit()
    page = admin_client.get("/admin/structures").get_data(as_text=True)
    rows = _structure_rows(page)
    assert "<th scope=\"col\">Comptes actifs</th>" in page
    assert rows["Régie des Comptes"].rstrip().endswith(">2</td>\n    </tr>")
    assert "<td data-label=\"Comptes actifs\">0</td>" in rows["Régie Sans Compte"]


def test_structures_list_counts_accounts_in_one_query_whatever_the_number_of_structures(admin_client, world):
    """One grouped query counts the accounts of the whole page, never one per structure."""
    def statements_for_the_list() -> int:
        """How many SQL statements the structures list runs."""
        with factories.sql_statements() as statements:
            assert admin_client.get("/admin/structures").status_code == 200
        return len(statements)
    few = statements_for_the_list()
    for number in range(30):
        factories.make_user("member", factories.make_structure(name=f"Régie {number}"))
    assert statements_for_the_list() == few


def test_accounts_list_reads_their_structures_in_its_own_query_whatever_their_number(admin_client, world):
    """A page of accounts from many structures ran one more query per structure shown (50 on a full page): the
    structures now come with the accounts, and every one is named."""
    def statements_for_the_list() -> tuple[int, str]:
        """How many SQL statements the accounts list runs, and the page."""
        with factories.sql_statements() as statements:
            page = admin_client.get("/admin/utilisateurs")
        assert page.status_code == 200
        return len(statements), page.get_data(as_text=True)
    few, _page = statements_for_the_list()
    for number in range(30):
        factories.make_user("member", factories.make_structure(name=f"Régie {number}"))
    many, page = statements_for_the_list()
    assert many == few
    assert all(f"Régie {number}<" in page for number in range(30))


def test_admin_filters_structures_by_membership(admin_client, world):
    factories.make_structure(name="Régie Ancienne", active=False)
    factories.make_structure(name="Régie Nouvelle")
    inactive = admin_client.get("/admin/structures?membership=inactive").get_data(as_text=True)
    assert "Régie Ancienne" in inactive and "Régie Nouvelle" not in inactive
    assert '<option selected value="inactive">' in inactive or '<option value="inactive" selected>' in inactive
    active = admin_client.get("/admin/structures?membership=active&q=régie").get_data(as_text=True)
    assert "Régie Nouvelle" in active and "Régie Ancienne" not in active
    nothing = admin_client.get("/admin/structures?membership=inactive&q=nouvelle").get_data(as_text=True)
    assert "Aucune structure ne correspond à ces critères." in nothing
    bad = admin_client.get("/admin/structures?membership=toutes")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Régie Ancienne" in page and "Régie Nouvelle" in page


def test_admin_list_page_past_the_end_shows_the_last_page(admin_client, world):
    """A page number past the end (a bookmark kept after structures were removed) shows the last page and its
    pagination, as the queue does, not an empty table without a way back."""
    for number in range(49):
        factories.make_structure(name=f"Structure {number:02d}")
    html = admin_client.get("/admin/structures?page=9").get_data(as_text=True)
    assert "Structure 48" in html and "Page 2 sur 2" in html and "Page précédente" in html
    html = admin_client.get("/admin/utilisateurs?q=exemple&page=9").get_data(as_text=True)
    assert "admin@exemple.test" in html


def test_admin_finds_an_account_by_name_email_or_structure_across_pages(admin_client, world):
    """With ~600 structures the accounts spread over dozens of pages and the list had no search."""
    for number in range(60):
        factories.make_user("member", world.other_structure, email=f"salarie{number:02d}@exemple.test")
    found = admin_client.get("/admin/utilisateurs?q=COLLEGUE@").get_data(as_text=True)
    assert "collegue@exemple.test" in found and "membre@exemple.test" not in found
    assert 'value="COLLEGUE@"' in found
    by_structure = admin_client.get("/admin/utilisateurs?q=chantier des").get_data(as_text=True)
    assert "membre@exemple.test" in by_structure and "collegue@exemple.test" in by_structure
    assert "autre@exemple.test" not in by_structure and "salarie00@" not in by_structure
    assert "Alice Membre" in admin_client.get("/admin/utilisateurs?q=alice").get_data(as_text=True)
    second = admin_client.get("/admin/utilisateurs?q=salarie&page=2").get_data(as_text=True)
    assert "Page 2 sur 2 (60 résultats)" in second and "?q=salarie&amp;page=1" in second
    nothing = admin_client.get("/admin/utilisateurs?q=100_%25").get_data(as_text=True)
    assert "Aucun compte ne correspond à « 100_% »." in nothing and "admin@exemple.test" not in nothing


def test_an_action_on_a_found_account_brings_the_admin_back_to_the_same_search_and_page(admin_client, world):
    """Deactivating, inviting again or editing an account found by a search landed on the whole list's first page:
    with thousands of accounts the admin lost the one just changed and searched again."""
    for number in range(60):
        factories.make_user("member", world.other_structure, email=f"salarie{number:02d}@exemple.test", password=None)
    listing = admin_client.get("/admin/utilisateurs?q=salarie&page=2").get_data(as_text=True)
    target = db.session.scalar(select(User).where(User.email == "salarie59@exemple.test"))
    for action in ("activation", "invitation", "modifier"):
        assert html.escape(f"/admin/utilisateurs/{target.id}/{action}?q=salarie&page=2") in listing, action
    for action, message in (("activation", "compte salarie59@exemple.test désactivé."),
                            ("invitation", "ce compte est désactivé. Réactivez-le avant de renvoyer une invitation."),
                            ("activation", "compte salarie59@exemple.test réactivé."),
                            ("invitation", "invitation renvoyée à salarie59@exemple.test.")):
        response = admin_client.post(f"/admin/utilisateurs/{target.id}/{action}?q=salarie&page=2")
        assert response.headers["Location"] == "/admin/utilisateurs?q=salarie&page=2"
        page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
        assert message in html.unescape(page) and "Page 2 sur 2 (60 résultats)" in page
    edit = f"/admin/utilisateurs/{target.id}/modifier?q=salarie&page=2"
    edit_page = admin_client.get(edit).get_data(as_text=True)
    assert 'href="/admin/utilisateurs?q=salarie&amp;page=2">Annuler' in edit_page
    assert '<p><a href="/admin/utilisateurs?q=salarie&amp;page=2">← Comptes</a></p>' in edit_page, \
        "the way back at the top of the page, as on every other administration page"
    response = admin_client.post(edit, data={"email": target.email, "name": "Salarié Renommé", "role": "member",
                                             "structure": str(world.other_structure.id)})
    assert response.headers["Location"] == "/admin/utilisateurs?q=salarie&page=2"
    assert "Salarié Renommé" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    plain = admin_client.post(f"/admin/utilisateurs/{target.id}/activation")
    assert plain.headers["Location"] == "/admin/utilisateurs", "from the whole list, back to the whole list"


def test_a_structure_page_leads_to_its_accounts_and_to_a_new_account_in_it(admin_client, world):
    """A structure's page listed its accounts without a way to correct one or to add one there."""
    page = admin_client.get(f"/admin/structures/{world.structure.id}").get_data(as_text=True)
    assert f'<a href="/admin/utilisateurs/{world.member.id}/modifier">Alice Membre</a>' in page
    new = f"/admin/utilisateurs/nouveau?structure={world.structure.id}"
    assert f'<a href="{html.escape(new)}">Créer un compte dans cette structure</a>' in page
    form = admin_client.get(new).get_data(as_text=True)
    assert f'<option selected value="{world.structure.id}">Chantier des Tests</option>' in form
    assert '<option selected value="0">' in admin_client.get("/admin/utilisateurs/nouveau?structure=x").get_data(
        as_text=True)


def test_a_structure_page_leads_back_to_the_list_and_tells_the_invitations_not_accepted(admin_client, world):
    """The page had no way back to the 600 structures, and its accounts did not say who never followed their
    invitation."""
    factories.make_user("member", world.structure, email="invitee@exemple.test", name="Ines Invitée", password=None)
    page = html.unescape(admin_client.get(f"/admin/structures/{world.structure.id}").get_data(as_text=True))
    assert '<a href="/admin/structures">← Structures adhérentes</a>' in page
    assert "Ines Invitée</a> — invitee@exemple.test (invitation pas encore acceptée)" in page
    assert "Alice Membre</a> — membre@exemple.test</li>" in page


def test_the_accounts_list_tells_which_invitations_are_not_accepted_yet(admin_client, world):
    """After an import of hundreds of invited accounts, the list said « Actif » for all: the admin could not tell who
    had never followed their invitation, to send it again."""
    create_user("invitee@exemple.test", "Ines Invitée", None, "member", world.structure.id, actor=world.admin)
    page = admin_client.get("/admin/utilisateurs?q=exemple.test").get_data(as_text=True)
    rows = {email: row for row in page.split("<tr>")[2:] for email in re.findall(r"<td[^>]*>([^<]+@exemple\.test)</td>", row)}
    assert "Invitation pas encore acceptée" in rows["invitee@exemple.test"]
    assert "Actif" in rows["membre@exemple.test"] and "Invitation pas encore" not in rows["membre@exemple.test"]


def test_an_invitation_is_offered_and_sent_only_to_accounts_without_a_password(admin_client, world):
    """« Renvoyer une invitation » was offered for every active account, the admin's own included: an invitation is
    for an account that has not chosen its password; one that has is pointed to « Mot de passe oublié ? »."""
    invited = create_user("invitee@exemple.test", "Ines Invitée", None, "member", world.structure.id, actor=world.admin)
    page = admin_client.get("/admin/utilisateurs?q=exemple.test").get_data(as_text=True)
    rows = {email: row for row in page.split("<tr>")[2:] for email in re.findall(r"<td[^>]*>([^<]+@exemple\.test)</td>", row)}
    assert "Renvoyer une invitation" in rows["invitee@exemple.test"]
    assert all("Renvoyer une invitation" not in rows[user.email] for user in (world.member, world.admin))
    sent = _count(Event)
    response = admin_client.post(f"/admin/utilisateurs/{world.admin.id}/invitation", follow_redirects=True)
    assert ("admin@exemple.test a déjà choisi son mot de passe. Une invitation ne sert qu'à choisir le premier. "
            "S'il est oublié, utilisez « Mot de passe oublié ? » sur la page de connexion.") in html.unescape(
        response.get_data(as_text=True))
    assert _count(Event) == sent, "nothing sent, nothing journaled"
    with pytest.raises(InvalidInput, match="a déjà choisi son mot de passe"):
        resend_invitation(world.member, world.admin)
    response = admin_client.post(f"/admin/utilisateurs/{invited.id}/invitation", follow_redirects=True)
    assert "invitation renvoyée à invitee@exemple.test." in response.get_data(as_text=True)
    assert _count(Event) == sent + 1


def test_account_search_folds_accented_capitals_as_postgresql_does(admin_client, world):
    """On SQLite « élodie » did not find « Élodie », nor « ÉTÉ » a structure named « Chantier d'été »."""
    structure = factories.make_structure(name="Chantier d'été")
    factories.make_user("member", structure, name="Élodie Exemple", email="elodie@exemple.test")
    for search in ("élodie", "ÉLODIE", "lodie EXEMPLE", "ÉTÉ"):
        page = admin_client.get(f"/admin/utilisateurs?q={search}").get_data(as_text=True)
        assert "elodie@exemple.test" in page and "membre@exemple.test" not in page, search
    assert "Aucun compte ne correspond" in admin_client.get("/admin/utilisateurs?q=Elodie ex").get_data(as_text=True)


@pytest.mark.parametrize("values, message", [
    ({"name": "  "}, "Indiquez le nom de la structure."),
    ({"name": "N" * 201}, r"200 caractères au maximum \(votre texte en compte 201\)\."),
    ({"siret": "12345678901234"}, r"Ce SIRET n'est pas valide \(clé de contrôle incorrecte\)."),
    ({"siret": "1234"}, "Le SIRET compte 14 chiffres."),
    ({"type": "COOP"}, "Type de structure inconnu."),
    ({"region": "atlantide"}, "Région inconnue."),
])
def test_structure_service_refuses_bad_values(world, values, message):
    arguments = {"name": "Structure", "siret": VALID_SIRET, "type": "AI", "region": "corse", "active": True}
    arguments.update(values)
    with pytest.raises(InvalidInput, match=message):
        save_structure(None, actor=world.admin, **arguments)
    assert _count(Structure) == 2


@pytest.mark.parametrize("role", ["member", "jurist"])
def test_account_structure_and_theme_services_refuse_everyone_but_admins(world, role):
    actor = getattr(world, role)
    operations = [
        lambda: create_user("nouveau@exemple.test", "Nouveau Juriste", factories.PASSWORD, "admin", actor=actor),
        lambda: set_active(world.colleague, False, actor),
        lambda: resend_invitation(world.colleague, actor),
        lambda: save_structure(world.structure, actor=actor, name="Renommée", siret=VALID_SIRET, type="AI",
                               region="corse", active=False),
        lambda: create_theme("Nouveau thème", actor),
        lambda: toggle_theme(world.theme, actor),
    ]
    for operation in operations:
        with pytest.raises(Forbidden):
            operation()
    db.session.rollback()
    db.session.expire_all()
    assert world.colleague.active and world.structure.name == "Chantier des Tests" and world.theme.active
    assert _count(User) == 6 and _count(Theme) == 1


def test_admin_creates_a_member_account(admin_client, world):
    response = admin_client.post("/admin/utilisateurs/nouveau", data=_user_form(world.structure.id),
                                 follow_redirects=True)
    assert "compte créé pour nouvelle@federation-exemple.fr." in response.get_data(as_text=True)
    user = db.session.scalars(select(User).where(User.email == "nouvelle@federation-exemple.fr")).one()
    assert user.structure_id == world.structure.id and user.role == "member"
    assert "nouvelle@federation-exemple.fr" in admin_client.get("/admin/utilisateurs").get_data(as_text=True)


def test_the_new_account_form_leads_back_to_the_accounts_as_the_structure_form_does(admin_client):
    """« Nouvelle structure » began with « ← Structures adhérentes »; « Nouveau compte » had no way back but the
    browser's: it begins with « ← Comptes »."""
    page = admin_client.get("/admin/utilisateurs/nouveau").get_data(as_text=True)
    assert '<p><a href="/admin/utilisateurs">← Comptes</a></p>\n<h1>Nouveau compte</h1>' in page


def test_account_form_says_which_structures_are_no_longer_members(admin_client, world):
    factories.make_structure(name="Régie Ancienne", active=False)
    for url in ("/admin/utilisateurs/nouveau", f"/admin/utilisateurs/{world.member.id}/modifier"):
        page = html.unescape(admin_client.get(url).get_data(as_text=True))
        assert ">Régie Ancienne (adhésion inactive)</option>" in page
        assert f">{world.structure.name}</option>" in page


def test_admin_creates_a_jurist_account_without_structure(admin_client):
    admin_client.post("/admin/utilisateurs/nouveau", data=_user_form(role="jurist", email="j@federation-exemple.fr"))
    assert db.session.scalars(select(User).where(User.email == "j@federation-exemple.fr")).one().structure_id is None


@pytest.mark.parametrize("overrides, message", [
    ({}, "Un membre doit être rattaché à une structure existante."),
    ({"email": "DEJA@Federation-Exemple.FR", "structure": "{structure}"}, "Un compte existe déjà avec cette adresse e-mail."),
    ({"password": "court", "structure": "{structure}"}, "12 caractères au minimum (votre texte en compte 5)."),
    ({"password": "x" * 201, "structure": "{structure}"}, "200 caractères au maximum (votre texte en compte 201)."),
    ({"email": "pas-une-adresse", "structure": "{structure}"}, "Cette adresse e-mail n&#39;est pas valide."),
    ({"role": "superadmin", "structure": "{structure}"}, "Choisissez l&#39;une des valeurs proposées pour « Rôle »."),
])
def test_bad_account_is_refused_in_french(admin_client, world, overrides, message):
    factories.make_user("jurist", email="deja@federation-exemple.fr")
    before = _count(User)
    form = {key: value.format(structure=world.structure.id) for key, value in _user_form(**overrides).items()}
    response = admin_client.post("/admin/utilisateurs/nouveau", data=form)
    assert message in response.get_data(as_text=True)
    assert _count(User) == before


def test_account_forms_offer_a_box_to_narrow_the_structures_that_needs_the_script(admin_client, world):
    """Without the script the box stays hidden and the whole select works; with it, the box is labelled and says
    which select it narrows."""
    member = world.member
    for address in ("/admin/utilisateurs/nouveau", f"/admin/utilisateurs/{member.id}/modifier"):
        page = admin_client.get(address).get_data(as_text=True)
        box = re.search(r'<div class="field select-filter" data-filter-for="structure" hidden.*?</div>', page, re.S)
        assert box is not None and '<label for="structure-filter">Chercher la structure</label>' in box.group(0)
        assert 'aria-controls="structure"' in box.group(0) and "js/select-filter.js" in page
        assert f'<option value="{world.other_structure.id}">{world.other_structure.name}</option>' in page


def test_a_structure_missing_from_the_list_is_refused(admin_client, world):
    before = _count(User)
    response = admin_client.post("/admin/utilisateurs/nouveau", data=_user_form(999999))
    assert response.status_code == 400
    assert "Choisissez l&#39;une des valeurs proposées pour « Structure (pour les membres) »." in response.get_data(as_text=True)
    assert _count(User) == before


def test_admin_creates_a_demo_account_where_special_use_domains_are_allowed(admin_client, world):
    """The demo's own domain (demo.local) is accepted when EMAIL_ALLOW_SPECIAL_DOMAINS is set, as in `make run`."""
    response = admin_client.post("/admin/utilisateurs/nouveau", data=_user_form(role="jurist", email="nouvelle@demo.local"),
                                 follow_redirects=True)
    assert "compte créé pour nouvelle@demo.local." in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["nouvelle@local", "nouvelle@demo..local", "nou velle@demo.local", "@demo.local"])
def test_malformed_addresses_stay_refused_where_special_use_domains_are_allowed(admin_client, world, email):
    """Allowing .local relaxes only the domain's last name: a malformed address is still refused."""
    before = _count(User)
    response = admin_client.post("/admin/utilisateurs/nouveau", data=_user_form(role="jurist", email=email))
    assert "Cette adresse e-mail n&#39;est pas valide." in response.get_data(as_text=True)
    assert _count(User) == before


@pytest.mark.parametrize("email", ["juriste@exemple.test".replace("e", "\u0435", 1), "juriste@\u0435xemple.test",
                                   "\uff4aunior@exemple.test", "andré@exemple.test", "stra\u00dfe@exemple.test"])
def test_an_address_with_a_letter_that_is_not_ascii_is_refused_it_could_pass_for_another(admin_client, world, email):
    """A Cyrillic « е » or a full-width « ｊ » made a second account that reads exactly like an existing one."""
    before = _count(User)
    response = admin_client.post("/admin/utilisateurs/nouveau", data=_user_form(role="jurist", email=email))
    assert ("Cette adresse e-mail contient une lettre accentuée ou d'un autre alphabet (parfois identique à l'œil à "
            "une lettre latine). Écrivez-la sans accent ; un nom de domaine accentué s'écrit sous sa forme "
            "« xn--… ».") in html.unescape(response.get_data(as_text=True))
    assert _count(User) == before
    with pytest.raises(InvalidInput, match="autre alphabet"):
        create_user(email, "Compte Sosie", factories.PASSWORD, "jurist")


def test_an_address_pasted_with_spaces_around_it_is_accepted_trimmed(admin_client, world):
    response = admin_client.post("/admin/utilisateurs/nouveau",
                                 data=_user_form(role="jurist", email="  Nouvelle@Demo.Local \t"), follow_redirects=True)
    assert "compte créé pour nouvelle@demo.local." in response.get_data(as_text=True)


def test_special_use_domains_are_refused_in_production(app, admin_client, world):
    """Without EMAIL_ALLOW_SPECIAL_DOMAINS (the production default) a .local or .test address is refused, saying why:
    « n'est pas valide » left the admin staring at a well-formed address."""
    app.config["EMAIL_ALLOW_SPECIAL_DOMAINS"] = False
    before = _count(User)
    for email, name in (("nouvelle@demo.local", "local"), ("nouvelle@exemple.TEST", "test")):
        response = admin_client.post("/admin/utilisateurs/nouveau", data=_user_form(role="jurist", email=email))
        assert (f"Les adresses en « .{name} » ne reçoivent jamais de courriel (nom réservé aux essais). Indiquez "
                "l'adresse réelle de la personne.") in html.unescape(response.get_data(as_text=True))
    assert _count(User) == before


@pytest.mark.parametrize("email, name, role, message", [
    ("sans-arobase", "Nom", "jurist", "adresse e-mail n'est pas valide"),
    ("ok@exemple.test", "  ", "jurist", "Indiquez le nom de la personne."),
    ("ok@exemple.test", "Nom", "superadmin", "Ce rôle n'existe pas."),
])
def test_account_service_refuses_bad_values(world, email, name, role, message):
    with pytest.raises(InvalidInput, match=message):
        create_user(email, name, factories.PASSWORD, role)


def test_names_shown_in_mails_are_kept_on_one_line(world):
    """Accounts, structures and themes are named on one line: a line break typed in a name never starts a line of its
    own in a plain-text mail."""
    user = create_user("ligne@exemple.test", "Line\r\nBreak ", None, "jurist", actor=world.admin)
    structure = save_structure(None, name=" Régie\n\ndes Tests", siret="73282932000074", type="ACI", region="bretagne",
                               active=True, actor=world.admin)
    theme = create_theme("Droit\r\ndu travail", world.admin)
    assert (user.name, structure.name, theme.name) == ("Line Break", "Régie des Tests", "Droit du travail")


def test_admin_deactivates_and_reactivates_an_account(admin_client, world):
    page = admin_client.post(f"/admin/utilisateurs/{world.member.id}/activation",
                             follow_redirects=True).get_data(as_text=True)
    assert "compte membre@exemple.test désactivé." in page
    db.session.refresh(world.member)
    assert world.member.active is False
    page = admin_client.post(f"/admin/utilisateurs/{world.member.id}/activation",
                             follow_redirects=True).get_data(as_text=True)
    assert "compte membre@exemple.test réactivé." in page
    db.session.refresh(world.member)
    assert world.member.active is True


def test_a_departing_jurists_open_questions_go_back_to_unassigned(admin_client, world):
    """Deactivated (or made a member), a jurist kept their open questions: out of every « Mes dossiers » and of
    « Non assignées », nobody took them up."""
    first, second, done = (factories.make_ticket(world.member, subject=f"Question {n}") for n in range(3))
    for ticket in (first, second, done):
        services.claim(ticket, world.jurist)
    services.close(done, world.jurist)
    page = admin_client.post(f"/admin/utilisateurs/{world.jurist.id}/activation", data={"confirme": "1"},
                             follow_redirects=True).get_data(as_text=True)
    assert "2 questions ouvertes qui lui étaient assignées attendent dans « Non assignées »." in page
    assert [ticket.assignee_id for ticket in (first, second, done)] == [None, None, world.jurist.id]
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.kind == "unassigned", Event.actor_id == world.admin.id)) == 2
    admin_client.post(f"/admin/utilisateurs/{world.jurist.id}/activation")
    services.claim(first, world.jurist2)
    page = admin_client.post(f"/admin/utilisateurs/{world.jurist2.id}/modifier", data={
        "email": world.jurist2.email, "name": world.jurist2.name, "role": "member", "structure": world.structure.id,
        "confirme": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "1 question ouverte qui lui était assignée attend dans « Non assignées »." in page
    assert first.assignee_id is None
    page = admin_client.post(f"/admin/utilisateurs/{world.member.id}/activation",
                             follow_redirects=True).get_data(as_text=True)
    assert "Non assignées" not in page.split("<main", 1)[1].split("</main>")[0]


def test_deactivating_a_jurist_with_open_questions_is_confirmed_first(admin_client, world):
    """One click on « Désactiver », beside « Modifier » on each line, emptied a jurist's « Mes dossiers » into
    « Non assignées » for good: the admin now reads how many questions would go and confirms; « Annuler » leads back
    to the accounts as they were filtered, and the account and its questions are untouched until then."""
    first, second = (factories.make_ticket(world.member, subject=f"Question {n}") for n in range(2))
    for ticket in (first, second):
        services.claim(ticket, world.jurist)
    response = admin_client.post(f"/admin/utilisateurs/{world.jurist.id}/activation?role=jurist")
    page = response.get_data(as_text=True).replace("\xa0", " ")  # French spacing inside « »
    assert response.status_code == 200
    assert f"Désactiver le compte de {world.jurist.name} ?" in page
    assert "2 questions ouvertes lui sont assignées : elles retourneront dans « Non assignées »." in page
    assert '<a href="/admin/utilisateurs?role=jurist">Annuler</a>' in page
    assert f'action="/admin/utilisateurs/{world.jurist.id}/activation?role=jurist"' in page
    assert '<input type="hidden" name="confirme" value="1">' in page
    db.session.refresh(world.jurist)
    assert world.jurist.active and [first.assignee_id, second.assignee_id] == [world.jurist.id] * 2
    response = admin_client.post(f"/admin/utilisateurs/{world.jurist.id}/activation?role=jurist",
                                 data={"confirme": "1"})
    assert response.headers["Location"] == "/admin/utilisateurs?role=jurist"
    db.session.refresh(world.jurist)
    assert not world.jurist.active and [first.assignee_id, second.assignee_id] == [None, None]


def test_making_a_jurist_with_open_questions_a_member_is_confirmed_first(admin_client, world):
    """Choosing « Membre » in a jurist's account form emptied their « Mes dossiers » into « Non assignées » without a
    word: the admin now reads how many questions would go, and « Mon absence » as the way for an absence, and
    confirms; the values typed come back with the confirmation, and nothing changes until then."""
    first, second = (factories.make_ticket(world.member, subject=f"Question {n}") for n in range(2))
    for ticket in (first, second):
        services.claim(ticket, world.jurist)
    edit = f"/admin/utilisateurs/{world.jurist.id}/modifier?role=jurist"
    data = {"email": world.jurist.email, "name": "Nom Corrigé", "role": "member", "structure": world.structure.id}
    response = admin_client.post(edit, data=data)
    page = html.unescape(response.get_data(as_text=True)).replace("\xa0", " ")
    assert response.status_code == 200
    assert f"Donner le rôle « Membre » à {world.jurist.name} ?" in page
    assert "2 questions ouvertes lui sont assignées : elles retourneront dans « Non assignées »." in page
    assert "« Mon absence »" in page and "Changer le rôle</button>" in page
    assert '<a href="/admin/utilisateurs?role=jurist">Annuler</a>' in page
    assert f'action="{edit}"' in page
    form = page.split(f'action="{edit}"', 1)[1].split("</form>", 1)[0]
    confirmed = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert confirmed.pop("csrf_token") and confirmed == {"email": world.jurist.email, "name": "Nom Corrigé", "role": "member",
                         "structure": str(world.structure.id), "confirme": "1"}
    db.session.refresh(world.jurist)
    assert world.jurist.role == "jurist" and world.jurist.name != "Nom Corrigé"
    assert [first.assignee_id, second.assignee_id] == [world.jurist.id] * 2
    response = admin_client.post(edit, data=confirmed)
    assert response.headers["Location"] == "/admin/utilisateurs?role=jurist"
    db.session.refresh(world.jurist)
    assert world.jurist.role == "member" and world.jurist.name == "Nom Corrigé"
    assert [first.assignee_id, second.assignee_id] == [None, None]


def test_a_jurist_without_open_questions_or_keeping_the_team_changes_role_in_one_step(admin_client, world):
    """No question to lose, or a jurist made an admin: the form saves at once."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist)
    for user, role, structure in ((world.jurist, "admin", 0), (world.jurist2, "member", world.structure.id)):
        response = admin_client.post(f"/admin/utilisateurs/{user.id}/modifier", data={
            "email": user.email, "name": user.name, "role": role, "structure": structure})
        assert response.status_code == 302
        db.session.refresh(user)
        assert user.role == role
    assert ticket.assignee_id == world.jurist.id


def test_deactivating_an_account_without_open_questions_takes_one_click(admin_client, world):
    """A member, or a jurist whose questions are all closed, is deactivated at once: nothing would be lost."""
    ticket = factories.make_ticket(world.member)
    services.claim(ticket, world.jurist2)
    services.close(ticket, world.jurist2)
    for user in (world.member, world.jurist2):
        response = admin_client.post(f"/admin/utilisateurs/{user.id}/activation")
        assert response.status_code == 302
        db.session.refresh(user)
        assert not user.active


def _listed_emails(page: str) -> set[str]:
    """The addresses in the accounts table of a page."""
    return set(re.findall(r"<td[^>]*>([^<@]+@exemple\.test)</td>", page))


def test_admin_lists_the_invitations_not_yet_accepted_and_the_accounts_of_a_role_or_state(admin_client, world):
    """With thousands of accounts the admin could not find the invitations to chase, the deactivated accounts or the
    team: the list had a search only, and no count."""
    invited = factories.make_user("member", world.structure, email="invitee@exemple.test", password=None)
    set_active(world.colleague, False, world.admin)
    everyone = admin_client.get("/admin/utilisateurs").get_data(as_text=True)
    assert "7 comptes" in everyone and "Invitation pas encore acceptée" in everyone
    pending = admin_client.get("/admin/utilisateurs?state=invited").get_data(as_text=True)
    assert _listed_emails(pending) == {invited.email} and "1 compte" in pending
    assert '<option selected value="invited">' in pending or 'value="invited" selected' in pending
    assert _listed_emails(admin_client.get("/admin/utilisateurs?state=inactive").get_data(as_text=True)) == {
        "collegue@exemple.test"}
    team = admin_client.get("/admin/utilisateurs?role=jurist&state=active").get_data(as_text=True)
    assert _listed_emails(team) == {"juriste@exemple.test", "juriste2@exemple.test"}
    searched = admin_client.get("/admin/utilisateurs?q=membre&state=invited").get_data(as_text=True)
    assert "Aucun compte ne correspond à ces critères." in html.unescape(searched)
    assert 'href="/admin/utilisateurs">Tous les comptes' in searched


def test_an_unknown_role_or_state_filters_nothing_and_says_so(admin_client, world):
    page = admin_client.get("/admin/utilisateurs?role=owner&state=%3Cb%3E").get_data(as_text=True)
    assert len(_listed_emails(page)) == 6 and "<b>" not in page
    assert "6 comptes" in page and "Choisissez l'une des valeurs proposées pour « Rôle »." in html.unescape(page)


def test_an_action_on_a_filtered_list_brings_the_admin_back_to_the_same_filters(admin_client, world):
    invited = factories.make_user("member", world.structure, email="invitee@exemple.test", password=None)
    listing = admin_client.get("/admin/utilisateurs?state=invited&role=member").get_data(as_text=True)
    assert html.escape(f"/admin/utilisateurs/{invited.id}/invitation?state=invited&role=member") in listing
    response = admin_client.post(f"/admin/utilisateurs/{invited.id}/invitation?state=invited&role=member")
    assert response.headers["Location"] == "/admin/utilisateurs?role=member&state=invited"
    bogus = admin_client.post(f"/admin/utilisateurs/{invited.id}/invitation?state=nonsense")
    assert bogus.headers["Location"] == "/admin/utilisateurs"


def test_the_list_offers_no_deactivation_of_the_admin_own_account(admin_client, world):
    """The button was there, and refused with an error when clicked."""
    page = admin_client.get("/admin/utilisateurs").get_data(as_text=True)
    assert f"/admin/utilisateurs/{world.admin.id}/activation" not in page
    assert f"/admin/utilisateurs/{world.jurist.id}/activation" in page


def test_admin_cannot_deactivate_themselves(admin_client, world):
    page = admin_client.post(f"/admin/utilisateurs/{world.admin.id}/activation",
                             follow_redirects=True).get_data(as_text=True)
    assert "vous ne pouvez pas désactiver votre propre compte." in page
    db.session.refresh(world.admin)
    assert world.admin.active is True


def test_toggling_an_unknown_account_is_404(admin_client, world):
    assert admin_client.post("/admin/utilisateurs/999/activation").status_code == 404


def test_admin_adds_a_theme(admin_client, world):
    page = admin_client.post("/admin/themes", data={"name": "Santé-sécurité / DUER"},
                             follow_redirects=True).get_data(as_text=True)
    assert "thème « Santé-sécurité / DUER » ajouté." in page
    theme = db.session.scalars(select(Theme).where(Theme.name == "Santé-sécurité / DUER")).one()
    assert theme.slug == "sante-securite-duer" and theme.active


@pytest.mark.parametrize("name", ["réforme iae", "Réforme IAE", "Reforme  IAE!"])
def test_duplicate_theme_is_refused(admin_client, world, name):
    page = admin_client.post("/admin/themes", data={"name": name}).get_data(as_text=True)
    assert "Le thème « Réforme IAE » existe déjà." in page
    assert _count(Theme) == 1


def test_theme_name_without_letters_is_refused(admin_client, world):
    page = admin_client.post("/admin/themes", data={"name": "!!!"}).get_data(as_text=True)
    assert "Le nom d&#39;un thème comporte au moins une lettre ou un chiffre." in page
    assert _count(Theme) == 1


def test_long_theme_name_gets_a_slug_that_fits_its_column(world):
    theme = create_theme("Dialogue social " + "et commission insertion " * 4, world.admin)
    assert len(theme.slug) <= 80 and not theme.slug.endswith("-")


def test_jurist_cannot_create_a_theme_through_the_service(world):
    with pytest.raises(Forbidden):
        create_theme("Marchés publics", world.jurist)
    assert _count(Theme) == 1


# Editing a theme ------------------------------------------------------------------------------------------

def test_theme_list_links_to_the_edit_page(admin_client, world):
    page = admin_client.get("/admin/themes").get_data(as_text=True)
    assert f'href="/admin/themes/{world.theme.id}/modifier"' in page


def test_edit_page_shows_the_theme_and_its_stable_address(admin_client, world):
    page = admin_client.get(f"/admin/themes/{world.theme.id}/modifier").get_data(as_text=True)
    assert 'value="Réforme IAE"' in page and "« reforme-iae »" in page and "checked" in page


def test_admin_renames_a_theme_keeping_its_slug_and_journalling_it(admin_client, world):
    page = admin_client.post(f"/admin/themes/{world.theme.id}/modifier",
                             data={"name": "  Loi Inclusion et réforme IAE ", "active": "y"},
                             follow_redirects=True).get_data(as_text=True)
    assert "thème « Loi Inclusion et réforme IAE » enregistré." in page
    db.session.refresh(world.theme)
    assert (world.theme.name, world.theme.slug, world.theme.active) == ("Loi Inclusion et réforme IAE", "reforme-iae",
                                                                         True)
    event = db.session.scalars(select(Event).where(Event.kind == "theme_updated")).one()
    assert event.actor_id == world.admin.id
    assert event.data == {"theme_id": world.theme.id, "name": "Loi Inclusion et réforme IAE",
                          "previous_name": "Réforme IAE"}
    journal = admin_client.get("/admin/journal/").get_data(as_text=True)
    assert "Modification de thème" in journal and "ancien nom" in journal


def test_renamed_theme_is_offered_under_its_new_name(admin_client, client, world, login):
    admin_client.post(f"/admin/themes/{world.theme.id}/modifier", data={"name": "Loi Inclusion", "active": "y"})
    login(world.member)
    page = client.get("/questions/nouvelle").get_data(as_text=True)
    assert "Loi Inclusion" in page and "Réforme IAE" not in page


def test_unticking_active_retires_the_theme(admin_client, world):
    page = admin_client.post(f"/admin/themes/{world.theme.id}/modifier", data={"name": "Réforme IAE"},
                             follow_redirects=True).get_data(as_text=True)
    assert "thème « Réforme IAE » enregistré." in page
    db.session.refresh(world.theme)
    assert world.theme.active is False
    event = db.session.scalars(select(Event).where(Event.kind == "theme_updated")).one()
    assert event.data == {"theme_id": world.theme.id, "active": False}


def test_saving_an_unchanged_theme_journals_nothing(admin_client, world):
    admin_client.post(f"/admin/themes/{world.theme.id}/modifier", data={"name": "Réforme IAE", "active": "y"})
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "theme_updated")) == 0


def test_theme_may_change_only_the_case_of_its_name(admin_client, world):
    admin_client.post(f"/admin/themes/{world.theme.id}/modifier", data={"name": "réforme IAE", "active": "y"})
    db.session.refresh(world.theme)
    assert world.theme.name == "réforme IAE"


@pytest.mark.parametrize("name, message", [
    ("", "Indiquez le nom du thème."),
    ("   ", "Indiquez le nom du thème."),
    ("x" * 121, "120 caractères au maximum (votre texte en compte 121)."),
    ("?!", "Le nom d&#39;un thème comporte au moins une lettre ou un chiffre."),
    ("contrats CDDI", "Le thème « Contrats CDDI » existe déjà."),
    ("Contrats - CDDI", "Le thème « Contrats CDDI » existe déjà."),
])
def test_bad_theme_rename_is_refused_and_changes_nothing(admin_client, world, name, message):
    factories.make_theme(name="Contrats CDDI", slug="contrats-cddi")
    page = admin_client.post(f"/admin/themes/{world.theme.id}/modifier", data={"name": name}).get_data(as_text=True)
    assert message in page
    db.session.refresh(world.theme)
    assert (world.theme.name, world.theme.active) == ("Réforme IAE", True)
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == "theme_updated")) == 0


def test_old_name_of_a_renamed_theme_can_name_a_new_one(admin_client, world):
    admin_client.post(f"/admin/themes/{world.theme.id}/modifier", data={"name": "Loi Inclusion", "active": "y"})
    page = admin_client.post("/admin/themes", data={"name": "Réforme IAE"}, follow_redirects=True).get_data(as_text=True)
    assert "thème « Réforme IAE » ajouté." in page
    new = db.session.scalars(select(Theme).where(Theme.name == "Réforme IAE")).one()
    assert new.slug == "reforme-iae-2"


def test_jurist_cannot_edit_a_theme_through_the_service(world):
    with pytest.raises(Forbidden):
        update_theme(world.theme, world.jurist, name="Autre nom", active=True)
    db.session.refresh(world.theme)
    assert world.theme.name == "Réforme IAE"


def test_editing_an_unknown_theme_is_404(admin_client, world):
    assert admin_client.get("/admin/themes/999/modifier").status_code == 404
    assert admin_client.post("/admin/themes/999/modifier", data={"name": "X"}).status_code == 404


def test_theme_service_refuses_an_oversized_name(world):
    with pytest.raises(InvalidInput, match="120 caractères"):
        create_theme("x" * 121, world.admin)


def test_slugify_makes_ascii_slugs():
    assert slugify("Activité partielle / Covid-19") == "activite-partielle-covid-19"
    assert slugify("Cœur de métier : l’œuvre") == "coeur-de-metier-l-oeuvre"
    assert slugify("Straße") == "strasse"


def test_retired_theme_is_not_offered_and_refused_if_posted(admin_client, client, world, login):
    page = admin_client.post(f"/admin/themes/{world.theme.id}/activation", follow_redirects=True).get_data(as_text=True)
    assert "thème « Réforme IAE » retiré." in page
    login(world.member)
    assert "Réforme IAE" not in client.get("/questions/nouvelle").get_data(as_text=True)
    client.post("/questions/nouvelle", data={"subject": "Une question", "theme": str(world.theme.id),
                                             "body": "Une description suffisamment longue.", "priority": "1"})
    assert _count(Ticket) == 0


def test_retired_theme_can_be_restored(admin_client, world):
    admin_client.post(f"/admin/themes/{world.theme.id}/activation")
    page = admin_client.post(f"/admin/themes/{world.theme.id}/activation", follow_redirects=True).get_data(as_text=True)
    assert "thème « Réforme IAE » réactivé." in page
    db.session.refresh(world.theme)
    assert world.theme.active


def test_retiring_a_theme_asks_to_confirm_and_a_second_click_changes_nothing(admin_client, world):
    """The list links to a confirmation page (no JavaScript needed); its button retires the theme, and pressing it
    again (a double click) does not bring the theme back; « Réactiver » needs no confirmation."""
    listing = admin_client.get("/admin/themes").get_data(as_text=True)
    assert f'<a href="/admin/themes/{world.theme.id}/activation">Retirer…' in listing
    page = admin_client.get(f"/admin/themes/{world.theme.id}/activation").get_data(as_text=True)
    assert "Retirer le thème « Réforme IAE » ?" in page and "ne sera plus proposé pour les nouvelles questions" in page
    db.session.refresh(world.theme)
    assert world.theme.active, "asking retires nothing"
    for _ in range(2):
        done = admin_client.post(f"/admin/themes/{world.theme.id}/activation", data={"actif": "0"},
                                 follow_redirects=True).get_data(as_text=True)
        assert "thème « Réforme IAE » retiré." in done
        db.session.refresh(world.theme)
        assert not world.theme.active
    assert admin_client.get(f"/admin/themes/{world.theme.id}/activation").headers["Location"] == "/admin/themes"
    assert 'name="actif" value="1"' in done
    for _ in range(2):
        admin_client.post(f"/admin/themes/{world.theme.id}/activation", data={"actif": "1"})
        db.session.refresh(world.theme)
        assert world.theme.active


def test_jurists_cannot_open_the_retire_confirmation(client, world, login):
    login(world.jurist)
    assert client.get(f"/admin/themes/{world.theme.id}/activation").status_code == 403


def test_toggling_an_unknown_theme_is_404(admin_client, world):
    assert admin_client.get("/admin/themes/999/activation").status_code == 404
    assert admin_client.post("/admin/themes/999/activation").status_code == 404


def test_admin_corrects_an_account_and_a_change_of_rights_ends_its_sessions(app, admin_client, world):
    member_browser = app.test_client()
    member_browser.post("/connexion", data={"email": world.member.email, "password": factories.PASSWORD})
    assert member_browser.get("/questions/").status_code == 200
    page = admin_client.get(f"/admin/utilisateurs/{world.member.id}/modifier").get_data(as_text=True)
    assert world.member.email in page and world.member.name in page
    response = admin_client.post(f"/admin/utilisateurs/{world.member.id}/modifier", data={
        "email": "claire.nouvelle@exemple.test", "name": "Claire Renommée", "role": "member",
        "structure": str(world.other_structure.id)}, follow_redirects=True)
    assert "compte claire.nouvelle@exemple.test mis à jour." in response.get_data(as_text=True)
    db.session.expire_all()
    assert (world.member.email, world.member.name, world.member.structure_id) == (
        "claire.nouvelle@exemple.test", "Claire Renommée", world.other_structure.id)
    assert member_browser.get("/questions/").status_code == 302, "the member's open session ended with the change"
    event = db.session.scalar(select(Event).where(Event.kind == "user_updated"))
    assert event.data["changed"] == ["email", "name", "structure"]


@pytest.mark.parametrize("values, message", [
    ({"email": "juriste@exemple.test"}, "Un compte existe déjà avec cette adresse"),
    ({"role": "member", "structure": "0"}, "Un membre doit être rattaché à une structure"),
    ({"name": ""}, "Indiquez le nom"),
])
def test_account_corrections_are_checked_and_change_nothing_when_refused(admin_client, world, values, message):
    before = (world.member.email, world.member.name, world.member.role, world.member.structure_id)
    data = {"email": world.member.email, "name": world.member.name, "role": "member",
            "structure": str(world.member.structure_id), **values}
    page = admin_client.post(f"/admin/utilisateurs/{world.member.id}/modifier", data=data).get_data(as_text=True)
    assert message in page
    db.session.expire_all()
    assert (world.member.email, world.member.name, world.member.role, world.member.structure_id) == before


def _legacy_account(world, email: str) -> User:
    """A member account whose address was stored before the address checks existed."""
    user = factories.make_user("member", world.structure, name="Ancienne Adresse")
    user.email = email
    db.session.commit()
    return user


@pytest.mark.parametrize("legacy", ["andré@exemple.test", "ancienne@structure.local"])
def test_an_account_made_before_the_address_checks_is_edited_keeping_its_address(app, admin_client, world, legacy):
    """An accented or special-use address from before the checks no longer stops the admin from correcting the
    account's name, role or structure; only a changed address is checked."""
    user = _legacy_account(world, legacy)
    app.config["EMAIL_ALLOW_SPECIAL_DOMAINS"] = False
    response = admin_client.post(f"/admin/utilisateurs/{user.id}/modifier", data={
        "email": legacy.upper(), "name": "Nom Corrigé", "role": "member", "structure": str(world.other_structure.id)},
        follow_redirects=True)
    assert f"compte {legacy} mis à jour." in response.get_data(as_text=True)
    db.session.expire_all()
    assert (user.email, user.name, user.structure_id) == (legacy, "Nom Corrigé", world.other_structure.id)


def test_a_legacy_address_changed_for_another_bad_one_is_refused(app, admin_client, world):
    """Keeping a legacy address is allowed; replacing it with another unchecked one is not."""
    user = _legacy_account(world, "andré@exemple.test")
    app.config["EMAIL_ALLOW_SPECIAL_DOMAINS"] = False
    for email, message in (("rené@exemple.test", "contient une lettre accentuée"),
                           ("rene@structure.local", "ne reçoivent jamais de courriel")):
        page = admin_client.post(f"/admin/utilisateurs/{user.id}/modifier", data={
            "email": email, "name": "Nom Corrigé", "role": "member", "structure": str(world.structure.id)})
        assert message in html.unescape(page.get_data(as_text=True))
        with pytest.raises(InvalidInput, match=message.replace(".", r"\.")):
            update_user(user, world.admin, email=email, name="Nom Corrigé", role="member",
                        structure_id=world.structure.id)
        db.session.rollback()
        db.session.expire_all()
        assert (user.email, user.name) == ("andré@exemple.test", "Ancienne Adresse")


def test_an_admin_keeps_their_own_role_and_others_cannot_edit_accounts(admin_client, world, login):
    page = admin_client.post(f"/admin/utilisateurs/{world.admin.id}/modifier", data={
        "email": world.admin.email, "name": world.admin.name, "role": "member",
        "structure": str(world.structure.id)}).get_data(as_text=True)
    assert "vous ne pouvez pas changer votre propre rôle." in page
    login(world.jurist)
    assert admin_client.get(f"/admin/utilisateurs/{world.member.id}/modifier").status_code == 403
    assert admin_client.post(f"/admin/utilisateurs/{world.member.id}/modifier", data={
        "email": "x@exemple.test", "name": "X", "role": "admin", "structure": "0"}).status_code == 403
    db.session.expire_all()
    assert world.admin.role == "admin" and world.member.role == "member"


@pytest.mark.parametrize("url", ["/admin/courriels", "/admin/structures", "/admin/utilisateurs", "/admin/themes",
                                 "/admin/journal/", "/admin/import", "/admin/routage", "/admin/delais"])
def test_every_administration_page_leads_back_to_the_administration(client, world, login, url):
    """The outbox, structures, accounts, themes and journal pages had no way back, unlike the import page."""
    login(world.admin)
    page = client.get(url).get_data(as_text=True)
    assert '<p><a href="/admin/">← Administration</a></p>' in page


def test_the_administration_home_does_not_lead_back_to_itself(client, world, login):
    login(world.admin)
    assert "← Administration" not in client.get("/admin/").get_data(as_text=True)


STAFF_GIVEN_A_STRUCTURE = ("Un juriste ou un administrateur n'est rattaché à aucune structure. Laissez la structure "
                           "vide (« — ») ou choisissez le rôle Membre.")


def _structure_error(page: str) -> str:
    """The error shown under the structure field of an account form, if any."""
    found = re.search(r'<p class="error" id="structure-error">([^<]*)</p>', page)
    return html.unescape(found.group(1)).strip() if found else ""


@pytest.mark.parametrize("role", ["jurist", "admin"])
def test_a_structure_chosen_for_a_new_jurist_or_admin_is_refused_under_the_field(admin_client, world, role):
    """The structure was silently dropped: the admin believed the account belonged to it."""
    before = _count(User)
    response = admin_client.post("/admin/utilisateurs/nouveau",
                                 data=_user_form(world.structure.id, role=role, email="equipe@federation-exemple.fr"))
    assert response.status_code == 400
    assert _structure_error(response.get_data(as_text=True)) == STAFF_GIVEN_A_STRUCTURE
    assert _count(User) == before


def test_a_new_jurist_without_a_structure_is_created(admin_client, world):
    response = admin_client.post("/admin/utilisateurs/nouveau",
                                 data=_user_form(0, role="jurist", email="equipe@federation-exemple.fr"))
    assert response.status_code == 302
    jurist = db.session.scalar(select(User).where(User.email == "equipe@federation-exemple.fr"))
    assert (jurist.role, jurist.structure_id) == ("jurist", None)


def test_a_member_made_a_jurist_keeping_their_structure_is_refused_and_without_it_accepted(admin_client, world):
    url = f"/admin/utilisateurs/{world.member.id}/modifier"
    data = {"email": world.member.email, "name": world.member.name, "role": "jurist",
            "structure": str(world.structure.id)}
    page = admin_client.post(url, data=data).get_data(as_text=True)
    assert _structure_error(page) == STAFF_GIVEN_A_STRUCTURE
    db.session.expire_all()
    assert (world.member.role, world.member.structure_id) == ("member", world.structure.id)
    assert admin_client.post(url, data={**data, "structure": "0"}).status_code == 302
    db.session.expire_all()
    assert (world.member.role, world.member.structure_id) == ("jurist", None)


def test_the_services_refuse_a_structure_for_staff(world):
    with pytest.raises(InvalidInput, match="n'est rattaché à aucune structure") as refused:
        create_user("equipe@federation-exemple.fr", "Équipe", "un-mot-de-passe-solide", "admin", world.structure.id)
    assert refused.value.field == "structure"
    with pytest.raises(InvalidInput, match="n'est rattaché à aucune structure"):
        update_user(world.jurist, world.admin, email=world.jurist.email, name=world.jurist.name, role="jurist",
                    structure_id=world.structure.id)


@pytest.mark.parametrize("url", ["/admin/utilisateurs/nouveau", "/admin/utilisateurs/{member}/modifier"])
def test_the_account_forms_hide_the_structure_for_staff_roles_with_their_script(admin_client, world, url):
    """Progressive enhancement: the structure field is tied to the role field, and the script is loaded."""
    page = admin_client.get(url.format(member=world.member.id)).get_data(as_text=True)
    assert re.search(r'<div data-member-only="role">.*<select[^>]*id="structure"', page, re.S)
    assert "js/member-only.js" in page


def test_the_initial_password_is_hidden_and_ignored_while_the_invitation_is_ticked(admin_client, world):
    """« Mot de passe initial » stayed on screen with « Envoyer une invitation » ticked, though unused: its field is
    tied to the check box and hidden by a script; a password typed anyway, even too short, is ignored."""
    page = admin_client.get("/admin/utilisateurs/nouveau").get_data(as_text=True)
    assert re.search(r'<div data-without-invitation="invite">\s*<div class="field[^"]*">\s*<label for="password"', page)
    assert "js/invite-only.js" in page
    response = admin_client.post("/admin/utilisateurs/nouveau", data={
        "email": "ines.invitee@exemple.test", "name": "Ines Invitée", "role": "member",
        "structure": world.structure.id, "invite": "y", "password": "court"}, follow_redirects=True)
    assert "compte créé pour ines.invitee@exemple.test, invitation envoyée." in response.get_data(as_text=True)
    invited = db.session.scalar(select(User).where(User.email == "ines.invitee@exemple.test"))
    assert not invited.has_password and not invited.check_password("court")


def test_the_accounts_list_names_the_address_as_the_forms_do(admin_client, world):
    """The accounts' list headed its column « E-mail » where the login page, the account forms and the import preview
    say « Adresse e-mail »: one wording, on a wide screen and on a phone card."""
    page = admin_client.get("/admin/utilisateurs").get_data(as_text=True)
    assert '<th scope="col">Adresse e-mail</th>' in page
    assert f'<td data-label="Adresse e-mail">{world.member.email}</td>' in page
    assert ">E-mail<" not in page and '"E-mail"' not in page
