"""Every jurist and admin form refuses bad input the same way: a 400 page with the banner saying nothing was saved,
the reason under its field, the values typed kept, and nothing written."""
import html

import pytest
from sqlalchemy import select

from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.flash.services import Audience
from helpdesk.models import Event
from helpdesk.admin import imports
from helpdesk.templating import after_colon
from helpdesk.triage import canned, routing, sla, tagging
from tests import factories
from tests.test_admin_import import HEADER, SIRET_A
from tests.test_kb import add_article
from tests.test_webinars import make_webinar

NOT_SAVED = "Rien n'a été enregistré"
# Shown, not changed: what displaying a page journals, and the counters of logins and searches.
UNTRACKED_TABLES = {"event", "auth_throttle", "search_log"}
DISPLAY_EVENTS = {"question_viewed", "inbound_mail_viewed", "webinar_questions_viewed", "satisfaction_comment_viewed"}


def database_state() -> dict:
    """Every row of every table a refusal must leave alone, and the events that are not displays."""
    db.session.expire_all()
    state = {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
             for table in db.metadata.sorted_tables if table.name not in UNTRACKED_TABLES}
    state["event"] = sorted(db.session.scalars(select(Event.id).where(Event.kind.not_in(DISPLAY_EVENTS))))
    return state


def _structure(world):
    """A new structure with a SIRET that is not one."""
    return "/admin/structures/nouvelle", {"name": "Régie Nouvelle", "siret": "123", "type": "ACI",
                                         "region": "bretagne", "active": "y"}, "Régie Nouvelle", "siret"


def _structure_same_siret(world):
    """A new structure with the SIRET of an existing one (the service's refusal)."""
    return "/admin/structures/nouvelle", {"name": "Régie Doublon", "siret": world.structure.siret, "type": "ACI",
                                         "region": "bretagne", "active": "y"}, "Régie Doublon", "siret"


def _structure_edit(world):
    """A structure's name emptied."""
    return (f"/admin/structures/{world.structure.id}", {"name": "", "siret": world.structure.siret, "type": "ACI",
                                                        "region": "occitanie"}, world.structure.siret, "name")


def _new_user(world):
    """An account with an address that is not one."""
    return "/admin/utilisateurs/nouveau", {"email": "pas-une-adresse", "name": "Zoé Nouvelle", "role": "member",
                                          "structure": world.structure.id, "invite": "y"}, "Zoé Nouvelle", "email"


def _new_user_same_email(world):
    """An account with the address of another (the service's refusal)."""
    return "/admin/utilisateurs/nouveau", {"email": world.member.email, "name": "Zoé Doublon", "role": "member",
                                          "structure": world.structure.id, "invite": "y"}, "Zoé Doublon", "email"


def _edit_user(world):
    """An account's address emptied."""
    return (f"/admin/utilisateurs/{world.colleague.id}/modifier", {"email": "", "name": "Bruno Corrigé",
                                                                   "role": "member", "structure": world.structure.id},
            "Bruno Corrigé", "email")


def _theme(world):
    """A theme named like an existing one (the service's refusal)."""
    return "/admin/themes", {"name": "réforme iae"}, "réforme iae", "name"


def _theme_edit(world):
    """A theme renamed without a letter."""
    return f"/admin/themes/{world.theme.id}/modifier", {"name": "!!!", "active": "y"}, "!!!", "name"


def _import(world):
    """The import form sent without a file."""
    return "/admin/import", {}, None, "file"


def _sla(world):
    """A resolution deadline shorter than the first response's (the service's refusal)."""
    return "/admin/delais", {"priority": "1", "theme": "0", "first_response_hours": "10",
                             "resolution_hours": "5"}, None, "resolution_hours"


def _routing(world):
    """A routing rule with neither theme nor region (the service's refusal, about the whole rule)."""
    return "/admin/routage", {"theme": "0", "region": "", "assignee": str(world.jurist.id)}, None, None


def _canned(world):
    """A canned answer without a title."""
    return "/reponses-types/nouvelle", {"title": "", "body": "Bonjour, texte gardé."}, "Bonjour, texte gardé.", "title"


def _canned_edit(world):
    """A canned answer given an unknown placeholder (the service's refusal)."""
    answer = canned.save_canned_answer(world.jurist, None, "Relance", "Bonjour {prenom_membre}")
    return (f"/reponses-types/{answer.id}", {"title": "Relance corrigée", "body": "Bonjour {inconnu}"},
            "Relance corrigée", "body")


def _absence(world):
    """An absence ending in the past (the service's refusal)."""
    return "/compte/absence", {"until": "2000-01-01"}, "2000-01-01", "until"


