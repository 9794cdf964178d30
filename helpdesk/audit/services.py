"""Recording sensitive reads and downloads, and querying and exporting the journal."""
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from helpdesk.csv_export import EXPORT_BATCH, csv_lines
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import PARIS, format_number
from helpdesk.like import any_contains
from helpdesk.models import (ARTICLE_STATUSES, CHANNELS, NOTIFY_MODES, PRIORITIES, ROLES, STATUSES, TOKEN_SCOPES,
                             Article, Attachment, Event, InboundEmail, RoutingRule, Satisfaction, SlaRule, Structure,
                             Theme, Ticket, User, Webinar, WebinarQuestion)
from helpdesk.permissions import can_see_internal, ensure_admin
from helpdesk.repeats import new_in_a_row, normalised_words
from helpdesk.translation import gettext as _, lazy_gettext as _l
from helpdesk.triage.sla import format_business_hours

KIND_LABELS = {
    "login": _l("Connexion"), "login_failed": _l("Échec de connexion"), "logout": _l("Déconnexion"),
    "session_network_changed": _l("Session utilisée depuis un autre réseau"),
    "password_changed": _l("Changement de mot de passe"), "user_created": _l("Création de compte"),
    "user_updated": _l("Modification de compte"),
    "user_activated": _l("Réactivation de compte"), "user_deactivated": _l("Désactivation de compte"),
    "user_anonymised": _l("Anonymisation d'un compte"), "structure_created": _l("Création de structure"),
    "structure_updated": _l("Modification de structure"),
    "structures_imported": _l("Import de structures et de comptes"), "structure_anonymised": _l("Anonymisation d'une structure"),
    "theme_created": _l("Création de thème"), "theme_updated": _l("Modification de thème"),
    "question_viewed": _l("Consultation d'une question"), "attachment_downloaded": _l("Téléchargement d'une pièce jointe"),
    "attachment_removed": _l("Retrait d'un fichier de ressource"), "audit_exported": _l("Export du journal d'audit"),
    "personal_data_exported": _l("Export de données personnelles"), "question_deleted": _l("Suppression d'une question"),
    "retention_anonymised": _l("Anonymisation par durée de conservation"),
    "created": _l("Question posée"), "claimed": _l("Question prise"), "assigned": _l("Assignation"), "unassigned": _l("Désassignation"),
    "status_changed": _l("Changement de statut"), "closed": _l("Clôture"),
    "close_reminder": _l("Rappel au membre avant clôture"), "absence_set": _l("Absence déclarée"),
    "reopened": _l("Réouverture"), "reclassified": _l("Reclassement (thème, urgence)"),
    "reply": _l("Réponse"), "note": _l("Note interne"), "article_saved": _l("Ressource enregistrée"),
    "article_status": _l("Statut de ressource"), "article_reviewed": _l("Ressource relue"),
    "legal_reference_amended": _l("Texte de loi modifié signalé"), "password_set": _l("Mot de passe défini par lien"),
    "password_reset_requested": _l("Demande de réinitialisation du mot de passe"),
    "invitation_sent": _l("Invitation envoyée"), "stats_export": _l("Export de statistiques"),
    "notification_preferences_changed": _l("Préférences de notification"),
    "api_token_created": _l("Création de jeton d'API"), "api_token_revoked": _l("Révocation de jeton d'API"),
    "webinar_saved": _l("Webinaire enregistré"), "merged_into": _l("Fusion dans une autre question"),
    "merged_from": _l("Fusion d'une autre question"), "closed_as_duplicate": _l("Clôture comme doublon"),
    "routed": _l("Routage automatique"), "routing_rule_added": _l("Règle de routage ajoutée"),
    "routing_rule_moved": _l("Règle de routage déplacée"), "routing_rule_deleted": _l("Règle de routage supprimée"),
    "canned_answer_saved": _l("Réponse type enregistrée"), "canned_answer_deleted": _l("Réponse type supprimée"),
    "rated": _l("Avis sur une réponse"), "faq_proposed": _l("Proposition de FAQ"), "tagged": _l("Étiquettes"),
    "followed": _l("Suivi d'une question"), "unfollowed": _l("Fin du suivi d'une question"),
    "sla_rule_saved": _l("Délai de traitement enregistré"), "sla_rule_deleted": _l("Délai de traitement supprimé"),
    "flash_subscriptions": _l("Abonnements aux flash infos"), "flash_unsubscribed": _l("Désabonnement des flash infos"),
    "flash_sent": _l("Flash info envoyé"),
    "inbound_mail_viewed": _l("Consultation d'un courriel non rattaché"),
    "satisfaction_comment_viewed": _l("Consultation d'un commentaire de satisfaction"),
    "webinar_questions_viewed": _l("Consultation des questions envoyées à un webinaire"),
    "queue_searched": _l("Recherche dans le texte des questions"),
}
# The names of the details events carry, and the values that have a label of their own.
DETAIL_LABELS = {
    "active": _l("actif"), "added": _l("ajoutées"), "address": _l("adresse IP"), "article_id": _l("ressource n°"),
    "articles": _l("ressources n°"),
    "accounts": _l("comptes créés"), "assignee": _l("juriste"), "attachment_id": _l("pièce jointe n°"),
    "canned_answer_id": _l("réponse type n°"), "channel": _l("canal"), "closes_on": _l("clôture prévue le"),
    "count": _l("nombre"), "end": _l("au"), "until": _l("jusqu'au"), "events": _l("événements"), "export": _l("export"),
    "filename": _l("fichier"),
    "filters": _l("filtres"), "changed": _l("modifié"), "personal_data": _l("données personnelles"),
    "inactive_days": _l("jours sans activité"), "inbound_id": _l("courriel reçu n°"), "words": _l("mots cherchés"),
    "filter_kind": _l("type filtré"), "filter_user": _l("utilisateur filtré"), "first": _l("de"),
    "invited": _l("invité"), "last": _l("à"), "listed": _l("dans une liste"), "message_id": _l("message n°"),
    "messages": _l("messages"),
    "mode": _l("mode"), "name": _l("nom"), "on_behalf_of": _l("pour le compte de"),
    "optional": _l("notifications facultatives"), "position": _l("position"), "previous": _l("avant"),
    "previous_name": _l("ancien nom"), "previous_priority": _l("urgence avant"),
    "previous_theme": _l("thème avant"), "priority": _l("priorité"), "purpose": _l("motif"),
    "questions": _l("questions"), "rating": _l("note"), "recipients": _l("destinataires"),
    "reference": _l("référence"), "removed": _l("retirées"), "role": _l("rôle"), "rule": _l("règle"),
    "rule_id": _l("règle n°"), "scope": _l("portée"), "slug": _l("adresse"), "source": _l("question d'origine"),
    "start": _l("du"), "status": _l("statut"), "structure_id": _l("structure n°"),
    "structures": _l("structures créées"), "reused_structures": _l("structures existantes complétées"), "target": _l("question cible"),
    "theme": _l("thème"), "theme_id": _l("thème n°"), "themes": _l("thèmes n°"), "title": _l("titre"), "token_id": _l("jeton n°"),
    "user_id": _l("compte n°"), "webinar_id": _l("webinaire n°"), "year": _l("année"), "years": _l("années"),
}
VALUE_LABELS = {
    "status": {**STATUSES, **ARTICLE_STATUSES}, "previous": STATUSES, "role": ROLES, "channel": CHANNELS,
    "priority": PRIORITIES, "previous_priority": PRIORITIES, "mode": NOTIFY_MODES, "scope": TOKEN_SCOPES,
    "purpose": {"invitation": _l("invitation"), "reset": _l("réinitialisation")},
    "changed": {"email": _l("adresse e-mail"), "name": _l("nom"), "role": _l("rôle"), "structure": _l("structure")},
}


