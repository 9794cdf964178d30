"""Triage pages: canned answers, reply helpers, service levels, routing rules, tags, bulk actions, merge,
following, FAQ proposals, satisfaction, questions filed on a member's behalf."""
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from helpdesk.admin.services import structure_choices
from helpdesk.audit.services import record_satisfaction_comments_read
from helpdesk.attachments.forms import flash_files_to_attach_again
from helpdesk.attachments.services import read_uploads
from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput, ServiceError
from helpdesk.extensions import db
from helpdesk.i18n import format_date
from helpdesk.kb.searching import search_resources
from helpdesk.mail import ingest
from helpdesk.mail.forms import offer_mail_files
from helpdesk.main.forms import select_choices
from helpdesk.main.query_args import positive_int, safe_next
from helpdesk.models import PRIORITIES, STATUSES, RoutingRule, SlaRule, Theme, User
from helpdesk.permissions import admin_required, get_visible_ticket, staff_required
from helpdesk.tickets.forms import ActionForm, StaffReplyForm
from helpdesk.tickets.routes import render_detail
from helpdesk.tickets.services import active_themes
from helpdesk.tickets.workflow import REACHABLE
from helpdesk.translation import gettext as _, ngettext
from helpdesk.triage import (bp, canned, citations, faq, filing, following, merging, routing, satisfaction, sla,
                             tagging)
from helpdesk.triage.absence import absence_label, set_absence
from helpdesk.triage.forms import (AbsenceForm, BulkForm, CannedAnswerForm, ComposeForm, MergeForm, OnBehalfForm,
                                   RoutingRuleForm, SatisfactionForm, SlaRuleForm, TagForm)
from helpdesk.views import (flash_errors, flash_form_refused, flash_not_saved, flash_refusal, refuse_form,
                            staff_choices, staff_question, to_question)


def _theme_choices(first_label: str) -> list[tuple[int, str]]:
    """Themes for a select, with a leading "any theme" choice (0)."""
    themes = db.session.scalars(select(Theme).order_by(french_order(Theme.name)))
    return [(0, first_label)] + [(theme.id, theme.name) for theme in themes]


# Canned answers ------------------------------------------------------------------------------------------

