"""Importing structures and accounts from a CSV file: the preview, its errors, the import, the command."""
import html
import io
import os
import re

import pytest
from sqlalchemy import func, select

from helpdesk.admin import imports
from helpdesk.auth import passwords
from helpdesk.demo import luhn_siret
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.mail.sender import build_message
from helpdesk.models import Event, OutboxEmail, Structure, User
from tests import factories

SIRET_A = luhn_siret("8100000000010")
SIRET_B = luhn_siret("8100000000020")
HEADER = "structure;siret;type;région;e-mail;nom;rôle"
GOOD_LINES = [
    f"Atelier Exemple du Port;{SIRET_A[:3]} {SIRET_A[3:6]} {SIRET_A[6:9]} {SIRET_A[9:]};ACI;Bretagne;"
    "anna.exemple@atelier-exemple.fr;Anna Exemple;membre",
    f";{SIRET_A};;;basile.exemple@atelier-exemple.fr;Basile Exemple;",
    f"Régie Fictive des Îles;{SIRET_B};ETTI;La Réunion;cora.fictive@regie-fictive.fr;Cora Fictive;Membre",
]


def _csv(*lines: str, header: str = HEADER) -> bytes:
    """A CSV file (UTF-8) of the header and these lines."""
    return "\r\n".join([header, *lines]).encode()


def _count(model, *conditions) -> int:
    """Rows in a table (matching the conditions)."""
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _invitations() -> list[str]:
    """The addresses of the invitations in the outbox."""
    return sorted(db.session.scalars(select(OutboxEmail.to_address).where(OutboxEmail.kind == "invitation")))


def _text(response) -> str:
    """A page's text, HTML entities decoded (apostrophes are escaped in some places, not in others)."""
    return html.unescape(response.get_data(as_text=True))


def _preview(client, content: bytes, filename: str = "structures.csv", encoding: str = ""):
    """Upload a file for checking (in the encoding chosen on the form, detected when empty); the response."""
    return client.post("/admin/import", data={"file": (io.BytesIO(content), filename), "encoding": encoding},
                       content_type="multipart/form-data")


def _reference(page: str) -> str:
    """The signed reference of the checked file in a preview page."""
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def _import(client, content: bytes):
    """Upload a file, then confirm the import; the final response, redirects followed."""
    page = _text(_preview(client, content))
    return client.post("/admin/import/confirmer", data={"token": _reference(page)}, follow_redirects=True)


@pytest.fixture
def admin_client(client, world, login):
    """The client, logged in as the admin."""
    login(world.admin)
    return client


def _nothing_written(world) -> None:
    """The database holds the world only: no structure, account, mail or import event added."""
    assert _count(Structure) == 2 and _count(User) == 6
    assert _invitations() == [] and _count(Event, Event.kind == "structures_imported") == 0


def test_import_page_explains_the_columns_and_offers_the_model(admin_client):
    page = _text(admin_client.get("/admin/import"))
    assert "Importer des structures et des comptes" in page and "Télécharger le fichier modèle" in page
    assert "<code>ETT_ESS</code> — Entreprise de travail temporaire de l'ESS" in page and "La Réunion" in page
    model = admin_client.get("/admin/import/modele.csv")
    assert model.mimetype == "text/csv" and "modele-import-structures.csv" in model.headers["Content-Disposition"]
    header, example, *rest = model.get_data().decode("utf-8-sig").splitlines()
    assert header == HEADER and example.startswith("Association Exemple Insertion;732 829 320 00074;AI;")
    assert rest == []
    assert "Importer des structures et des comptes" in _text(admin_client.get("/admin/"))


def test_the_model_file_itself_passes_the_checks(app):
    plan = imports.check_import(imports.model_file().encode(), "modele.csv")
    assert plan.can_apply and [new.name for new in plan.new_structures] == ["Association Exemple Insertion"]


def test_preview_lists_what_would_be_created_and_writes_nothing(admin_client, world):
    page = _preview(admin_client, _csv(*GOOD_LINES,
                                       f";{world.structure.siret};;;dora.exemple@chantier-tests.fr;Dora Exemple;"))
    text = _text(page)
    assert page.status_code == 200 and "Importer ces structures et ces comptes ?" in text
    assert "2 structures à créer" in text and "4 comptes de membres à créer" in text
    assert "1 structure existante qui reçoit des comptes" in text and "Chantier des Tests" in text
    assert "Atelier Exemple du Port" in text and "Entreprise de travail temporaire d'insertion" in text
    assert "basile.exemple@atelier-exemple.fr" in text and f"{SIRET_A}" in text
    _nothing_written(world)