def _article(world):
    """A resource without a title."""
    return "/ressources/nouvelle", {"title": "", "type": "decryptage", "visibility": "members",
                                    "body": "Texte gardé de la ressource."}, "Texte gardé de la ressource.", "title"


def _article_edit(world):
    """A resource's title emptied."""
    article = add_article("cddi-pratique", "Le CDDI en pratique", "Durée et renouvellement.", status="draft")
    return (f"/ressources/{article.slug}/modifier", {"title": "", "slug": article.slug, "type": "decryptage",
                                                    "visibility": "members", "body": "Corps corrigé et gardé."},
            "Corps corrigé et gardé.", "title")


def _bulletin(world):
    """A flash info without its text."""
    return "/flash/nouveau", {"title": "Flash gardé", "summary": "", "body": "", "themes": [world.theme.slug],
                              "audience": "all"}, "Flash gardé", "body"


def _webinar(world):
    """A webinar without its date."""
    return "/webinaires/nouveau", {"title": "Webinaire gardé", "starts_at": "", "duration_minutes": "60"}, \
        "Webinaire gardé", "starts_at"


def _webinar_edit(world):
    """A webinar's title emptied."""
    webinar = make_webinar(world)
    return (f"/webinaires/{webinar.id}/modifier", {"title": "", "starts_at": "2030-03-02T10:00",
                                                   "duration_minutes": "60", "description": "Description gardée"},
            "Description gardée", "title")


def _webinar_answer(world):
    """A question of a webinar's FAQ without its answer."""
    webinar = make_webinar(world, days=-1)
    return f"/webinaires/{webinar.id}/questions", {"question": "Question gardée ?", "answer": ""}, \
        "Question gardée ?", "answer"


def _tags(world):
    """Tags that are only commas (the service's refusal)."""
    ticket = factories.make_ticket(world.member)
    return f"/questions/{ticket.reference}/etiquettes", {"tags": ",,"}, ",,", "tags"


def _merge(world):
    """A merge into a question that does not exist (the service's refusal)."""
    ticket = factories.make_ticket(world.member)
    return f"/questions/{ticket.reference}/fusionner", {"target": "Q-1999-99999"}, "Q-1999-99999", "target"


def _merge_empty(world):
    """A merge without a reference."""
    ticket = factories.make_ticket(world.member)
    return f"/questions/{ticket.reference}/fusionner", {"target": ""}, None, "target"


def _on_behalf(world):
    """A question for a member without its description."""
    return "/questions/pour-un-membre", {"send": "1", "structure": world.structure.id, "member": world.member.id,
                                         "channel": "phone", "subject": "Objet gardé au téléphone", "body": "",
                                         "theme": world.theme.id, "priority": "1"}, "Objet gardé au téléphone", "body"


def _on_behalf_no_structure(world):
    """A question for a member of no structure chosen: no member list, so the errors are all in the banner."""
    return "/questions/pour-un-membre", {"send": "1", "structure": "0", "subject": "Objet gardé sans structure",
                                         "body": ""}, None, None


FORMS = {
    "structure": ("admin", _structure), "structure_same_siret": ("admin", _structure_same_siret),
    "structure_edit": ("admin", _structure_edit), "new_user": ("admin", _new_user),
    "new_user_same_email": ("admin", _new_user_same_email), "edit_user": ("admin", _edit_user),
    "theme": ("admin", _theme), "theme_edit": ("admin", _theme_edit), "import": ("admin", _import),
    "sla": ("admin", _sla), "routing": ("admin", _routing),
    "canned": ("jurist", _canned), "canned_edit": ("jurist", _canned_edit), "absence": ("jurist", _absence),
    "article": ("jurist", _article), "article_edit": ("jurist", _article_edit), "bulletin": ("jurist", _bulletin),
    "webinar": ("jurist", _webinar), "webinar_edit": ("jurist", _webinar_edit),
    "webinar_answer": ("jurist", _webinar_answer), "tags": ("jurist", _tags), "merge": ("jurist", _merge),
    "merge_empty": ("jurist", _merge_empty), "on_behalf": ("jurist", _on_behalf),
    "on_behalf_no_structure": ("jurist", _on_behalf_no_structure),
}