def journal_accounts(events: Iterable[Event]) -> dict[int, User]:
    """The accounts the events' details name (`user_id`) that still exist, by id, read in one query."""
    ids = {event.data["user_id"] for event in events if isinstance((event.data or {}).get("user_id"), int)}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


# Where a detail names an account, a structure... : the endpoint and arguments of its page, if it has one.
Link = tuple[str, dict[str, object]]


def _routing_rule_text(rule: RoutingRule) -> str:
    """A routing rule in words: its theme and region, and whom its questions go to."""
    return _("%(theme)s, %(region)s → %(assignee)s", theme=rule.theme.name if rule.theme else _("tous thèmes"),
             region=rule.region_label or _("toutes régions"),
             assignee=rule.assignee.name if rule.assignee else _("toute l'équipe"))


def _sla_rule_text(rule: SlaRule) -> str:
    """A deadline rule in words: its urgency and theme, and the business hours it allows."""
    return _("%(priority)s, %(theme)s : première réponse en %(first)s, résolution en %(resolution)s",
             priority=PRIORITIES.get(rule.priority, rule.priority),
             theme=rule.theme.name if rule.theme else _("tous thèmes"),
             first=format_business_hours(timedelta(minutes=rule.first_response_minutes)),
             resolution=format_business_hours(timedelta(minutes=rule.resolution_minutes)))