def test_import_creates_structures_and_accounts_invites_each_once_and_journals_it(admin_client, world):
    response = _import(admin_client, _csv(*GOOD_LINES,
                                          f";{world.structure.siret};;;dora.exemple@chantier-tests.fr;Dora Exemple;"))
    text = _text(response)
    assert "2 structures et 4 comptes créés ; 4 invitations envoyées." in text
    assert "Des comptes ont été ajoutés à 1 structure existante." in text
    port = db.session.scalars(select(Structure).where(Structure.siret == SIRET_A)).one()
    assert (port.name, port.type, port.region, port.active) == ("Atelier Exemple du Port", "ACI", "bretagne", True)
    iles = db.session.scalars(select(Structure).where(Structure.siret == SIRET_B)).one()
    assert (iles.type, iles.region) == ("ETTI", "la-reunion")
    assert sorted(user.email for user in port.users) == ["anna.exemple@atelier-exemple.fr",
                                                         "basile.exemple@atelier-exemple.fr"]
    dora = db.session.scalars(select(User).where(User.email == "dora.exemple@chantier-tests.fr")).one()
    assert (dora.role, dora.structure_id, dora.active) == ("member", world.structure.id, True)
    assert _invitations() == ["anna.exemple@atelier-exemple.fr", "basile.exemple@atelier-exemple.fr",
                              "cora.fictive@regie-fictive.fr", "dora.exemple@chantier-tests.fr"]
    event = db.session.scalars(select(Event).where(Event.kind == "structures_imported")).one()
    assert event.actor_id == world.admin.id
    assert event.data == {"filename": "structures.csv", "structures": 2, "accounts": 4, "reused_structures": 1}
    journal = _text(admin_client.get("/admin/journal/?kind=structures_imported"))
    assert "Import de structures et de comptes" in journal and "comptes créés : 4" in journal


def test_import_drops_control_characters_from_names(admin_client, world):
    _import(admin_client, _csv(f"Atelier\x1b Exemple\x01 du Port;{SIRET_A};ACI;Bretagne;"
                               "anna.exemple@atelier-exemple.fr;Anna\x07 Exemple;"))
    port = db.session.scalars(select(Structure).where(Structure.siret == SIRET_A)).one()
    assert (port.name, [user.name for user in port.users]) == ("Atelier Exemple du Port", ["Anna Exemple"])


def test_an_invited_account_sets_its_password_from_the_invitation(admin_client, world, client):
    _import(admin_client, _csv(GOOD_LINES[0]))
    mail = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "invitation")).one()
    text = build_message(mail).get_body(preferencelist=("plain",)).get_content()
    assert f"{world.admin.name} vous invite à utiliser le helpdesk juridique de la fédération pour Atelier Exemple " \
           "du Port." in text
    link = re.search(r"https://helpdesk\.example\.test(/\S+)", text).group(1)
    admin_client.post("/deconnexion")
    assert "Nouveau mot de passe" in _text(client.get(link))


def test_confirming_twice_imports_once(admin_client, world):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    admin_client.post("/admin/import/confirmer", data={"token": _reference(page)})
    again = admin_client.post("/admin/import/confirmer", data={"token": _reference(page)}, follow_redirects=True)
    assert "cet aperçu a expiré ou a déjà été importé" in _text(again)
    assert _count(Structure) == 4 and len(_invitations()) == 3


def test_importing_the_same_file_again_reports_the_existing_accounts(admin_client, world):
    _import(admin_client, _csv(*GOOD_LINES))
    text = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    assert "ne peut pas être importé" in text and "Le fichier compte 3 erreurs, rien n'a donc été enregistré." in text
    for line in (2, 3, 4):
        assert re.search(rf"<td>{line}</td><td>e-mail</td><td>Un compte existe déjà avec cette adresse e-mail.", text)
    assert 'name="token"' not in text
    assert _count(Structure) == 4 and len(_invitations()) == 3


LONG_NAME = "N" * 201