@pytest.mark.parametrize("name", FORMS)
def test_a_refused_staff_form_says_nothing_was_saved_keeps_the_values_and_changes_nothing(client, world, login,
                                                                                        name):
    """The page comes back (400) with the banner, the reason under the field it is about (the banner links to it),
    the values typed in their fields, and the database as it was."""
    role, case = FORMS[name]
    url, data, kept, field = case(world)
    login(getattr(world, role))
    before = database_state()
    response = client.post(url, data=data, content_type="multipart/form-data")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400, name
    # Opening the banner after « Erreur : » (a refused field), or after the reason of a service's refusal.
    assert after_colon(NOT_SAVED) in page or NOT_SAVED in page, name
    if field is not None:
        assert f'<a href="#{field}">' in page and f'id="{field}-error"' in page, name
    if kept is not None:
        assert kept in page, name
    assert "Traceback" not in page
    assert database_state() == before, name


def test_a_refused_bulk_action_says_nothing_was_saved_and_changes_nothing(client, world, login):
    """The queue comes back with the questions ticked and the banner saying nothing was done, with the reason."""
    ticket = factories.make_ticket(world.member, priority=1)
    login(world.jurist)
    before = database_state()
    page = html.unescape(client.post("/file/actions", data={"ids": [ticket.id], "action": "reclasser",
                                                            "reclass_theme": "999999", "reclass_priority": ""},
                                     follow_redirects=True).get_data(as_text=True))
    assert "choisissez l'une des valeurs proposées pour « Nouveau thème ». Rien n'a été enregistré." in page
    page = html.unescape(client.post("/file/actions", data={"ids": [], "action": "clore"},
                                     follow_redirects=True).get_data(as_text=True))
    assert "cochez au moins une question. Rien n'a été enregistré." in page
    assert database_state() == before


@pytest.mark.parametrize("asked, reason", [
    ({"reclass_theme": "", "reclass_priority": "1"}, "La question a déjà cette urgence."),
    ({"reclass_theme": "THEME", "reclass_priority": ""}, "La question a déjà ce thème."),
    ({"reclass_theme": "0", "reclass_priority": ""}, "La question est déjà sans thème."),
    ({"reclass_theme": "THEME", "reclass_priority": "1"}, "La question a déjà ce thème et cette urgence."),
])
def test_bulk_reclassification_to_what_the_question_has_names_what_was_asked(client, world, login, asked, reason):
    """Only an urgency asked is refused as the urgency the question has, not as its theme and its urgency."""
    theme_id = world.theme.id if asked["reclass_theme"] != "0" else None
    ticket = factories.make_ticket(world.member, priority=1, theme_id=theme_id)
    login(world.jurist)
    data = {**asked, "reclass_theme": asked["reclass_theme"].replace("THEME", str(world.theme.id))}
    before = database_state()
    page = html.unescape(client.post("/file/actions", data={"ids": [ticket.id], "action": "reclasser", **data},
                                     follow_redirects=True).get_data(as_text=True))
    assert f"aucune question traitée. 1 refusée ({ticket.reference} — {reason.rstrip('.')})." in page
    assert database_state() == before



def test_staff_refusals_in_the_banner_read_with_one_colon(client, world, login):
    """« Erreur : ce compte est désactivé : réactivez-le … » read two colons in one sentence: now a full stop."""
    login(world.admin)
    client.post(f"/admin/utilisateurs/{world.colleague.id}/activation")
    page = html.unescape(client.post(f"/admin/utilisateurs/{world.colleague.id}/invitation",
                                     follow_redirects=True).get_data(as_text=True))
    banner = factories.error_banner(page)
    assert "ce compte est désactivé. Réactivez-le avant de renvoyer une invitation." in banner
    assert banner.count(" : ") == 1
    with_password = html.unescape(client.post(f"/admin/utilisateurs/{world.member.id}/invitation",
                                              follow_redirects=True).get_data(as_text=True))
    assert factories.error_banner(with_password).count(" : ") == 1


@pytest.mark.parametrize("values", [{"title": " "}, {"duration_minutes": 5}, {"speakers": ("x" * 121,)},
                                    {"theme_ids": (999_999,)}, {"join_url": "ftp://visio"}])
def test_a_refused_webinar_says_why_in_a_sentence_without_a_colon(world, values):
    """Shown after « Erreur : » in the banner, a webinar's refusal read « Erreur : durée : de 15 à 480 minutes. »."""
    with pytest.raises(InvalidInput) as refused:
        make_webinar(world, **values)
    assert " : " not in refused.value.message


@pytest.mark.parametrize("audience", [Audience(all_members=False), Audience(all_members=False, regions=["atlantide"]),
                                      Audience(all_members=False, structure_types=["XYZ"])])
def test_a_refused_flash_audience_says_why_in_a_sentence_without_a_colon(audience):
    """Shown after « Erreur : » in the banner, it read « Erreur : public : région inconnue. »."""
    with pytest.raises(InvalidInput) as refused:
        audience.validate()
    assert " : " not in refused.value.message