@dataclass(frozen=True, eq=False)
class NamedKind:
    """Things the events' details name by id (one or a list), shown by a name while they exist: how to read them (one
    query per kind), name them and link to their page; `event_kinds`: only in these events (an id key is shared)."""

    model: type
    label: object
    number_label: object
    text: Callable[[object], str]
    link: Callable[[object], Link | None] = lambda _row: None
    load: tuple = ()
    event_kinds: frozenset[str] | None = None


_STRUCTURE = NamedKind(Structure, _l("structure"), _l("structure n°"), lambda row: row.name,
                       lambda row: ("admin.structure", {"structure_id": row.id}))
_THEME = NamedKind(Theme, _l("thème"), _l("thème n°"), lambda row: row.name)
_ARTICLE = NamedKind(Article, _l("ressource"), _l("ressource n°"), lambda row: row.title,
                     lambda row: ("kb.article", {"slug": row.slug}))
_WEBINAR = NamedKind(Webinar, _l("webinaire"), _l("webinaire n°"), lambda row: row.title,
                     lambda row: ("webinars.detail", {"webinar_id": row.id}))
_ROUTING_RULE = NamedKind(RoutingRule, _l("règle de routage"), _l("règle de routage n°"), _routing_rule_text,
                          lambda _row: ("triage.routing_rules", {}),
                          (selectinload(RoutingRule.theme), selectinload(RoutingRule.assignee)),
                          frozenset({"routing_rule_added", "routing_rule_moved", "routing_rule_deleted"}))
_SLA_RULE = NamedKind(SlaRule, _l("délai de traitement"), _l("délai de traitement n°"), _sla_rule_text,
                      lambda _row: ("triage.sla_rules", {}), (selectinload(SlaRule.theme),),
                      frozenset({"sla_rule_saved", "sla_rule_deleted"}))
# The details naming things by id (a number or a list of numbers), by key: one kind, or several told apart by the
# events they appear in (deadline and routing rules both log a `rule_id`).
NAMED_DETAILS = {"structure_id": _STRUCTURE, "theme_id": _THEME, "themes": _THEME, "article_id": _ARTICLE,
                 "articles": _ARTICLE, "webinar_id": _WEBINAR, "rule_id": (_ROUTING_RULE, _SLA_RULE)}


def _named_kind(event: Event, key: str) -> NamedKind | None:
    """The kind of thing an event's detail `key` names by id, if any."""
    kinds = NAMED_DETAILS.get(key, ())
    return next((kind for kind in (kinds if isinstance(kinds, tuple) else (kinds,))
                 if kind.event_kinds is None or event.kind in kind.event_kinds), None)


def _detail_ids(value) -> list[int]:
    """The ids a detail holds: a number or a list of numbers."""
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, int) and not isinstance(item, bool)]