@pytest.mark.parametrize("line, field, message", [
    (f"Atelier;{SIRET_A[:-1]}0;ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;", "SIRET",
     "Ce SIRET n'est pas valide (clé de contrôle incorrecte)."),
    ("Atelier;1234;ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;", "SIRET", "Le SIRET compte 14 chiffres."),
    ("Atelier;;ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;", "SIRET", "Indiquez le SIRET."),
    (f"Atelier;{SIRET_A};COOP;Bretagne;a@atelier-exemple.fr;Anna Exemple;", "type", "Type de structure inconnu."),
    (f"Atelier;{SIRET_A};ACI;Atlantide;a@atelier-exemple.fr;Anna Exemple;", "région", "Région inconnue."),
    (f"Atelier;{SIRET_A};;Bretagne;a@atelier-exemple.fr;Anna Exemple;", "type", "Indiquez le type de structure."),
    (f"Atelier;{SIRET_A};ACI;;a@atelier-exemple.fr;Anna Exemple;", "région", "Indiquez la région."),
    (f";{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;", "nom de la structure",
     "Indiquez le nom de la structure."),
    (f"{LONG_NAME};{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;", "nom de la structure",
     "200 caractères au maximum (votre texte en compte 201)."),
    (f"Atelier;{SIRET_A};ACI;Bretagne;anna-at-atelier.fr;Anna Exemple;", "e-mail",
     "Cette adresse e-mail n'est pas valide."),
    (f"Atelier;{SIRET_A};ACI;Bretagne;;Anna Exemple;", "e-mail", "Indiquez l'adresse e-mail."),
    (f"Atelier;{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;;", "nom", "Indiquez le nom de la personne."),
    (f"Atelier;{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;{'x' * 121};", "nom",
     "120 caractères au maximum (votre texte en compte 121)."),
    (f"Atelier;{SIRET_A};ACI;Bretagne;MEMBRE@exemple.test;Anna Exemple;", "e-mail",
     "Un compte existe déjà avec cette adresse e-mail."),
    (f"Atelier;{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;juriste", "rôle",
     "Ce rôle n'est pas autorisé, car l'import crée des comptes de membres"),
    (f"Atelier;{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;stagiaire", "rôle", "Ce rôle est inconnu"),
])
def test_each_wrong_line_is_reported_in_french_with_its_line_and_column(admin_client, world, line, field, message):
    text = _text(_preview(admin_client, _csv(GOOD_LINES[2], line)))
    assert re.search(rf"<td>3</td><td>{field}</td><td>{re.escape(message)}", text), text
    assert "Le fichier compte 1 erreur, rien n'a donc été enregistré." in text and 'name="token"' not in text
    _nothing_written(world)


def test_every_error_of_a_line_is_reported_at_once(admin_client, world):
    text = _text(_preview(admin_client, _csv("Atelier;1234;COOP;Atlantide;pas-une-adresse;;juriste")))
    assert [column for column in re.findall(r"<td>2</td><td>([^<]+)</td>", text)] == [
        "SIRET", "type", "région", "e-mail", "nom", "rôle"]
    _nothing_written(world)


def test_duplicates_and_conflicts_within_the_file_and_with_the_database_are_reported(admin_client, world):
    text = _text(_preview(admin_client, _csv(
        *GOOD_LINES,
        f"Autre Nom;{SIRET_A};;;eve.exemple@atelier-exemple.fr;Ève Exemple;",
        f";{SIRET_B};EI;;Anna.Exemple@Atelier-Exemple.fr;Anna Bis;",
        f"Nom Changé;{world.structure.siret};;;flore.exemple@chantier-tests.fr;Flore Exemple;",
        f";{world.other_structure.siret};;Bretagne;gael.exemple@ailleurs.fr;Gaël Exemple;",
    )))
    assert re.search(r"<td>5</td><td>nom de la structure</td><td>Ce SIRET est celui de la ligne 2, dont la valeur "
                     r"diffère", text)
    assert re.search(r"<td>6</td><td>type</td><td>Ce SIRET est celui de la ligne 4", text)
    assert re.search(r"<td>6</td><td>e-mail</td><td>Cette adresse figure déjà ligne 2.", text)
    assert re.search(r"<td>7</td><td>nom de la structure</td><td>Ce SIRET est celui de la structure existante "
                     r"« Chantier des Tests »", text)
    assert re.search(r"<td>8</td><td>région</td><td>Ce SIRET est celui de la structure existante "
                     r"« Association Ailleurs »", text)
    assert "5 erreurs" in text
    _nothing_written(world)