@bp.route("/compte/absence", methods=["GET", "POST"])
@staff_required
def absence():
    """Declare an absence (the last day away) or one's return: routing rules and team mail pass the jurist by."""
    user = db.session.get(User, current_user.id)
    # An absence already over is not offered again.
    form = AbsenceForm(until=user.absent_until if absence_label(user) else None)
    status = 200
    if form.validate_on_submit():
        try:
            set_absence(user, None if request.form.get("action") == "back" else form.until.data)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Absence enregistrée jusqu'au %(date)s inclus.", date=format_date(user.absent_until))
                  if user.absent_until else _("Vous êtes indiqué ou indiquée comme présent ou présente."), "success")
            return redirect(url_for("triage.absence"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("triage/absence.html", form=form, away=absence_label(user)), status


@bp.route("/reponses-types/")
@staff_required
def canned_list():
    """The shared canned answers."""
    return render_template("triage/canned_list.html", answers=canned.canned_answers(current_user),
                           placeholders=canned.PLACEHOLDERS, status_effects=canned.STATUS_AFTER_EFFECTS)


@bp.route("/reponses-types/nouvelle", methods=["GET", "POST"])
@bp.route("/reponses-types/<int:answer_id>", methods=["GET", "POST"])
@staff_required
def canned_edit(answer_id=None):
    """Write or edit a canned answer."""
    answer = canned.get_canned_answer(current_user, answer_id) if answer_id is not None else None
    form = CannedAnswerForm(obj=answer)
    status = 200
    if form.validate_on_submit():
        try:
            canned.save_canned_answer(current_user, answer, form.title.data, form.body.data, form.status_after.data)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Réponse type enregistrée."), "success")
            return redirect(url_for("triage.canned_list"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("triage/canned_edit.html", form=form, answer=answer,
                           placeholders=canned.PLACEHOLDERS), status


@bp.route("/reponses-types/<int:answer_id>/supprimer", methods=["GET", "POST"])
@staff_required
def canned_delete(answer_id):
    """Ask to confirm (GET), then delete a canned answer shared by the whole team (POST)."""
    answer = canned.get_canned_answer(current_user, answer_id)
    if request.method == "GET":
        return render_template("triage/canned_delete.html", answer=answer, form=ActionForm())
    if not ActionForm().validate():
        abort(400)
    canned.delete_canned_answer(current_user, answer)
    flash(_("Réponse type « %(title)s » supprimée.", title=answer.title), "success")
    return redirect(url_for("triage.canned_list"))


@bp.route("/questions/<reference>/rediger", methods=["POST"])
@login_required
def compose(reference):
    """Reply helpers without JavaScript: insert a canned answer, search resources, insert a resource link (for a
    public reply, only resources the member may open)."""
    ticket = staff_question(reference)
    form = ComposeForm()
    if not form.validate():
        abort(400)
    flash_files_to_attach_again()
    body = form.body.data or ""
    results = None
    internal = form.kind.data == "note"
    action = request.form.get("action")
    # A helper's refusal is said under its own field, where the page comes back scrolled to (not in the banner at the
    # top, out of sight).
    helper_errors = {}
    cursor = form.cursor.data  # kept through a search, moved past an inserted link, dropped when a canned answer comes
    status_after = form.status_after.data or "answered"
    if action == "canned":
        try:
            answer = canned.get_canned_answer(current_user, form.canned.data)
            body = "\n\n".join(part for part in (body.rstrip(), canned.fill(answer, ticket, current_user)) if part)
            cursor = None
            status_after = answer.status_after or status_after  # « Demande de précisions »: waiting for the member
        except ServiceError as error:
            helper_errors["canned"] = error.message
    elif action == "search" or form.link.data:
        query = (form.resource_query.data or "").strip()
        if query:
            results = search_resources(current_user, query,
                                       reader=citations.citation_reader(ticket, current_user, internal=internal),
                                       memory=session)
        elif action == "search":
            helper_errors["resource_query"] = _("Saisissez un ou plusieurs mots à chercher dans les ressources.")
    if form.link.data:
        try:
            article = citations.citable_article(ticket, current_user, form.link.data, internal=internal)
            link = citations.markdown_link(article.title, url_for("kb.article", slug=article.slug))
            body, cursor = citations.place_link(body, link, cursor)
        except ServiceError as error:
            helper_errors["resource_query"] = error.message
    reply_form = StaffReplyForm(formdata=None, body=body, kind=form.kind.data or "public",
                                status_after=status_after, seen=form.seen.data)
    return render_detail(ticket, reply_form=reply_form, resource_results=results,
                         resource_query=form.resource_query.data or "", chosen_canned=form.canned.data,
                         helper_errors=helper_errors, cursor=cursor)


# Tags, merge, FAQ, satisfaction on a question -----------------------------------------------------------

@bp.route("/questions/<reference>/etiquettes", methods=["POST"])
@login_required
def add_tags(reference):
    """Add tags to a question; refused ones show the page again with the tags typed, to correct (as a refused
    merge does)."""
    ticket = staff_question(reference)
    form = TagForm()
    if not form.validate():
        status = refuse_form(form)
        return render_detail(ticket, tag_form=form), status
    try:
        added = tagging.add_tags(ticket, current_user, tagging.parse_tags(form.tags.data))
    except InvalidInput as error:
        status = refuse_form(form, error)
        return render_detail(ticket, tag_form=form), status
    flash(ngettext("%(num)d étiquette ajoutée (%(tags)s).", "%(num)d étiquettes ajoutées (%(tags)s).", len(added),
                   tags=", ".join(added)) if added else _("Ces étiquettes y étaient déjà."), "success" if added else "info")
    return to_question(ticket)


@bp.route("/questions/<reference>/etiquettes/retirer", methods=["POST"])
@login_required
def remove_tag(reference):
    """Take a tag off a question."""
    ticket = staff_question(reference)
    if not ActionForm().validate():
        abort(400)
    with flash_refusal():
        tagging.remove_tag(ticket, current_user, request.form.get("tag", ""))
        flash(_("Étiquette retirée."), "success")
    return to_question(ticket)


@bp.route("/questions/<reference>/fusionner", methods=["POST"])
@login_required
def merge(reference):
    """Merge this question into another one, once the jurist has seen both subjects and confirmed (a mistyped number
    merged the wrong question for good); a refused merge shows the page again with the reference typed."""
    ticket = staff_question(reference)
    form = MergeForm()
    if not form.validate():
        status = refuse_form(form)
        return render_detail(ticket, merge_form=form), status
    try:
        target = merging.find_target(form.target.data)
        if request.form.get("confirme") != "1":
            merging.check_merge(ticket, target, confirm_other_structure=form.confirm_other_structure.data)
            return render_template("triage/merge_confirm.html", ticket=ticket, target=target, form=form)
        merging.merge(ticket, target, current_user, confirm_other_structure=form.confirm_other_structure.data)
    except InvalidInput as error:
        status = refuse_form(form, error)
        return render_detail(ticket, merge_form=form), status
    flash(_("%(source)s a été fusionnée dans %(target)s.", source=ticket.reference, target=target.reference),
          "success")
    return to_question(target)


@bp.route("/questions/<reference>/suivre", methods=["POST"])
@login_required
def follow(reference):
    """Follow the question: its activity is mailed, and it is listed under « Questions suivies »."""
    ticket = staff_question(reference)
    if not ActionForm().validate():
        abort(400)
    with flash_refusal():
        if following.follow(ticket, current_user):
            flash(_("Vous suivez cette question. Vous recevrez un courriel à chaque message, note interne, "
                    "changement de juriste, clôture ou réouverture."), "success")
        else:  # a second tab, or Back then the button again
            flash(_("Vous suiviez déjà cette question."), "success")
    return to_question(ticket)


@bp.route("/questions/<reference>/ne-plus-suivre", methods=["POST"])
@login_required
def unfollow(reference):
    """Stop following the question."""
    ticket = staff_question(reference)
    if not ActionForm().validate():
        abort(400)
    following.unfollow(ticket, current_user)
    flash(_("Vous ne suivez plus cette question."), "success")
    return to_question(ticket)


@bp.route("/questions/<reference>/proposer-faq", methods=["POST"])
@login_required
def propose_faq(reference):
    """Turn the question and its answer into a pseudonymised draft FAQ."""
    ticket = staff_question(reference)
    if not ActionForm().validate():
        abort(400)
    with flash_refusal():
        source = faq.propose_faq(ticket, current_user)
        flash(_("Brouillon de FAQ créé. Relisez-le (données personnelles remplacées) avant de le publier."), "success")
        return redirect(url_for("kb.edit", slug=source.article_slug))
    return to_question(ticket)


@bp.route("/questions/<reference>/avis", methods=["POST"])
@login_required
def rate(reference):
    """A member rates the answer to their structure's question; a refused rating comes back with its comment."""
    ticket = get_visible_ticket(current_user, reference)
    form = SatisfactionForm()
    if not form.validate():
        if satisfaction.can_rate(current_user, ticket):
            flash_form_refused(form)
            return render_detail(ticket, satisfaction_form=form), 400
        flash_errors(form)
        return to_question(ticket)
    with flash_refusal(ServiceError):
        satisfaction.rate(ticket, current_user, form.rating.data, form.comment.data or "")
        flash(_("Merci pour votre avis."), "success")
    return to_question(ticket)


@bp.route("/satisfaction")
@staff_required
def satisfaction_stats():
    """Satisfaction figures and the latest comments (their display journalled)."""
    comments = satisfaction.recent_comments(current_user)
    record_satisfaction_comments_read(current_user, comments)
    return render_template("triage/satisfaction.html", summary=satisfaction.summary(), comments=comments,
                           ratings=satisfaction.RATINGS)


# Bulk actions ---------------------------------------------------------------------------------------------

def bulk_form() -> BulkForm:
    """The queue's bulk-action form with its choices."""
    form = BulkForm()
    form.assignee.choices = select_choices(staff_choices(_("Personne (non assignée)")))
    form.status.choices = select_choices([("", _("Choisissez un statut")),
                                         *((status, STATUSES[status]) for status in REACHABLE)])
    form.reclass_theme.choices = select_choices([("", _("Inchangé")), ("0", _("Sans thème")), *(
        (str(theme.id), theme.name) for theme in active_themes())])
    return form


# A refused bulk action brings the queue back with the same questions ticked and the same action chosen.
_BULK_SELECTION = "bulk_selection"


def restore_bulk_selection(form: BulkForm) -> set[int]:
    """The ids ticked before a refused bulk action (once), the form refilled with the action chosen then."""
    kept = session.pop(_BULK_SELECTION, None) or {}
    for name in ("action", "assignee", "status", "tags", "reclass_theme", "reclass_priority"):
        if name in kept:
            form[name].data = kept[name]
    return set(kept.get("ids", ()))


def _keep_bulk_selection(form: BulkForm, ids: list[int]) -> None:
    """Remember the ticked questions and the action chosen, for the next display of the queue."""
    session[_BULK_SELECTION] = {"ids": ids[:tagging.BULK_MAX], "action": form.action.data,
                                "assignee": form.assignee.data, "status": form.status.data,
                                "tags": (form.tags.data or "")[:400], "reclass_theme": form.reclass_theme.data,
                                "reclass_priority": form.reclass_priority.data}


def _closes(form: BulkForm) -> bool:
    """Whether the bulk action closes the questions (« Clore », or the status « Clôturée »)."""
    return form.action.data == "clore" or (form.action.data == "statut" and form.status.data == "closed")


def _chosen_number(field) -> int | None:
    """The number a select of the bulk form names, None for its empty choice (« Inchangé »)."""
    return int(field.data) if field.data else None


@bp.route("/file/actions", methods=["POST"])
@staff_required
def bulk():
    """Apply an action to the ticked questions, then report what was done and refused. Closing asks to confirm
    first (a page listing the questions, whose button posts the same action again, confirmed)."""
    form = bulk_form()
    back = safe_next(form.back.data, url_for("queue.index"))
    # An id no question can have (malformed, or too large for the column) is skipped like an unknown one.
    ids = [number for number in map(positive_int, request.form.getlist("ids")) if number]
    report = None
    if form.validate():
        if _closes(form) and not request.form.get("confirme") and len(ids) <= tagging.BULK_MAX:
            tickets = tagging.chosen_tickets(ids)
            if tickets:
                _keep_bulk_selection(form, ids)  # « Annuler » goes back to the queue with them still ticked
                return render_template("triage/bulk_close.html", form=form, tickets=tickets, back=back)
        session.pop(_BULK_SELECTION, None)
        with flash_refusal():
            report = tagging.bulk_apply(current_user, ids, form.action.data, assignee_id=form.assignee.data or None,
                                        status=form.status.data or None, tags=form.tags.data or "",
                                        theme_id=_chosen_number(form.reclass_theme),
                                        priority=_chosen_number(form.reclass_priority))
            flash(report.summary(), "error" if report.refused and not report.done else "success")
    else:  # the queue the refusal goes back to shows no error under its fields
        flash_errors(form)
    if report is None or not report.done:
        _keep_bulk_selection(form, ids)
    return redirect(back)


# Questions received by phone or email ---------------------------------------------------------------------

def _chosen_mail_files(form: OnBehalfForm, draft: ingest.QuestionDraft | None) -> list[tuple[str, bytes]]:
    """The kept email's files the jurist ticked (none without an email)."""
    return [draft.files[number] for number in sorted(set(form.mail_files.data or ()))] if draft else []


@bp.route("/questions/pour-un-membre", methods=["GET", "POST"])
@staff_required
def on_behalf():
    """File a question for a member: choose the structure, then the member, then write the question; from a kept
    email (« courriel »), its sender, subject, text and files come with it, and it is handled once the question is
    filed."""
    # A post carries its files as well (the form's own default); the structure picked first comes in the query.
    form = OnBehalfForm() if request.method == "POST" else OnBehalfForm(request.args)
    # A post names its email even once handled: the filing then refuses it rather than file a question without it.
    inbound = (ingest.kept_inbound if request.method == "POST" else ingest.pending_inbound)(
        positive_int(request.values.get("courriel", "")))
    draft = ingest.question_draft(inbound) if inbound else None
    offer_mail_files(form.mail_files, draft.files if draft else [], new_question=True)
    if draft and request.method == "GET" and not form.subject.data:  # first display: the email fills the form
        form.channel.data, form.subject.data, form.body.data = "email", draft.subject, draft.body
        form.mail_files.data = [number for number, _file in enumerate(draft.files)]
        if draft.member is not None and not form.structure.data:
            form.structure.data, form.member.data = draft.member.structure_id, draft.member.id
    structures = {structure.id: structure for structure in filing.active_structures()}
    form.structure.choices = select_choices([(0, _("Choisir une structure"))]
                                            + structure_choices(structures.values()))
    # Only a listed structure's members are looked up: any other number, however large, lists nobody.
    members = filing.members_of(structures.get(form.structure.data))
    form.member.choices = select_choices([(0, _("Choisir un membre")),
                                          *((member.id, member.name) for member in members)])
    form.theme.choices = select_choices([(0, _("Choisir un thème")),
                                         *((theme.id, theme.name) for theme in active_themes())])
    if request.method == "POST" and "send" in request.form:
        if not form.validate():
            # Without members to choose from, the question's form is not shown again: its errors go in the banner.
            (flash_form_refused if members else flash_errors)(form)
            flash_files_to_attach_again()
            return render_template("triage/on_behalf.html", form=form, members=members, inbound=inbound,
                                   draft=draft), 400
        try:
            ticket = filing.file_on_behalf(current_user, form.member.data, form.structure.data, form.channel.data,
                                           form.subject.data, form.body.data, form.theme.data, form.priority.data,
                                           attachments=read_uploads(form.attachments.data)
                                           + (_chosen_mail_files(form, draft)), from_mail=inbound)
        except ServiceError as error:
            status = refuse_form(form, error)
            flash_files_to_attach_again(refusal=error)
            return render_template("triage/on_behalf.html", form=form, members=members, inbound=inbound,
                                   draft=draft), status
        flash(_("Question %(reference)s enregistrée pour %(name)s.", reference=ticket.reference, name=ticket.author.name),
              "success")
        return to_question(ticket)
    return render_template("triage/on_behalf.html", form=form, members=members, inbound=inbound, draft=draft)


# Administration: service levels and routing ---------------------------------------------------------------

def _flash_warning_count(warnings: list[str]) -> None:
    """After a change, tell the admin the configuration now has points to check (listed on the page)."""
    if warnings:
        flash(ngettext("Attention : la configuration comporte %(num)d point à vérifier, détaillé ci-dessous.",
                       "Attention : la configuration comporte %(num)d points à vérifier, détaillés ci-dessous.",
                       len(warnings)), "info")


@bp.route("/admin/delais", methods=["GET", "POST"])
@admin_required
def sla_rules():
    """Service levels per priority (and theme), in business hours."""
    form = SlaRuleForm()
    form.theme.choices = select_choices(_theme_choices(_("Tous les thèmes")))
    status = 200
    if form.validate_on_submit():
        try:
            sla.save_policy(current_user, form.priority.data, form.theme.data or None,
                            float(form.first_response_hours.data), float(form.resolution_hours.data))
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Délai enregistré. Il s'applique aux questions posées désormais."), "success")
            _flash_warning_count(sla.policy_warnings())
            return redirect(url_for("triage.sla_rules"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("triage/sla_rules.html", form=form, rows=sla.policy_table(), priorities=PRIORITIES,
                           hours=sla.format_business_hours, warnings=sla.policy_warnings()), status


@bp.route("/admin/delais/<int:rule_id>/supprimer", methods=["GET", "POST"])
@admin_required
def sla_rule_delete(rule_id):
    """Ask to confirm (GET), then remove a service-level rule (back to the general rule or the default) (POST)."""
    rule = db.session.get(SlaRule, rule_id) or abort(404)
    if request.method == "GET":
        return render_template("triage/sla_rule_delete.html", rule=rule, fallback=sla.fallback_policy(rule),
                               priorities=PRIORITIES, hours=sla.format_business_hours)
    if not ActionForm().validate():
        abort(400)
    sla.delete_policy(current_user, rule)
    flash(_("Règle supprimée."), "success")
    _flash_warning_count(sla.policy_warnings())
    return redirect(url_for("triage.sla_rules"))


@bp.route("/admin/routage", methods=["GET", "POST"])
@admin_required
def routing_rules():
    """Routing rules, tried in order when a question is filed."""
    form = RoutingRuleForm()
    form.theme.choices = select_choices(_theme_choices(_("Tous les thèmes")))
    form.assignee.choices = select_choices(staff_choices(_("Toute l'équipe (non assignée)")))
    status = 200
    if form.validate_on_submit():
        try:
            routing.add_rule(current_user, form.theme.data or None, form.region.data or None,
                             form.assignee.data or None)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Règle ajoutée en fin de liste."), "success")
            _flash_warning_count(routing.rule_warnings(routing.ordered_rules()))
            return redirect(url_for("triage.routing_rules"))
    elif form.is_submitted():
        status = refuse_form(form)
    ordered = routing.ordered_rules()
    return render_template("triage/routing_rules.html", form=form, rules=ordered, action_form=ActionForm(),
                           warnings=routing.rule_warnings(ordered)), status


@bp.route("/admin/routage/<int:rule_id>/<any(monter, descendre):action>", methods=["POST"])
@admin_required
def routing_rule_action(rule_id, action):
    """Move a routing rule up or down."""
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    if not ActionForm().validate():
        abort(400)
    with flash_refusal():
        routing.move_rule(current_user, rule, -1 if action == "monter" else 1)
        flash(_("Règles de routage mises à jour."), "success")
        _flash_warning_count(routing.rule_warnings(routing.ordered_rules()))
    return redirect(url_for("triage.routing_rules"))


@bp.route("/admin/routage/<int:rule_id>/supprimer", methods=["GET", "POST"])
@admin_required
def routing_rule_delete(rule_id):
    """Ask to confirm (GET), then remove a routing rule, the next ones moving up one place (POST)."""
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    if request.method == "GET":
        return render_template("triage/routing_rule_delete.html", rule=rule,
                               number=routing.ordered_rules().index(rule) + 1)
    if not ActionForm().validate():
        abort(400)
    routing.delete_rule(current_user, rule)
    flash(_("Règle de routage supprimée."), "success")
    _flash_warning_count(routing.rule_warnings(routing.ordered_rules()))
    return redirect(url_for("triage.routing_rules"))