def _one_colon_at_most(message: str) -> bool:
    """Whether a message, shown after « Erreur : » (or alone, in the API), adds no colon of its own."""
    return " : " not in message and "\u00a0: " not in message


@pytest.mark.parametrize("content, filename, encoding", [
    (b"structure;siret", "structures.xlsx", ""),
    ("structure;siret\r\nRégie;1".encode("cp1252"), "structures.csv", "utf-8"),
    (f'{HEADER}\r\n"Atelier;{SIRET_A};ACI'.encode(), "structures.csv", ""),
    (f"{HEADER};e-mail\r\n".encode(), "structures.csv", ""),
    (f"{HEADER}\r\nAtelier;{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;Anna "
     "Exemple;juriste\r\n".encode(), "structures.csv", ""),
    (f"{HEADER}\r\nAtelier;{SIRET_A};ACI;Bretagne;a@atelier-exemple.fr;Anna "
     "Exemple;stagiaire\r\n".encode(), "structures.csv", ""),
])
def test_an_import_line_refused_says_why_without_a_second_colon(world, content, filename, encoding):
    """Listed under « Erreur » or after « Erreur à la ligne 3 … », a refused line read « Rôle non autorisé : l'import
    crée … » or « … (colonnes 5, 8) : gardez-en une seule. »."""
    plan = imports.check_import(content, filename, encoding)
    assert plan.problems
    assert all(_one_colon_at_most(problem.message) for problem in plan.problems), plan.problems


def test_an_import_line_refused_for_a_known_siret_says_why_without_a_second_colon(world):
    """« Ce SIRET est celui de la structure existante … : corrigez la ligne … »: now two sentences."""
    line = f"Autre nom;{world.structure.siret};ACI;Bretagne;a@atelier-exemple.fr;Anna Exemple;"
    plan = imports.check_import(f"{HEADER}\r\n{line}\r\n".encode(), "structures.csv")
    assert [problem.message for problem in plan.problems] == [
        f"Ce SIRET est celui de la structure existante « {world.structure.name} », dont la valeur diffère. Corrigez "
        "la ligne ou laissez la case vide."]


@pytest.mark.parametrize("url, role", [
    ("/api/v1/questions?page=0", "member"), ("/api/v1/questions?state=toutes", "member"),
    ("/api/v1/questions?page=1&page=2", "member"), ("/api/v1/articles?q=" + "x" * 300, "member"),
    ("/api/v1/articles?" + "&".join(f"theme=theme-{number}" for number in range(11)), "member"),
    ("/api/v1/queue?theme=1&theme=2", "jurist"),
])
def test_api_refusals_of_a_query_say_why_without_a_colon(app, world, url, role):
    """The API's « message » read « page : un entier de 1 à 10000 est attendu. »."""
    response = app.test_client().get(url, headers=factories.bearer(factories.make_api_token(getattr(world, role))))
    assert response.status_code == 422
    assert _one_colon_at_most(response.json["error"]["message"]), response.json


@pytest.mark.parametrize("body", [{"subject": "Objet"}, {"subject": 12, "body": "x" * 30, "theme_id": None},
                                  {"subject": "Un objet\u0000", "body": "x" * 30},
                                  {"subject": "Un objet clair", "body": "court"},
                                  {"subject": "x" * 201, "body": "x" * 30}, {"sujet": "Objet"}])
def test_api_refusals_of_a_new_question_say_why_without_a_colon(app, world, body):
    """« subject : 200 caractères au maximum. » now names the field in a sentence, and a text too long or too short
    says its length."""
    response = app.test_client().post("/api/v1/questions", json=body,
                                      headers=factories.bearer(factories.make_api_token(world.member)))
    assert response.status_code in (400, 422)
    message = response.json["error"]["message"]
    assert _one_colon_at_most(message), message
    if body.get("subject") == "x" * 201:
        assert message == ("Le champ « subject » accepte 200 caractères au maximum (votre texte en compte 201).")


def test_api_scope_and_idempotency_refusals_say_why_without_a_colon(app, world):
    """« Ce jeton est en lecture seule : pour modifier … », « En-tête Idempotency-Key : 1 à 255 … »."""
    ticket = factories.make_ticket(world.member)
    api = app.test_client()
    read_only = api.post(f"/api/v1/questions/{ticket.reference}/messages", json={"body": "Une réponse"},
                         headers=factories.bearer(factories.make_api_token(world.member, scope="read")))
    bad_key = api.post(f"/api/v1/questions/{ticket.reference}/messages", json={"body": "Une réponse"},
                       headers={**factories.bearer(factories.make_api_token(world.member)),
                                "Idempotency-Key": "é" * 3})
    assert read_only.status_code == 403 and bad_key.status_code == 422
    for response in (read_only, bad_key):
        assert _one_colon_at_most(response.json["error"]["message"]), response.json