@pytest.mark.parametrize("content, filename, message", [
    (b"", "vide.csv", "Le fichier est vide."),
    (HEADER.encode(), "entete.csv", "Le fichier ne contient aucune ligne à importer après la ligne d'en-tête."),
    (b"PK\x03\x04\x00\x00binary", "classeur.csv", "n'est pas un fichier CSV lisible"),
    ("Atelier;\u20ac\u2603".encode("utf-16"), "utf16.csv", "n'est pas un fichier CSV lisible"),
    (_csv(GOOD_LINES[0]), "classeur.xlsx", "Le fichier doit être au format CSV (.csv)"),
    (_csv(GOOD_LINES[0], header="structure;siret;type;région;nom"), "colonnes.csv",
     "Colonne « e-mail » absente de la ligne d'en-tête"),
    (b"x" * (imports.MAX_BYTES + 1), "gros.csv", "Le fichier dépasse 2 Mo"),
    (_csv(GOOD_LINES[0] + ";x", header=HEADER + ";Courriel"), "doublon.csv",
     "Colonne « e-mail » présente plusieurs fois dans la ligne d'en-tête (colonnes 5, 8). Gardez-en une seule."),
    (_csv(GOOD_LINES[0] + ";x", header=HEADER + ";NOM"), "doublon-nom.csv",
     "Colonne « nom » présente plusieurs fois dans la ligne d'en-tête (colonnes 6, 8)"),
])
def test_files_that_are_not_an_import_are_refused_in_french(admin_client, world, content, filename, message):
    text = _text(_preview(admin_client, content, filename))
    assert "ne peut pas être importé" in text and message in text and 'name="token"' not in text
    _nothing_written(world)


def test_a_file_over_the_line_cap_is_refused(admin_client, world, monkeypatch):
    monkeypatch.setattr(imports, "MAX_LINES", 2)
    text = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    assert re.search(r"<td>4</td><td>fichier</td><td>Le fichier compte plus de 2 lignes. Découpez-le", text)
    _nothing_written(world)


def test_no_file_is_asked_for(admin_client, world):
    text = _text(admin_client.post("/admin/import", data={}, content_type="multipart/form-data"))
    assert "Choisissez le fichier CSV à importer." in text
    _nothing_written(world)


@pytest.mark.parametrize("encode", [
    lambda text: text.replace(";", ",").encode("cp1252"),
    lambda text: text.encode("cp1252"),
    lambda text: "\ufeff".encode() + text.encode(),
    lambda text: "\ufeff".encode() + text.replace(";", ",").encode(),
], ids=["windows-1252 comma", "windows-1252 semicolon", "utf-8 bom semicolon", "utf-8 bom comma"])
def test_spreadsheet_encodings_and_separators_are_read(admin_client, world, encode):
    lines = [HEADER, f"Régie Fictive des Îles;{SIRET_B};ETTI;Île-de-France;"
             "cora.fictive@regie-fictive.fr;Cora Fictivé;membre"]
    response = _import(admin_client, encode("\r\n".join(lines) + "\r\n"))
    assert "1 structure et 1 compte créés ; 1 invitation envoyée." in _text(response)
    structure = db.session.scalars(select(Structure).where(Structure.siret == SIRET_B)).one()
    assert (structure.name, structure.region) == ("Régie Fictive des Îles", "ile-de-france")
    assert structure.users[0].name == "Cora Fictivé"


MAC_LINE = (f"Régie « Cœur » à Évian;{SIRET_B};ETTI;Île-de-France;cora.fictive@regie-fictive.fr;Cora Fictivé;"
            "membre")


def test_a_mac_roman_file_whose_bytes_windows_also_reads_is_read_as_mac_roman(admin_client, world):
    """Every byte of this Mac file means something in Windows-1252 too: it was read so, « Régie » shown « RŽgie »."""
    content = "\r\n".join([HEADER, MAC_LINE]).encode("mac_roman")
    assert "RŽgie" in content.decode("cp1252")
    preview = _text(_preview(admin_client, content))
    assert "Régie « Cœur » à Évian" in preview and "Cora Fictivé" in preview
    response = admin_client.post("/admin/import/confirmer", data={"token": _reference(preview)},
                                 follow_redirects=True)
    assert "1 structure et 1 compte créés" in _text(response)
    structure = db.session.scalars(select(Structure).where(Structure.siret == SIRET_B)).one()
    assert (structure.name, structure.region, structure.users[0].name) == (
        "Régie « Cœur » à Évian", "ile-de-france", "Cora Fictivé")