def journal_names(events: Iterable[Event]) -> dict[tuple[NamedKind, int], tuple[str, Link | None]]:
    """The names and links of the structures, themes, resources, webinars, routing and deadline rules the events'
    details name by id (NAMED_DETAILS) that still exist, by (kind, id), read in one query per kind."""
    wanted: dict[NamedKind, set[int]] = {}
    for event in events:
        for key, value in (event.data or {}).items():
            kind = _named_kind(event, key)
            if kind is not None:
                wanted.setdefault(kind, set()).update(_detail_ids(value))
    names = {}
    for kind, ids in wanted.items():
        if ids:
            rows = db.session.scalars(select(kind.model).where(kind.model.id.in_(ids)).options(*kind.load))
            names.update(((kind, row.id), (kind.text(row), kind.link(row))) for row in rows)
    return names


def describe_details(event: Event, accounts: Mapping[int, User], names: Mapping[tuple[NamedKind, int], tuple[str, Link | None]]
                     ) -> list[tuple[str, str, Link | None]]:
    """An event's details as (label, value, link) triples an admin can read, in a stable order: the account named
    (from `accounts`, see journal_accounts) by its address, linked to, unless anonymised (then by its number only);
    a structure, theme, resource, webinar, routing or deadline rule by its name or description (from `names`, see
    journal_names), linked to its page if it has one, while it exists, by its number once deleted."""
    details = []
    for key, value in sorted((event.data or {}).items()):
        if value is None:
            continue
        kind = _named_kind(event, key)
        if kind is not None and _detail_ids(value):
            details.extend((str(kind.label), *names[kind, item]) if (kind, item) in names
                           else (str(kind.number_label), str(item), None) for item in _detail_ids(value))
            continue
        account = accounts.get(value) if key == "user_id" else None
        if account is not None and account.anonymised_at is None:
            details.append((str(_l("compte")), account.email, ("admin.edit_user", {"user_id": account.id})))
            continue
        if account is not None:
            details.append((str(_l("compte anonymisé n°")), str(value), None))
            continue
        if isinstance(value, bool):
            text = str(_l("oui") if value else _l("non"))
        elif isinstance(value, list):
            labels = VALUE_LABELS.get(key)
            text = ", ".join(str(labels.get(item, item) if labels else item) for item in value)
        elif isinstance(value, dict):  # e.g. the filters of a statistics export
            text = ", ".join(f"{name} = {item}" for name, item in sorted(value.items()) if item not in (None, "", []))
            text = text or "—"
        else:
            text = str(VALUE_LABELS.get(key, {}).get(value, value))
        details.append((str(DETAIL_LABELS.get(key, key)), text, None))
    return details


def record_question_read(viewer: User, ticket: Ticket) -> None:
    """A jurist or an admin opened a question: log it (members reading their own structure's are not)."""
    record_questions_read(viewer, [ticket])


def record_questions_read(viewer: User, tickets: list[Ticket], *, listed: bool = False) -> None:
    """A jurist or an admin was served these questions' texts (a page, an API answer): one event each; `listed`: as
    items of a list (the API's queue), which does not make them a colleague working on each (see presence)."""
    if can_see_internal(viewer) and tickets:
        for ticket in tickets:
            record_event("question_viewed", viewer, ticket, **({"listed": True} if listed else {}))
        db.session.commit()


def record_inbound_mail_read(viewer: User, record: InboundEmail) -> None:
    """A jurist or an admin was shown a received email kept for review (its text, its sender)."""
    if can_see_internal(viewer):
        record_event("inbound_mail_viewed", viewer, record.ticket, inbound_id=record.id)
        db.session.commit()


def record_satisfaction_comments_read(viewer: User, comments: list[Satisfaction]) -> None:
    """A jurist or an admin was shown members' satisfaction comments: one event per question commented on."""
    if can_see_internal(viewer) and comments:
        for comment in comments:
            record_event("satisfaction_comment_viewed", viewer, comment.ticket)
        db.session.commit()


def record_webinar_questions_read(viewer: User, webinar: Webinar, questions: list[WebinarQuestion]) -> None:
    """A jurist or an admin was shown the questions members sent ahead of a webinar (one event for the list)."""
    if can_see_internal(viewer) and questions:
        record_event("webinar_questions_viewed", viewer, webinar_id=webinar.id, count=len(questions))
        db.session.commit()