def test_routing_and_deadline_warnings_read_without_a_second_colon(world):
    """Listed under « À vérifier », a warning read « La règle 2 ne s'appliquera jamais : la règle 1 … » or « Tous les
    thèmes : une question « Urgente » a plus de temps … »."""
    routing.add_rule(world.admin, None, "bretagne", world.jurist.id)
    routing.add_rule(world.admin, world.theme.id, "bretagne", world.jurist2.id)
    routing.add_rule(world.admin, None, "occitanie", None)
    routing.add_rule(world.admin, world.theme.id, "occitanie", world.jurist2.id)
    retired = factories.make_theme(name="Marchés publics", slug="marches-publics", active=False)
    routing.add_rule(world.admin, retired.id, None, None)
    sla.save_policy(world.admin, 3, None, 40, 60)
    sla.save_policy(world.admin, 3, world.theme.id, 12, 300)
    warnings = [*routing.rule_warnings(routing.ordered_rules()), *sla.policy_warnings()]
    assert len(warnings) >= 5
    assert all(_one_colon_at_most(warning) for warning in warnings), warnings


def test_bulk_action_refusals_in_the_banner_read_with_one_colon(client, world, login):
    """« Erreur : aucune question traitée. 1 refusée : Q-2026-00001 — … » read two colons."""
    ticket = factories.make_ticket(world.member)
    login(world.jurist)
    page = html.unescape(client.post("/file/actions", data={"ids": [ticket.id], "action": "assigner", "assignee": 0},
                                     follow_redirects=True).get_data(as_text=True))
    banner = factories.error_banner(page)
    assert f"aucune question traitée. 1 refusée ({ticket.reference} — La question n'est déjà assignée à personne)." in banner
    assert banner.count(" : ") == 1
    report = tagging.BulkReport(done=["Q-2026-00001"], refused=[("Q-2026-00002", "Cette question est clôturée.")])
    assert report.summary() == ("1 question traitée (Q-2026-00001). 1 refusée (Q-2026-00002 — Cette question est "
                                "clôturée).")


@pytest.mark.parametrize("body", ["Bonjour {prenom}", "Bonjour {prenom} et {nom}", "Au sujet de {objet. Merci"])
def test_a_refused_canned_answer_variable_says_why_without_a_colon(world, body):
    """« Variable inconnue : {prenom}. Variables possibles : {prenom_membre}, … » read two colons after « Erreur : »."""
    with pytest.raises(InvalidInput) as refused:
        canned.save_canned_answer(world.jurist, None, "Titre", body)
    assert _one_colon_at_most(refused.value.message), refused.value.message


def _length_told(page: str, maximum: str, length: str) -> bool:
    """Whether a refused page says the limit and the length of the text typed, the reader's way."""
    return f"{maximum} caractères au maximum (votre texte en compte {length})." in html.unescape(page)


@pytest.mark.parametrize("who, url, data, maximum, length", [
    ("admin", "/admin/utilisateurs/nouveau", {"email": "nina@federation-exemple.fr", "name": "N" * 130,
                                              "role": "jurist", "password": "un-mot-de-passe-solide"}, "120", "130"),
    ("admin", "/admin/structures/nouvelle", {"name": "R" * 230, "siret": "", "type": "ACI", "region": "bretagne"},
     "200", "230"),
    ("admin", "/admin/themes", {"name": "T" * 125}, "120", "125"),
    ("member", "/questions/nouvelle", {"subject": "S" * 215, "theme": "THEME", "body": "B" * 40, "priority": "1"},
     "200", "215"),
    ("jurist", "/ressources/nouvelle", {"title": "T" * 320, "body": "Texte.", "type": "decryptage",
                                        "visibility": "members"}, "300", "320"),
    ("jurist", "/webinaires/nouveau", {"title": "W" * 310, "starts_at": "2026-12-01T10:00", "duration_minutes": "60"},
     "300", "310"),
])
def test_a_text_over_its_limit_is_refused_saying_the_limit_and_its_length(client, world, login, who, url, data,
                                                                          maximum, length):
    """« 120 caractères au maximum. » (or « Champ trop long » from WTForms) left the writer counting: the refusal now
    says how long the text typed is, and nothing is saved."""
    login(getattr(world, who))
    data = {key: str(world.theme.id) if value == "THEME" else value for key, value in data.items()}
    before = database_state()
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert _length_told(response.get_data(as_text=True), maximum, length)
    assert database_state() == before