def test_a_mac_roman_file_with_letters_windows_lacks_is_read(admin_client, world):
    """« ç », « è », « ê » and « ù » are bytes Windows-1252 leaves undefined: such a file was refused as unreadable."""
    line = f"Chantier Français de Sète;{SIRET_B};ACI;Bretagne;leon@chantier-sete.fr;Léon Dupuis-Fête;"
    plan = imports.check_import("\r\n".join([HEADER, line]).encode("mac_roman"), "mac.csv")
    assert not plan.problems
    assert (plan.new_structures[0].name, plan.accounts[0].name) == ("Chantier Français de Sète", "Léon Dupuis-Fête")


def test_the_preview_says_which_encoding_was_detected(admin_client, world):
    preview = _text(_preview(admin_client, "\r\n".join([HEADER, MAC_LINE]).encode("cp1252", "replace")))
    assert "Encodage lu : Windows-1252 (détecté automatiquement)." in preview
    assert "Détection automatique" in _text(admin_client.get("/admin/import"))


def test_an_encoding_chosen_by_the_admin_is_the_one_read_and_imported(admin_client, world):
    """Detection reads this Mac file as Windows (« Îuvre », « No‘l »): the admin sees it in the preview, chooses Mac
    Roman, sees the accents right and imports them so."""
    line = f"Œuvre du Pont;{SIRET_B};ETTI;Bretagne;cora.fictive@regie-fictive.fr;Noël Fictif;membre"
    content = "\r\n".join(["structure;siret;type;region;e-mail;nom;role", line]).encode("mac_roman")
    detected = _text(_preview(admin_client, content))
    assert "Îuvre du Pont" in detected and "Encodage lu : Windows-1252 (détecté automatiquement)." in detected
    preview = _text(_preview(admin_client, content, encoding="mac_roman"))
    assert "Encodage lu : Mac Roman (choisi)." in preview
    assert "Œuvre du Pont" in preview and "Noël Fictif" in preview and "Îuvre" not in preview
    response = admin_client.post("/admin/import/confirmer", data={"token": _reference(preview)},
                                 follow_redirects=True)
    assert "1 structure et 1 compte créés" in _text(response)
    structure = db.session.scalars(select(Structure).where(Structure.siret == SIRET_B)).one()
    assert (structure.name, structure.users[0].name) == ("Œuvre du Pont", "Noël Fictif")


def test_a_file_that_the_chosen_encoding_cannot_read_is_refused_in_french(admin_client, world):
    content = "\r\n".join([HEADER, *GOOD_LINES]).encode("cp1252")
    response = _preview(admin_client, content, encoding="utf-8")
    text = _text(response)
    assert "Ce fichier ne se lit pas en UTF-8. Choisissez un autre encodage, ou « Détection automatique »." in text
    assert 'name="token"' not in text
    _nothing_written(world)


def test_an_encoding_outside_the_list_is_refused(admin_client, world):
    response = _preview(admin_client, _csv(*GOOD_LINES), encoding="rot13")
    assert response.status_code == 400 and "Importer ces structures" not in _text(response)
    assert "Encodage du fichier" in _text(response) and "rot13" not in _text(response)
    _nothing_written(world)


@pytest.mark.parametrize("name", ["Régie « Cœur » d’Évian – Île", "RÉGIE DES ÎLES", "Fête… 2 €"])
def test_windows_files_with_french_typography_stay_read_as_windows(world, name):
    line = f"{name};{SIRET_B};ACI;Bretagne;leon@chantier-sete.fr;Léon Fictif;"
    plan = imports.check_import("\r\n".join([HEADER, line]).encode("cp1252"), "windows.csv")
    assert not plan.problems and plan.new_structures[0].name == name


def test_a_quoted_name_with_the_separator_is_read_whole(admin_client, world):
    response = _import(admin_client, _csv(f'"Atelier Exemple; du Port";{SIRET_A};ACI;bretagne;'
                                          'anna.exemple@atelier-exemple.fr;"Exemple; Anna";'))
    assert "1 structure et 1 compte créés" in _text(response)
    assert db.session.scalars(select(Structure.name).where(Structure.siret == SIRET_A)).one() == "Atelier Exemple; du Port"


@pytest.mark.parametrize("broken_line", [
    f'"Atelier Exemple du Port;{SIRET_A};ACI;Bretagne;anna.exemple@atelier-exemple.fr;Anna Exemple;',
    f'"Atelier" Exemple du Port;{SIRET_A};ACI;Bretagne;anna.exemple@atelier-exemple.fr;Anna Exemple;',
])
def test_a_misplaced_quote_is_reported_on_its_line(admin_client, world, broken_line):
    text = _text(_preview(admin_client, _csv(GOOD_LINES[2], broken_line, GOOD_LINES[0])))
    assert re.search(r"<td>3</td><td>fichier</td><td>Un guillemet \(\"\) de cette ligne n'est pas refermé", text), text
    assert "Le fichier compte 1 erreur, rien n'a donc été enregistré." in text and 'name="token"' not in text
    _nothing_written(world)


