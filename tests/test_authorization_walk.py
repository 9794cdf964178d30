"""Every route of the URL map × every kind of visitor × ownership, against a table of expected answers.

A route added without a line in CASES makes test_every_route_has_a_rule fail: decide who may reach it.
"""
import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest

from helpdesk.attachments.services import save_upload
from helpdesk.auth.services import set_active
from helpdesk.extensions import db
from helpdesk.flash.services import Audience, publish_bulletin, save_bulletin, unsubscribe_token
from helpdesk.kb.services import save_article
from helpdesk.models import RoutingRule, SlaRule
from helpdesk.stats.services import DASHBOARD_CHARTS, REPORT_CHARTS
from helpdesk.triage import canned
from helpdesk.webinars.services import WebinarValues, register_interest, save_webinar, send_question
from helpdesk.tickets import services
from tests import factories
from helpdesk.api.tokens import create_token
from helpdesk.models._types import utcnow
from tests.factories import docx_bytes, pdf_bytes

# A response left holding a request context shows up as an "exception ignored" at garbage collection: fail on it.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

# Visitors, in the order the expectations list them. Each gets fresh objects, so one visitor's
# successful action (closing, deleting, withdrawing) never changes what the next one sees.
PERSONAS = ("anonymous", "deactivated", "outsider", "inactive", "member", "jurist", "admin")
TAMPERING = {"body": "Message forgé", "kind": "note", "status_after": "waiting", "status": "closed",
             "assignee": "0", "structure_id": "2", "ticket_id": "1", "name": "", "email": "x@y.fr"}


@dataclass(frozen=True)
class Case:
    """One request and the status each persona must get; `target` picks the object in the URL."""

    method: str
    rule: str
    expect: str
    target: str = ""
    data: dict = field(default_factory=dict)
    fresh: bool = False  # each persona gets new objects: one's success would change what the next sees

    @property
    def statuses(self) -> dict[str, int]:
        """The expectation as {persona: status}."""
        return dict(zip(PERSONAS, map(int, self.expect.split()), strict=True))


LOGIN = "302 302 302 302 302 302 302"
MEMBERS = "302 302 200 200 200 403 403"
STAFF = "302 302 403 403 403 200 200"
ADMIN = "302 302 403 403 403 403 200"
ACCOUNT = "302 302 200 200 200 200 200"
QUESTION_READ = "302 302 404 404 200 200 200"
QUESTION_WRITE = "302 302 404 404 302 302 302"
QUESTION_STAFF = "302 302 404 404 403 302 302"
# A form posted empty by each visitor allowed to send it: refused (400) with its banner.
STAFF_REFUSED = "302 302 403 403 403 400 400"
ADMIN_REFUSED = "302 302 403 403 403 403 400"
QUESTION_STAFF_REFUSED = "302 302 404 404 403 400 400"
EVERYONE = "200 200 200 200 200 200 200"
STAFF_ACTION = "302 302 403 403 403 302 302"
ADMIN_ACTION = "302 302 403 403 403 403 302"
API = "401 401 401 401 401 401 401"