# Where the session remembers the last words searched in the queue, so that a reload or the next page of the same
# search is journalled once.
LAST_QUEUE_SEARCH = "queue_last_search"


def record_queue_search(viewer: User, words: str | None, memory: MutableMapping | None = None) -> None:
    """A jurist or an admin searched the questions' texts: journal the words (with `memory`, the web session, once in
    a row: a reload, another page or sort of the same search is not journalled again)."""
    if not (can_see_internal(viewer) and words):
        return
    if memory is None or new_in_a_row(memory, LAST_QUEUE_SEARCH, normalised_words(words)):
        record_event("queue_searched", viewer, words=words)
        db.session.commit()


def record_download(user, attachment: Attachment) -> None:
    """Log a logged-in user's download (public resource files fetched anonymously are not)."""
    if not user.is_authenticated:
        return
    ticket = attachment.ticket or (attachment.message.ticket if attachment.message else None)
    record_event("attachment_downloaded", user, ticket, attachment_id=attachment.id,
                 article_id=attachment.article_id, filename=attachment.filename)
    db.session.commit()


@dataclass(frozen=True)
class JournalFilters:
    """What the admin is looking for: an event kind, a user (email or name), a period in Paris days."""

    kind: str | None = None
    user: str | None = None
    start: date | None = None
    end: date | None = None


def _paris_midnight(day: date) -> datetime:
    """The start of a day in Paris, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=PARIS)


def journal_query(filters: JournalFilters) -> Select:
    """The events matching the filters, newest first."""
    query = select(Event).options(selectinload(Event.actor), selectinload(Event.ticket)).order_by(Event.created_at.desc(), Event.id.desc())
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.user:
        query = query.join(User, Event.actor_id == User.id).where(any_contains(filters.user, User.email, User.name))
    if filters.start:
        query = query.where(Event.created_at >= _paris_midnight(filters.start))
    if filters.end:
        query = query.where(Event.created_at < _paris_midnight(filters.end + timedelta(days=1)))
    return query


def _journal_rows(query: Select) -> Iterator[list]:
    """The header, then the events of `query` read in batches from the database."""
    yield ["date", "type", "libellé", "utilisateur", "e-mail", "question", "détails"]
    for events in db.session.scalars(query.execution_options(yield_per=EXPORT_BATCH)).partitions():
        accounts, names = journal_accounts(events), journal_names(events)
        for event in events:
            yield [event.created_at.astimezone(PARIS).isoformat(timespec="seconds"), event.kind,
                   KIND_LABELS.get(event.kind, event.kind), event.actor.name if event.actor else "",
                   event.actor.email if event.actor else "", event.ticket.reference if event.ticket else "",
                   " · ".join(f"{label} : {value}" for label, value, _link in describe_details(event, accounts, names))]


def export_journal(filters: JournalFilters, actor: User) -> Iterator[str]:
    """The filtered journal as CSV lines to stream, at most AUDIT_EXPORT_MAX_ROWS events: more are refused
    (InvalidInput, nothing exported) with a message asking to narrow the filters. The export is logged (with its
    number of events) before its lines are read, and is not part of them."""
    ensure_admin(actor)
    limit = current_app.config["AUDIT_EXPORT_MAX_ROWS"]
    query = journal_query(filters)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).limit(limit + 1).subquery()))
    if count > limit:
        raise InvalidInput(_("Cet export compterait plus de %(max)s événements. Précisez les filtres (une période "
                             "plus courte, un type d'événement ou un utilisateur) puis exportez à nouveau.",
                             max=format_number(limit)))
    export = record_event("audit_exported", actor, filter_kind=filters.kind, filter_user=filters.user,
                          start=filters.start.isoformat() if filters.start else None,
                          end=filters.end.isoformat() if filters.end else None, events=count)
    db.session.commit()
    return csv_lines(_journal_rows(query.where(Event.id != export.id).limit(limit)))