def test_a_line_may_create_a_structure_without_account(admin_client, world):
    response = _import(admin_client, _csv(f"Atelier Exemple du Port;{SIRET_A};ACI;Bretagne;;;"))
    assert "1 structure et 0 compte créés ; 0 invitation envoyée." in _text(response)
    assert _count(Structure) == 3 and _invitations() == []


@pytest.mark.parametrize("persona", ["member", "jurist"])
def test_only_admins_reach_the_import(client, world, login, persona):
    login(getattr(world, persona))
    assert client.get("/admin/import").status_code == 403
    assert client.get("/admin/import/modele.csv").status_code == 403
    assert _preview(client, _csv(*GOOD_LINES)).status_code == 403
    assert client.post("/admin/import/confirmer", data={"token": "x"}).status_code == 403
    _nothing_written(world)


def test_another_admin_cannot_apply_a_preview(admin_client, world, login):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    login(factories.make_user("admin", email="admin2@exemple.test"))
    response = admin_client.post("/admin/import/confirmer", data={"token": _reference(page)}, follow_redirects=True)
    assert "cet aperçu n'est pas valide. Déposez de nouveau le fichier." in _text(response)
    assert _count(Structure) == 2 and _invitations() == []


@pytest.mark.parametrize("tamper", [
    lambda reference: reference[:-2] + ("AA" if not reference.endswith("AA") else "BB"),
    lambda reference: "",
])
def test_a_tampered_reference_imports_nothing(admin_client, world, tamper):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    response = admin_client.post("/admin/import/confirmer", data={"token": tamper(_reference(page))},
                                 follow_redirects=True)
    assert "cet aperçu n'est pas valide" in _text(response)
    _nothing_written(world)


def test_a_kept_file_changed_on_the_server_is_not_imported(admin_client, world, app):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    (kept,) = (imports._staging_dir()).glob("*.csv")
    kept.write_bytes(_csv(GOOD_LINES[0].replace("membre", "juriste")))
    response = admin_client.post("/admin/import/confirmer", data={"token": _reference(page)}, follow_redirects=True)
    assert "cet aperçu n'est pas valide" in _text(response)
    _nothing_written(world)


def test_the_file_is_checked_again_when_imported(admin_client, world):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    factories.make_user("member", world.structure, email="cora.fictive@regie-fictive.fr")
    response = admin_client.post("/admin/import/confirmer", data={"token": _reference(page)})
    text = _text(response)
    assert response.status_code == 200 and "ne peut pas être importé" in text
    assert re.search(r"<td>4</td><td>e-mail</td><td>Un compte existe déjà avec cette adresse e-mail.", text)
    assert _count(Structure) == 2 and _invitations() == []
    assert _count(Event, Event.kind == "structures_imported") == 0


def test_an_import_failing_half_way_leaves_nothing(admin_client, world, monkeypatch):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    links = []

    def link_then_fail(user, purpose):
        """Make the invitation links of two accounts already inserted, then fail on the third."""
        if len(links) == 2:
            raise RuntimeError("panne simulée")
        links.append(real_link(user, purpose))
        return links[-1]

    real_link = passwords.make_password_link
    monkeypatch.setattr(passwords, "make_password_link", link_then_fail)
    with pytest.raises(RuntimeError):
        admin_client.post("/admin/import/confirmer", data={"token": _reference(page)})
    assert len(links) == 2
    _nothing_written(world)


def _many_lines(count: int, structures: int, existing_siret: str) -> list[str]:
    """`count` account lines over `structures` new structures (a number prime to 5) plus an existing one (every fifth
    line), every column filled on every line as a spreadsheet exports them."""
    lines = []
    for number in range(count):
        siret = existing_siret if number % 5 == 0 else luhn_siret(f"82{number % structures:011d}")
        name = "Chantier des Tests" if number % 5 == 0 else f"Régie Fictive n° {number % structures}"
        lines.append(f"{name};{siret};{'ACI' if number % 5 == 0 else 'Entreprise d’insertion (EI)'};"
                     f"{'Bretagne' if number % 5 == 0 else 'La Réunion'};"
                     f"membre.{number}@regie-fictive-{number % structures}.fr;Membre Fictif {number};membre")
    return lines


