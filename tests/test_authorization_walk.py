"""Every route of the URL map × every kind of visitor × ownership, against a table of expected answers.

A route added without a line in CASES makes test_every_route_has_a_rule fail: decide who may reach it.
"""
import io
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from helpdesk.attachments.services import save_upload
from helpdesk.auth.services import set_active
from helpdesk.extensions import db
from helpdesk.kb.services import save_article
from helpdesk.tickets import services
from tests import factories
from tests.factories import docx_bytes, pdf_bytes

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
EVERYONE = "200 200 200 200 200 200 200"

CASES = [
    Case("GET", "/", LOGIN),
    Case("GET", "/connexion", "200 200 302 302 302 302 302"),
    Case("POST", "/connexion", "200 200 302 302 302 302 302"),
    Case("POST", "/deconnexion", LOGIN),
    Case("GET", "/compte/mot-de-passe", ACCOUNT),
    Case("POST", "/compte/mot-de-passe", ACCOUNT),
    Case("GET", "/questions/", MEMBERS),
    Case("GET", "/questions/nouvelle", "302 302 200 302 200 403 403"),
    Case("POST", "/questions/nouvelle", "302 302 200 302 200 403 403"),
    Case("GET", "/questions/<reference>", QUESTION_READ),
    Case("POST", "/questions/<reference>/repondre", QUESTION_WRITE),
    Case("POST", "/questions/<reference>/cloturer", QUESTION_WRITE),
    Case("POST", "/questions/<reference>/prendre", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/assigner", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/statut", QUESTION_STAFF),
    Case("POST", "/questions/<reference>/supprimer", ADMIN.replace("200", "302")),
    Case("GET", "/file/", STAFF),
    Case("GET", "/ressources/", EVERYONE),
    Case("GET", "/ressources/suggestions", EVERYONE),
    Case("GET", "/ressources/nouvelle", STAFF),
    Case("POST", "/ressources/nouvelle", STAFF),
    Case("GET", "/ressources/<slug>", "404 404 200 200 200 200 200", target="members"),
    Case("GET", "/ressources/<slug>", EVERYONE, target="public"),
    Case("GET", "/ressources/<slug>", "404 404 404 404 404 200 200", target="jurists"),
    Case("GET", "/ressources/<slug>", "404 404 404 404 404 200 200", target="draft"),
    Case("GET", "/ressources/<slug>/modifier", STAFF, target="members"),
    Case("POST", "/ressources/<slug>/modifier", "302 302 403 403 403 302 302", target="members"),
    Case("POST", "/ressources/<slug>/statut", "302 302 403 403 403 302 302", target="members",
         data={"status": "archived"}),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 200 200 200", target="question_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 200 200 200", target="reply_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 404 200 200", target="note_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 200 200 200 200 200", target="members_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", EVERYONE, target="public_file"),
    Case("GET", "/pieces-jointes/<int:attachment_id>", "404 404 404 404 404 200 200", target="jurists_file"),
    Case("POST", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 403 403 403 302 302", target="members_file",
         fresh=True),
    Case("POST", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 404 404 403 403 403", target="question_file"),
    Case("POST", "/pieces-jointes/<int:attachment_id>/retirer", "302 302 404 404 404 403 403", target="note_file"),
    Case("GET", "/admin/", ADMIN),
    Case("GET", "/admin/structures", ADMIN),
    Case("GET", "/admin/structures/nouvelle", ADMIN),
    Case("POST", "/admin/structures/nouvelle", ADMIN),
    Case("GET", "/admin/structures/<int:structure_id>", ADMIN),
    Case("POST", "/admin/structures/<int:structure_id>", ADMIN),
    Case("GET", "/admin/utilisateurs", ADMIN),
    Case("GET", "/admin/utilisateurs/nouveau", ADMIN),
    Case("POST", "/admin/utilisateurs/nouveau", ADMIN),
    Case("POST", "/admin/utilisateurs/<int:user_id>/activation", ADMIN.replace("200", "302")),
    Case("GET", "/admin/themes", ADMIN),
    Case("POST", "/admin/themes", ADMIN),
    Case("POST", "/admin/themes/<int:theme_id>/activation", ADMIN.replace("200", "302")),
    Case("GET", "/admin/journal/", ADMIN),
    Case("GET", "/donnees-personnelles", EVERYONE),
    Case("GET", "/compte/mes-donnees.zip", ACCOUNT),
    Case("POST", "/admin/utilisateurs/<int:user_id>/anonymiser", ADMIN.replace("200", "302")),
    Case("POST", "/admin/structures/<int:structure_id>/anonymiser", ADMIN.replace("200", "302")),
    Case("GET", "/admin/journal/export.csv", ADMIN),
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
    return objects


def _url(case: Case, world, objects) -> str:
    """The rule with its variables filled for this persona's objects."""
    values = {"reference": objects.reference, "structure_id": world.structure.id, "user_id": world.colleague.id,
              "theme_id": world.theme.id, "slug": getattr(objects, f"{case.target}_slug", None),
              "attachment_id": getattr(objects, case.target, None)}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(values[match.group(1)]), case.rule)


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
    app.config.update(LOGIN_RATE_LIMIT="1000 per minute", SEARCH_SYNC_AFTER_REQUEST=False)
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
        db.session.expire_all()
    assert answers == case.statuses


def test_file_parts_in_a_tampered_post_do_not_bypass_the_rules(app, world):
    objects = _objects(world, 0)
    client = _client_for(app, world, "outsider", _login_as)
    response = client.post(f"/questions/{objects.reference}/repondre", content_type="multipart/form-data",
                           data={"body": "Intrusion", "attachments": [(io.BytesIO(pdf_bytes()), "x.pdf")]})
    assert response.status_code == 404