CASES = [
    Case("GET", "/", LOGIN),
    Case("GET", "/connexion", "200 200 302 302 302 302 302"),
    Case("POST", "/connexion", "200 200 302 302 302 302 302"),
    Case("POST", "/deconnexion", LOGIN),
    Case("GET", "/compte/mot-de-passe", ACCOUNT),
    Case("POST", "/compte/mot-de-passe", "302 302 400 400 400 400 400"),  # refused: no password
    Case("POST", "/compte/nom", LOGIN, data={"name": "Nom Corrigé"}),
    Case("GET", "/questions/", MEMBERS),
    Case("GET", "/questions/nouvelle", "302 302 200 302 200 403 403"),
    Case("POST", "/questions/nouvelle", "302 302 400 302 400 403 403"),  # refused: nothing filled
    Case("GET", "/questions/<reference>", QUESTION_READ),
    Case("POST", "/questions/<reference>/repondre", QUESTION_WRITE, data={"body": "Une précision.", "kind": "note"}),
    # Text would stop it; members confirm first (without "confirme", the confirmation page: 200).
    Case("POST", "/questions/<reference>/cloturer", QUESTION_WRITE, data={"body": "", "confirme": "1"}),
    Case("POST", "/questions/<reference>/prendre", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/assigner", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/statut", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/classement", QUESTION_STAFF),
    Case("GET", "/questions/<reference>/supprimer", ADMIN),  # asks to confirm
    Case("POST", "/questions/<reference>/supprimer", ADMIN.replace("200", "302")),
    Case("GET", "/file/", STAFF),
    Case("GET", "/accessibilite", EVERYONE),
    Case("GET", "/.well-known/security.txt", EVERYONE),
    Case("POST", "/langue", "302 302 302 302 302 302 302"),
    Case("GET", "/ressources/", EVERYONE),
    Case("GET", "/ressources/suggestions", EVERYONE),
    Case("POST", "/ressources/suggestions", EVERYONE),  # the question form's script posts the words
    Case("GET", "/ressources/nouvelle", STAFF),
    Case("POST", "/ressources/nouvelle", STAFF_REFUSED),
    Case("GET", "/ressources/<slug>", "404 404 200 200 200 200 200", target="members"),
    Case("GET", "/ressources/<slug>", EVERYONE, target="public"),
    Case("GET", "/ressources/<slug>", "404 404 404 404 404 200 200", target="jurists"),
    Case("GET", "/ressources/<slug>", "404 404 404 404 404 200 200", target="draft"),
    Case("GET", "/ressources/<slug>/modifier", STAFF, target="members"),
    Case("POST", "/ressources/<slug>/modifier", "302 302 403 403 403 302 302", target="members",
         data={"title": "Ressource revue", "body": "Texte revu", "type": "decryptage", "visibility": "members"}),
    Case("POST", "/ressources/<slug>/statut", "302 302 403 403 403 302 302", target="members",
         data={"status": "archived"}),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 200 200 200", target="question_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 200 200 200", target="reply_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 404 200 200", target="note_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 200 200 200 200 200", target="members_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", EVERYONE, target="public_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 404 200 200", target="jurists_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>/retirer", STAFF, target="members_file"),  # asks to confirm
    Case("GET", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 404 404 403 403 403", target="question_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 404 404 404 403 403", target="note_file"),
    Case("POST", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 403 403 403 302 302", target="members_file",
         fresh=True),
    Case("POST", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 404 404 403 403 403", target="question_file"),
    Case("POST", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 404 404 404 403 403", target="note_file"),
    Case("GET", "/admin/", ADMIN),
    Case("GET", "/admin/structures", ADMIN),
    Case("GET", "/admin/structures/nouvelle", ADMIN),
    Case("POST", "/admin/structures/nouvelle", ADMIN_REFUSED),
    Case("GET", "/admin/structures/<int:structure_id>", ADMIN),
    Case("POST", "/admin/structures/<int:structure_id>", ADMIN_REFUSED),
    Case("GET", "/admin/utilisateurs", ADMIN),
    Case("GET", "/admin/utilisateurs/nouveau", ADMIN),
    Case("POST", "/admin/utilisateurs/nouveau", ADMIN_REFUSED),
    Case("GET", "/admin/utilisateurs/<int:user_id>/modifier", ADMIN),
    Case("POST", "/admin/utilisateurs/<int:user_id>/modifier", ADMIN_REFUSED),
    Case("POST", "/admin/utilisateurs/<int:user_id>/activation", ADMIN.replace("200", "302")),
    Case("GET", "/admin/themes", ADMIN),
    Case("POST", "/admin/themes", ADMIN_REFUSED),
    Case("GET", "/admin/themes/<int:theme_id>/activation", ADMIN),  # asks to confirm retiring it
    Case("POST", "/admin/themes/<int:theme_id>/activation", ADMIN.replace("200", "302")),
    Case("GET", "/admin/themes/<int:theme_id>/modifier", ADMIN),
    Case("POST", "/admin/themes/<int:theme_id>/modifier", ADMIN_REFUSED),
    Case("GET", "/admin/journal/", ADMIN),
    Case("GET", "/admin/import", ADMIN),
    Case("POST", "/admin/import", ADMIN_REFUSED),  # no file: the form asks for one
    Case("GET", "/admin/import/modele.csv", ADMIN),
    Case("POST", "/admin/import/confirmer", ADMIN_ACTION),  # no valid reference: back to the form
    Case("GET", "/donnees-personnelles", EVERYONE),
    Case("GET", "/compte/mes-donnees.zip", ACCOUNT),
    Case("GET", "/admin/utilisateurs/<int:user_id>/anonymiser", ADMIN),
    Case("POST", "/admin/utilisateurs/<int:user_id>/anonymiser", ADMIN.replace("200", "302")),
    Case("GET", "/admin/structures/<int:structure_id>/anonymiser", ADMIN),  # asks to confirm
    Case("POST", "/admin/structures/<int:structure_id>/anonymiser", ADMIN.replace("200", "302")),
    Case("GET", "/admin/journal/export.csv", ADMIN),
    # Account pages, password links, notifications, API tokens
    Case("GET", "/compte/", ACCOUNT),
    Case("GET", "/compte/notifications", ACCOUNT),
    Case("POST", "/compte/notifications", LOGIN, data={"notify_mode": "immediate"}),
    Case("GET", "/compte/jetons", ACCOUNT),
    Case("POST", "/compte/jetons", "302 302 400 400 400 400 400"),  # refused: no name
    Case("GET", "/compte/jetons/<int:token_id>/revoquer", "302 302 404 404 200 404 404"),  # asks to confirm
    Case("POST", "/compte/jetons/<int:token_id>/revoquer", "302 302 404 404 302 404 404", fresh=True),
    Case("GET", "/mot-de-passe-oublie", EVERYONE),
    Case("POST", "/mot-de-passe-oublie", "302 302 302 302 302 302 302"),  # public: mails a link, back to login,
    Case("GET", "/mot-de-passe/nouveau/<token>", "400 400 400 400 400 400 400"),
    Case("POST", "/mot-de-passe/nouveau/<token>", "400 400 400 400 400 400 400"),
    Case("GET", "/healthz", "503 503 503 503 503 503 503"),  # public; 503 here: no search index built,
    # Triage: canned answers, tags, merge, FAQ, satisfaction, bulk actions, filing on behalf, SLA and routing
    Case("GET", "/compte/absence", STAFF),
    Case("POST", "/compte/absence", STAFF_ACTION),
    Case("GET", "/reponses-types/", STAFF),
    Case("GET", "/reponses-types/nouvelle", STAFF),
    Case("POST", "/reponses-types/nouvelle", STAFF_REFUSED),
    Case("GET", "/reponses-types/<int:answer_id>", STAFF),
    Case("POST", "/reponses-types/<int:answer_id>", STAFF_ACTION, data={"title": "Réponse revue", "body": "Texte"}),
    Case("GET", "/reponses-types/<int:answer_id>/supprimer", STAFF),
    Case("POST", "/reponses-types/<int:answer_id>/supprimer", STAFF_ACTION, fresh=True),
    Case("POST", "/questions/<reference>/rediger", "302 302 404 404 403 200 200"),
    Case("POST", "/questions/<reference>/etiquettes", QUESTION_STAFF_REFUSED),
    Case("POST", "/questions/<reference>/etiquettes/retirer", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/suivre", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/ne-plus-suivre", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/fusionner", QUESTION_STAFF_REFUSED),
    Case("POST", "/questions/<reference>/proposer-faq", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/avis", QUESTION_WRITE, data={"rating": "4"}),
    Case("GET", "/satisfaction", STAFF),
    Case("POST", "/file/actions", STAFF_ACTION),
    Case("GET", "/questions/pour-un-membre", STAFF),
    Case("POST", "/questions/pour-un-membre", STAFF),
    Case("GET", "/admin/delais", ADMIN),
    Case("POST", "/admin/delais", ADMIN_REFUSED),
    Case("GET", "/admin/delais/<int:rule_id>/supprimer", ADMIN, target="sla_rule"),  # asks to confirm
    Case("POST", "/admin/delais/<int:rule_id>/supprimer", ADMIN_ACTION, target="sla_rule", fresh=True),
    Case("POST", "/admin/routage", ADMIN_REFUSED),
    Case("GET", "/admin/routage", ADMIN),
    Case("POST", "/admin/routage/<int:rule_id>/<any(monter, descendre):action>", ADMIN_ACTION,
         target="routing_rule", fresh=True),
    Case("GET", "/admin/routage/<int:rule_id>/supprimer", ADMIN, target="routing_rule"),  # asks to confirm
    Case("POST", "/admin/routage/<int:rule_id>/supprimer", ADMIN_ACTION, target="routing_rule", fresh=True),
    Case("POST", "/admin/utilisateurs/<int:user_id>/invitation", ADMIN_ACTION),
    # Mail: inbound mail for jurists, outbox for admins
    Case("GET", "/courriels", STAFF),
    Case("GET", "/courriels/<int:inbound_id>", "302 302 403 403 403 404 404"),
    Case("POST", "/courriels/<int:inbound_id>/rattacher", "302 302 403 403 403 404 404"),
    Case("GET", "/courriels/<int:inbound_id>/ecarter", "302 302 403 403 403 404 404"),  # asks to confirm
    Case("POST", "/courriels/<int:inbound_id>/ecarter", "302 302 403 403 403 404 404"),
    Case("GET", "/admin/courriels", ADMIN),
    Case("POST", "/admin/courriels/<int:outbox_id>/renvoyer", "302 302 403 403 403 403 404"),
    Case("POST", "/admin/courriels/envoyer", ADMIN_ACTION),
    # Knowledge base review
    Case("GET", "/ressources/a-verifier", STAFF),
    Case("GET", "/ressources/references", STAFF),
    Case("POST", "/ressources/references", STAFF_REFUSED),
    Case("POST", "/ressources/<slug>/verifiee", STAFF_ACTION, target="members"),
    # Statistics
    Case("GET", "/statistiques/", STAFF),
    Case("GET", "/statistiques/graphiques/<name>.svg", STAFF),
    Case("GET", "/statistiques/export/questions.csv", STAFF),
    Case("GET", "/statistiques/rapport/", STAFF_ACTION),
    Case("GET", "/statistiques/rapport/<int:year>", STAFF),
    Case("GET", "/statistiques/rapport/<int:year>.csv", STAFF),
    Case("GET", "/statistiques/rapport/<int:year>/graphiques/<name>.svg", STAFF),
    # Webinars
    Case("GET", "/webinaires/", ACCOUNT),
    Case("GET", "/webinaires/<int:webinar_id>", ACCOUNT),
    Case("GET", "/webinaires/nouveau", STAFF),
    Case("POST", "/webinaires/nouveau", STAFF_REFUSED),
    Case("GET", "/webinaires/<int:webinar_id>/modifier", STAFF),
    Case("POST", "/webinaires/<int:webinar_id>/modifier", STAFF_ACTION,
         data={"title": "Webinaire revu", "starts_at": "2030-03-05T10:00", "duration_minutes": "60"}),
    Case("POST", "/webinaires/<int:webinar_id>/inscription", "302 302 302 302 302 403 403"),
    # The member sent a question ahead: without "confirme", the page asking to withdraw it too (200).
    Case("POST", "/webinaires/<int:webinar_id>/desinscription", "302 302 302 302 302 403 403", data={"confirme": "1"}),
    Case("POST", "/webinaires/<int:webinar_id>/questions", STAFF_REFUSED),  # the refused (empty) entry comes back
    Case("GET", "/webinaires/<int:webinar_id>/agenda.ics", "302 302 403 403 200 200 200"),  # member: registered
    Case("POST", "/webinaires/<int:webinar_id>/mes-questions", "302 302 400 400 400 403 403"),  # refused: no text
    # The member's own question; another structure's member does not find it.
    Case("GET", "/webinaires/<int:webinar_id>/mes-questions/<int:question_id>/supprimer",
         "302 302 404 404 200 403 403"),  # asks to confirm
    Case("POST", "/webinaires/<int:webinar_id>/mes-questions/<int:question_id>/supprimer",
         "302 302 404 404 302 403 403", fresh=True),
    # Flash info
    Case("GET", "/flash/", "302 302 302 302 302 200 200"),  # members are sent to the flash info resources
    Case("GET", "/flash/nouveau", STAFF),
    Case("POST", "/flash/nouveau", STAFF_REFUSED),
    Case("GET", "/flash/<slug>/modifier", STAFF, target="flash"),
    Case("POST", "/flash/<slug>/modifier", STAFF_REFUSED, target="flash"),
    Case("GET", "/flash/<slug>/apercu", STAFF, target="flash"),
    Case("POST", "/flash/<slug>/publier", STAFF_ACTION, target="flash", fresh=True),
    Case("POST", "/flash/<slug>/lire", "302 302 302 302 302 403 403", target="flash"),
    Case("POST", "/flash/<slug>/lu", "302 302 302 302 302 403 403", target="flash"),
    Case("GET", "/flash/abonnements", MEMBERS),
    Case("POST", "/flash/abonnements", "302 302 302 302 302 403 403"),
    Case("GET", "/flash/desabonnement/<token>", EVERYONE),
    Case("POST", "/flash/desabonnement/<token>", EVERYONE),
    # API: bearer tokens only, session cookies are ignored
    Case("GET", "/api/v1/openapi.json", EVERYONE),
    Case("GET", "/api/v1/me", API),
    Case("GET", "/api/v1/articles", API),
    Case("GET", "/api/v1/articles/<slug>", API, target="members"),
    Case("GET", "/api/v1/questions", API),
    Case("POST", "/api/v1/questions", API),
    Case("GET", "/api/v1/questions/<reference>", API),
    Case("POST", "/api/v1/questions/<reference>/claim", API),
    Case("GET", "/api/v1/questions/<reference>/messages", API),
    Case("POST", "/api/v1/questions/<reference>/messages", API),
    Case("GET", "/api/v1/queue", API),
]


def test_every_route_has_a_rule(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(case.method, case.rule) for case in CASES}
    assert routes - covered == set(), "routes without an authorisation rule in CASES"
    assert covered - routes == set(), "rules for routes that no longer exist"


def _objects(world, number: int) -> SimpleNamespace:
    """A question of the world's structure with a file on it, on a reply and on a note, and resources of
    every audience (with a file each), all new for one persona."""
    ticket = factories.make_ticket(world.member, attachments=[("contrat.pdf", pdf_bytes())])
    reply = services.add_message(ticket, world.jurist, "Réponse", attachments=[("reponse.pdf", pdf_bytes())])
    note = services.add_message(ticket, world.jurist, "Note", internal=True, attachments=[("note.pdf", pdf_bytes())])
    objects = SimpleNamespace(reference=ticket.reference, question_file=ticket.attachments[0].id,
                              reply_file=reply.attachments[0].id, note_file=note.attachments[0].id)
    for audience in ("members", "public", "jurists", "draft"):
        article = save_article(None, {"slug": f"{audience}-{number}", "title": f"Ressource {audience}", "body": "Texte",
                                      "visibility": "members" if audience == "draft" else audience}, world.jurist)
        article.status = "draft" if audience == "draft" else "published"
        attachment = save_upload(docx_bytes(), "modele.docx", uploader=world.jurist, article=article)
        db.session.commit()
        setattr(objects, f"{audience}_slug", article.slug)
        setattr(objects, f"{audience}_file", attachment.id)
    objects.answer_id = canned.save_canned_answer(world.jurist, None, f"Réponse type {number}", "Texte").id
    webinar = save_webinar(None, WebinarValues(title=f"Webinaire {number}", starts_at=utcnow() + timedelta(days=7)),
                           world.jurist)
    register_interest(webinar, world.member)
    objects.webinar_id = webinar.id
    objects.question_id = send_question(webinar, world.member, "Question envoyée à l'avance ?").id
    bulletin = save_bulletin(None, {"title": f"Flash {number}", "summary": "Ce qui change.", "body": "Texte",
                                    "themes": [world.theme.slug]}, Audience(), world.jurist)
    publish_bulletin(bulletin, world.jurist)
    objects.flash_slug = bulletin.slug
    objects.token_id = create_token(world.member, f"Jeton {number}", "write", 30)[0].id
    theme = factories.make_theme(name=f"Thème {number}", slug=f"theme-{number}")
    objects.sla_rule = SlaRule(priority=1, theme_id=theme.id, first_response_minutes=60, resolution_minutes=600)
    objects.routing_rule = RoutingRule(position=number + 1, theme_id=world.theme.id)
    db.session.add_all([objects.sla_rule, objects.routing_rule])
    db.session.commit()
    objects.sla_rule, objects.routing_rule = objects.sla_rule.id, objects.routing_rule.id
    return objects


def _url(case: Case, world, objects) -> str:
    """The rule with its variables filled for this persona's objects."""
    values = {"reference": objects.reference, "structure_id": world.structure.id, "user_id": world.colleague.id,
              "theme_id": world.theme.id, "slug": getattr(objects, f"{case.target}_slug", None),
              "attachment_id": getattr(objects, case.target, None), "answer_id": objects.answer_id,
              "webinar_id": objects.webinar_id, "question_id": objects.question_id, "token_id": objects.token_id, "rule_id": getattr(objects, case.target, None),
              "action": "descendre", "inbound_id": 999999, "outbox_id": 999999, "name": next(iter(REPORT_CHARTS if "rapport" in case.rule else DASHBOARD_CHARTS)), "year": utcnow().year,
              "token": unsubscribe_token(world.member) if case.rule.startswith("/flash") else "lien-invalide"}
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", lambda match: str(values[match.group(1)]), case.rule)


def _client_for(app, world, persona: str, login_as):
    """A browser logged in as the persona (the deactivated one logged in before being deactivated)."""
    client = app.test_client()
    if persona == "anonymous":
        return client
    if persona == "deactivated":
        user = factories.make_user("member", world.structure)
        login_as(client, user)
        set_active(user, False, world.admin)
        return client
    if persona == "inactive":
        structure = factories.make_structure(active=False)
        login_as(client, factories.make_user("member", structure))
        return client
    login_as(client, getattr(world, persona))
    return client


def _login_as(client, user):
    """Log a user in on this client."""
    response = client.post("/connexion", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, "login failed"


@pytest.fixture
def walk_app(app):
    """The app with room for a login per persona and without search-index work after each request."""
    app.config.update(LOGIN_RATE_LIMIT="1000 per minute", PASSWORD_RESET_RATE_LIMIT="1000 per minute",
                      LOCKOUT_ACCOUNT_FAILURES=1000, LOCKOUT_ADDRESS_FAILURES=1000, SEARCH_SYNC_AFTER_REQUEST=False)
    return app


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.method} {case.rule} {case.target}".strip())
def test_route_answers_each_visitor_as_the_rules_say(walk_app, world, case):
    app = walk_app
    answers = {}
    objects = None
    for number, persona in enumerate(PERSONAS):
        if objects is None or case.fresh:
            objects = _objects(world, number)
        client = _client_for(app, world, persona, _login_as)
        url = _url(case, world, objects)
        if case.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**TAMPERING, **case.data},
                                   content_type="multipart/form-data" if "attachments" in case.data else None)
        answers[persona] = response.status_code
        # As a WSGI server does: a streamed body left unread (CSV exports) must release its request context now,
        # not when the garbage collector finds it during a later request.
        response.close()
        db.session.expire_all()
    assert answers == case.statuses


def test_file_parts_in_a_tampered_post_do_not_bypass_the_rules(app, world):
    objects = _objects(world, 0)
    client = _client_for(app, world, "outsider", _login_as)
    response = client.post(f"/questions/{objects.reference}/repondre", content_type="multipart/form-data",
                           data={"body": "Intrusion", "attachments": [(io.BytesIO(pdf_bytes()), "x.pdf")]})
    assert response.status_code == 404