def test_a_large_import_creates_each_account_with_its_event_and_its_invitation(admin_client, world):
    """Hundreds of accounts go in batches (on PostgreSQL, with ids reserved beforehand): each account still gets its
    own creation event and its own invitation, tied to each other as when an admin creates one account."""
    lines = _many_lines(300, 39, world.structure.siret)
    text = _text(_import(admin_client, _csv(*lines)))
    assert "39 structures et 300 comptes créés ; 300 invitations envoyées." in text
    emails = {f"membre.{number}@regie-fictive-{number % 39}.fr" for number in range(300)}
    users = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(emails)))}
    assert set(users) == emails and {user.role for user in users.values()} == {"member"}
    assert {users["membre.0@regie-fictive-0.fr"].structure_id, users["membre.5@regie-fictive-5.fr"].structure_id} \
        == {world.structure.id}
    assert users["membre.1@regie-fictive-1.fr"].structure.name == "Régie Fictive n° 1"
    assert users["membre.79@regie-fictive-1.fr"].structure_id == users["membre.1@regie-fictive-1.fr"].structure_id
    assert all(not user.has_password and user.active for user in users.values())
    created = db.session.scalars(select(Event).where(Event.kind == "user_created", Event.actor_id == world.admin.id)
                                 ).all()
    by_user = {event.data["user_id"]: event for event in created}
    assert len(created) == len(by_user) == 300 and set(by_user) == {user.id for user in users.values()}
    assert all(event.data == {"user_id": user_id, "role": "member", "invited": True}
               for user_id, event in by_user.items())
    mails = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "invitation")).all()
    assert sorted(mail.to_address for mail in mails) == sorted(emails)
    # The tests send mail after the request, as `make run` does.
    assert [(mail.dedupe_key, mail.status, mail.subject) for mail in mails if not (
        mail.dedupe_key == f"event:{by_user[mail.recipient_id].id}:{mail.recipient_id}"
        and mail.status == "sent" and mail.subject == "Invitation au helpdesk juridique")] == []
    last = next(mail for mail in mails if mail.to_address == "membre.299@regie-fictive-26.fr")
    body = build_message(last).get_body(preferencelist=("plain",)).get_content()
    assert "pour Régie Fictive n° 26." in body and "(membre.299@regie-fictive-26.fr)" in body
    (journal,) = db.session.scalars(select(Event).where(Event.kind == "structures_imported")).all()
    assert journal.data == {"filename": "structures.csv", "structures": 39, "accounts": 300, "reused_structures": 1}


def test_the_preview_of_a_file_of_thousands_of_accounts_groups_their_digits(admin_client, world):
    page = _text(_preview(admin_client, _csv(*_many_lines(1200, 39, world.structure.siret))))
    assert re.search(r"1\s200 comptes de membres à créer", page), "French digit grouping, not « 1200 »"
    assert "1200 comptes" not in page


def test_an_error_on_the_last_line_of_a_large_file_imports_nothing(admin_client, world):
    lines = _many_lines(300, 39, world.structure.siret)
    lines[-1] = lines[-1].replace("membre.299@", "membre.299-at-")
    text = _text(_preview(admin_client, _csv(*lines)))
    assert "Le fichier compte 1 erreur, rien n'a donc été enregistré." in text and 'name="token"' not in text
    assert re.search(r"<td>301</td><td>e-mail</td><td>Cette adresse e-mail n'est pas valide.", text)
    _nothing_written(world)


def test_an_account_created_meanwhile_for_the_last_line_stops_the_whole_import(app, world):
    """Between the check and the writing, another admin creates the account of the file's last line: the import
    refuses with the message of a duplicate address, and nothing of it is left."""
    lines = _many_lines(300, 39, world.structure.siret)
    plan = imports.check_import(_csv(*lines), "structures.csv")
    assert plan.can_apply
    factories.make_user("member", world.structure, email="membre.299@regie-fictive-26.fr")
    events = _count(Event)
    with pytest.raises(InvalidInput, match="Un compte existe déjà avec cette adresse e-mail."):
        imports.apply_import(plan, world.admin)
    assert _count(Structure) == 2 and _count(User) == 7 and _count(Event) == events
    assert _invitations() == [] and _count(Event, Event.kind == "structures_imported") == 0


def test_a_file_of_the_most_lines_with_every_column_filled_is_accepted(app, world):
    lines = [f"Association Fictive d'Insertion et d'Emploi Solidaire du Pays Exemple n° {number % 600};"
             f"{luhn_siret(f'83{number % 600:011d}')};Entreprise de travail temporaire d'insertion (ETTI);"
             f"Provence-Alpes-Côte d'Azur;prenom.nom-de-famille-{number}@association-fictive-{number % 600}.fr;"
             f"Prénom Nom-de-Famille {number};membre" for number in range(imports.MAX_LINES)]
    content = _csv(*lines)
    assert len(content) > 1024 * 1024
    plan = imports.check_import(content, "federation.csv")
    assert plan.problems == [] and len(plan.accounts) == imports.MAX_LINES and len(plan.new_structures) == 600


def test_import_forms_need_their_csrf_token(admin_client, world, app):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    app.config["WTF_CSRF_ENABLED"] = True
    assert _preview(admin_client, _csv(*GOOD_LINES)).status_code == 400
    assert admin_client.post("/admin/import/confirmer", data={"token": _reference(page)}).status_code == 400
    _nothing_written(world)


def test_an_old_preview_expires(admin_client, world, monkeypatch):
    page = _text(_preview(admin_client, _csv(*GOOD_LINES)))
    monkeypatch.setattr(imports, "STAGING_MAX_AGE_SECONDS", -1)
    response = admin_client.post("/admin/import/confirmer", data={"token": _reference(page)}, follow_redirects=True)
    assert "cet aperçu a expiré" in _text(response)
    _nothing_written(world)


def test_import_command_checks_then_imports(app, world, runner, tmp_path):
    path = tmp_path / "structures.csv"
    path.write_bytes(_csv(*GOOD_LINES))
    result = runner.invoke(args=["admin", "import", str(path), "--dry-run"])
    assert result.exit_code == 0 and "Rien n'a été enregistré" in result.output
    assert _count(Structure) == 2
    result = runner.invoke(args=["admin", "import", str(path)])
    assert result.exit_code == 0 and "2 structure(s) et 3 compte(s) créés" in result.output
    assert _count(Structure) == 4 and len(_invitations()) == 3
    result = runner.invoke(args=["admin", "import", str(path)])
    assert result.exit_code == 1
    assert "Erreur à la ligne 2, colonne « e-mail ». Un compte existe déjà avec cette adresse e-mail." in result.output
    assert _count(Structure) == 4


def test_import_command_reads_the_encoding_given(app, world, runner, tmp_path):
    path = tmp_path / "structures.csv"
    path.write_bytes("\r\n".join([HEADER, f"Régie du Pont;{SIRET_B};ETTI;Bretagne;;;"]).encode("mac_roman"))
    wrong = runner.invoke(args=["admin", "import", str(path), "--encoding", "utf-8"])
    assert wrong.exit_code == 1 and "Ce fichier ne se lit pas en UTF-8" in wrong.output
    result = runner.invoke(args=["admin", "import", str(path), "--encoding", "mac_roman"])
    assert result.exit_code == 0 and "Encodage lu : Mac Roman (choisi)." in result.output
    assert db.session.scalars(select(Structure.name).where(Structure.siret == SIRET_B)).one() == "Régie du Pont"


def test_the_nightly_retention_run_deletes_previews_never_imported(admin_client, world, runner):
    """A previewed file holds member names and addresses: once its reference has expired nobody can import it, so
    `retention anonymise` deletes it (the dry run only counts it); a recent preview stays importable."""
    recent = _reference(_text(_preview(admin_client, _csv(*GOOD_LINES))))
    kept = set(imports._staging_dir().glob("*.csv"))
    _preview(admin_client, _csv(GOOD_LINES[0]))
    (forgotten,) = set(imports._staging_dir().glob("*.csv")) - kept
    two_hours_ago = forgotten.stat().st_mtime - 2 * 3600
    os.utime(forgotten, (two_hours_ago, two_hours_ago))

    result = runner.invoke(args=["retention", "anonymise", "--dry-run"])
    assert result.exit_code == 0 and "1 fichier(s) d'import expiré(s) seraient supprimés." in result.output
    assert forgotten.exists()
    result = runner.invoke(args=["retention", "anonymise"])
    assert result.exit_code == 0 and "1 fichier(s) d'import expiré(s) supprimés." in result.output
    assert not forgotten.exists() and len(list(imports._staging_dir().glob("*.csv"))) == 1
    response = admin_client.post("/admin/import/confirmer", data={"token": recent}, follow_redirects=True)
    assert "créés" in _text(response) and _count(User, User.email == "cora.fictive@regie-fictive.fr") == 1
