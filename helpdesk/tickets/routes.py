"""Member and jurist pages of a question."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from helpdesk.attachments.forms import flash_files_to_attach_again
from helpdesk.attachments.services import read_uploads
from helpdesk.audit.services import record_question_read
from helpdesk.auth.network import current_password_refusal, irreversible_from_login_network
from helpdesk.errors import Conflict, Forbidden, InvalidInput, RateLimited
from helpdesk.kb.searching import similar_questions, suggest
from helpdesk.main.forms import select_choices
from helpdesk.main.query_args import text_arg, url_with_query
from helpdesk.markup import unbroken_references
from helpdesk.models import STATUSES, Ticket
from helpdesk.permissions import (
    admin_required, can_see_internal, ensure_can_file, get_typed_ticket, get_visible_ticket, member_required)
from helpdesk.tickets import bp, services
from helpdesk.tickets.forms import (ActionForm, AssignForm, ClassifyForm, QuestionForm, ReplyForm, StaffReplyForm,
                                    StatusForm)
from helpdesk.tickets.workflow import allowed_targets
from helpdesk.translation import gettext as _, ngettext
from helpdesk.triage.panel import ticket_panel
from helpdesk.views import (back_to_list_url, flash_form_refused, flash_next_question, flash_not_saved, flash_refusal,
                            list_page, refuse_form, remember_list_page, staff_choices, staff_question, to_question,
                            working_view)


def _assignee_choices() -> list[tuple[int, str]]:
    """The team for the assignment field, after "nobody"."""
    return staff_choices(_("Personne (non assignée)"))


def _classify_theme_choices(ticket: Ticket) -> list[tuple[int, str]]:
    """The themes a question may be moved to (the active ones), its own kept even if withdrawn, after "no theme" (0)."""
    themes = services.active_themes()
    if ticket.theme is not None and ticket.theme not in themes:
        themes.append(ticket.theme)
    return [(0, _("Sans thème"))] + [(theme.id, theme.name) for theme in themes]


@bp.route("/")
@member_required
def index():
    """The member's structure's questions, filterable (mine/all, open/waiting for them/closed, words of the subject or
    reference), with how many wait for the members' answer; a search finding no open question shows the closed ones
    it finds."""
    who = request.args.get("qui", "toutes")
    state = request.args.get("etat", "ouvertes")
    if state not in services.MEMBER_LIST_STATES:
        state = "ouvertes"
    text = text_arg("q")
    waiting = services.waiting_count(current_user)
    page_size = current_app.config["MEMBER_PAGE_SIZE"]
    page = list_page(services.member_list_query(current_user, who, state, text), page_size)
    closed_instead = False
    if text and state == "ouvertes" and not page.total:
        closed = list_page(services.member_list_query(current_user, who, "closes", text), page_size)
        if closed.total:
            page, closed_instead = closed, True
    remember_list_page("questions")
    return render_template("tickets/index.html", page=page, who=who, state=state, text=text, waiting=waiting,
                           closed_instead=closed_instead)


@bp.route("/nouvelle", methods=["GET", "POST"])
@member_required
def new():
    """File a new question."""
    try:
        ensure_can_file(current_user)
    except Forbidden as error:
        flash(error.message, "error")
        return redirect(url_for("tickets.index"))
    form = QuestionForm()
    # Kept referenced while filing: the session finds the chosen theme among them instead of querying it again.
    themes = services.active_themes()
    form.theme.choices = select_choices([(0, _("Choisissez un thème")), *((theme.id, theme.name) for theme in themes)])
    if request.method == "POST" and "suggest" in request.form:
        flash_files_to_attach_again()
        text = f"{form.subject.data or ''} {form.body.data or ''}"
        return render_template("tickets/new.html", form=form, suggestions=suggest(current_user, text), suggested=True)
    if form.validate_on_submit():
        resent, filed = services.recent_filings(current_user, form.subject.data, form.body.data)
        if resent is not None:
            # The member's own banners keep the reference on one line of a phone (« Q-2026- » left « 00152 »).
            flash(unbroken_references(_("Votre question %(reference)s a déjà été envoyée : elle n'a pas été "
                                        "enregistrée une seconde fois.", reference=resent)), "info")
            left_out = services.files_left_out(resent, read_uploads(form.attachments.data))
            if left_out:
                flash(ngettext("Le fichier %(names)s n'a pas été ajouté à la question : joignez-le à votre réponse "
                               "ci-dessous.",
                               "Les fichiers %(names)s n'ont pas été ajoutés à la question : joignez-les à votre réponse "
                               "ci-dessous.", len(left_out), names=", ".join(f"« {name} »" for name in left_out)),
                      "info")
            return redirect(url_for("tickets.detail", reference=resent))
        try:
            services.ensure_filing_pace(current_user, filed)
            ticket = services.file_question(current_user, form.subject.data, form.body.data,
                                            form.theme.data, form.priority.data,
                                            attachments=read_uploads(form.attachments.data))
        except (InvalidInput, RateLimited) as error:
            status = refuse_form(form, error)
            flash_files_to_attach_again(refusal=error)
            retry = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else {}
            return render_template("tickets/new.html", form=form), status, retry
        flash(unbroken_references(_("Votre question %(reference)s a bien été envoyée.", reference=ticket.reference)),
              "success")
        return to_question(ticket)
    status = 200
    if request.method == "POST":
        status = refuse_form(form)
        flash_files_to_attach_again()
    return render_template("tickets/new.html", form=form), status


@bp.route("/<reference>")
@login_required
def detail(reference):
    """A question's thread; jurists also get the triage tools and internal notes."""
    ticket, typed_otherwise = _question_page(reference)
    return typed_otherwise or render_detail(ticket)


def _question_page(reference: str):
    """The question of a page keyed by its reference, with the redirection to the page's address when the reference
    was typed in lower case or without its zeros (« q-2026-141 »), else None: for whoever may see the question, the
    others get the same « Page introuvable » as for a question that does not exist, whatever the form typed."""
    ticket = get_typed_ticket(current_user, reference)
    if ticket.reference == reference:
        return ticket, None
    return ticket, redirect(url_with_query(request.endpoint, reference=ticket.reference))


def render_detail(ticket: Ticket, reply_form=None, **extra):
    """Render a question's page for the current user (`reply_form`: a reply being written, kept on re-render); a
    jurist's or an admin's display is journalled, whichever action (a reply helper, a refused merge or close) shows
    it."""
    record_question_read(current_user, ticket)
    context = {"ticket": ticket, "entries": services.timeline(ticket, current_user), "action_form": ActionForm()}
    if can_see_internal(current_user):
        assign_form = AssignForm(assignee=ticket.assignee_id or 0)
        assign_form.assignee.choices = select_choices(_assignee_choices())
        status_form = StatusForm()
        targets = [] if ticket.merged_into_id else allowed_targets(ticket.status, replied=ticket.has_reply)
        # No status stands first: a click on « Changer le statut » without a choice changes nothing (it reopened an
        # answered question, « En cours » being its first target).
        status_form.status.choices = select_choices(
            [("", _("Choisissez un statut")), *((status, STATUSES[status]) for status in targets)] if targets else [])
        classify_form = ClassifyForm(theme=ticket.theme_id or 0, priority=ticket.priority)
        classify_form.theme.choices = select_choices(_classify_theme_choices(ticket))
        context.update(reply_form=reply_form or StaffReplyForm(), assign_form=assign_form, status_form=status_form,
                       classify_form=classify_form,
                       similar=similar_questions(ticket, current_user),
                       recent=services.recent_structure_questions(ticket, current_user),
                       recent_total=services.structure_question_count(ticket, current_user))
    else:
        context.update(reply_form=reply_form or ReplyForm(),
                       closes_on=services.auto_close_on(ticket, current_app.config["AUTO_CLOSE_DAYS"]))
    # A new reply box was opened on the thread as it is now; a draft sent back (refused, a helper's round trip)
    # keeps the marker of the page it was written on, so that a message added meanwhile still holds it back.
    if context["reply_form"].seen.data is None:
        context["reply_form"].seen.data = services.last_message_id(ticket, current_user)
    context.update(ticket_panel(ticket, current_user), **extra)
    return render_template("tickets/detail.html", **context)


@bp.route("/<reference>/repondre", methods=["POST"])
@login_required
def reply(reference):
    """Post a reply (or, for jurists, an internal note); a refused one comes back with its text, even without
    JavaScript (which would also restore the draft)."""
    ticket = get_visible_ticket(current_user, reference)
    staff = can_see_internal(current_user)
    form = StaffReplyForm() if staff else ReplyForm()
    if not form.validate():
        flash_form_refused(form)
        flash_files_to_attach_again()
        return render_detail(ticket, reply_form=form), 400
    if services.resent_reply(ticket, current_user, form.body.data, form.seen.data) is not None:
        flash(_("Ce message avait déjà été envoyé : il n'a pas été enregistré une seconde fois."), "info")
        return to_question(ticket)
    internal = staff and form.kind.data == "note"
    status_after = form.status_after.data if staff and not internal else None
    try:
        services.add_message(ticket, current_user, form.body.data, internal=internal, status_after=status_after,
                             attachments=read_uploads(form.attachments.data), seen=form.seen.data)
    except (InvalidInput, Forbidden, Conflict, RateLimited) as error:
        # The page comes back with the text in the box: a refused file (or membership, or pace) must not cost the
        # message written.
        status = refuse_form(form, error)
        flash_files_to_attach_again(refusal=error)
        if isinstance(error, Conflict):  # told to read what was added, shown on the page: sending again posts it
            form.seen.data = services.last_message_id(ticket, current_user)
        retry = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else {}
        return render_detail(ticket, reply_form=form), status, retry
    flash(_("Note interne enregistrée.") if internal else _("Votre message a été envoyé."), "success")
    return to_question(ticket)


@bp.route("/<reference>/cloturer", methods=["POST"])
@login_required
def close(reference):
    """Close the question; refused while the reply box (the close button is in its form) holds unsent text or
    files, so that closing never loses them. Members, who cannot reopen it, confirm first."""
    ticket = get_visible_ticket(current_user, reference)
    if not ActionForm().validate():
        abort(400)
    if request.form.get("body", "").strip() or any(upload.filename for upload in request.files.getlist("attachments")):
        flash(_("Votre message n'a pas été envoyé et la question reste ouverte. Envoyez-le, ou effacez-le, "
                "avant de clore la question."), "error")
        flash_files_to_attach_again()
        return render_detail(ticket), 409
    if current_user.is_member and not ticket.is_closed and request.form.get("confirme") != "1":
        return render_template("tickets/close_confirm.html", ticket=ticket)
    with flash_refusal():
        # Where the jurist goes on from is read while the question is still in their view.
        view = working_view(ticket) if current_user.is_staff and not ticket.is_closed else None
        services.close(ticket, current_user)
        flash(_("La question est clôturée."), "success")
        if view is not None:
            flash_next_question(*view)
    return to_question(ticket)


@bp.route("/<reference>/prendre", methods=["POST"])
@login_required
def claim(reference):
    """« Je prends » : claim an unassigned question."""
    ticket = staff_question(reference)
    if not ActionForm().validate():
        abort(400)
    with flash_refusal(Conflict, InvalidInput):
        services.claim(ticket, current_user)
        flash(_("Vous avez pris cette question."), "success")
    return to_question(ticket)


@bp.route("/<reference>/assigner", methods=["POST"])
@login_required
def assign(reference):
    """Assign the question to a colleague, or unassign it."""
    ticket = staff_question(reference)
    form = AssignForm()
    form.assignee.choices = select_choices(_assignee_choices())
    if not form.validate():
        flash_not_saved(_("Choisissez un ou une juriste de la liste."))
        return to_question(ticket)
    with flash_refusal():
        services.assign(ticket, current_user, form.assignee.data or None)
        if ticket.assignee is None:
            flash(_("La question n'est plus assignée. Elle attend dans « Non assignées » qu'un ou une juriste la "
                    "prenne."), "success")
        else:
            flash(_("Question assignée à %(name)s.", name=ticket.assignee.name), "success")
    return to_question(ticket)


@bp.route("/<reference>/statut", methods=["POST"])
@login_required
def status(reference):
    """Change the question's status along the flow."""
    ticket = staff_question(reference)
    form = StatusForm()
    form.status.choices = select_choices(STATUSES.items())
    if not form.status.data:
        flash_not_saved(_("Choisissez le nouveau statut."))
        return to_question(ticket)
    if not form.validate():
        flash_not_saved(_("Ce statut n'existe pas."))
        return to_question(ticket)
    with flash_refusal():
        view = working_view(ticket) if form.status.data == "closed" and not ticket.is_closed else None
        services.change_status(ticket, current_user, form.status.data)
        flash(_("Statut « %(status)s » enregistré.", status=ticket.status_label), "success")
        if view is not None:
            flash_next_question(*view)
    return to_question(ticket)


@bp.route("/<reference>/classement", methods=["POST"])
@login_required
def classify(reference):
    """Correct the question's theme and urgency (its deadlines follow)."""
    ticket = staff_question(reference)
    form = ClassifyForm()
    form.theme.choices = select_choices(_classify_theme_choices(ticket))
    if not form.validate():
        flash_not_saved(_("Choisissez un thème et une urgence de la liste."))
        return to_question(ticket)
    with flash_refusal():
        services.classify(ticket, current_user, form.theme.data or None, form.priority.data)
        flash(_("Thème « %(theme)s » et urgence « %(priority)s » enregistrés.",
                theme=ticket.theme.name if ticket.theme else _("aucun"), priority=ticket.priority_label), "success")
    return to_question(ticket)


@bp.route("/<reference>/supprimer", methods=["GET", "POST"])
@admin_required
@irreversible_from_login_network
def delete(reference):
    """Ask to confirm (GET, or a POST without the password the page asks for), then delete a question with its
    messages and files (administrators) (POST)."""
    if request.method == "GET":
        ticket, typed_otherwise = _question_page(reference)
        return typed_otherwise or render_template("tickets/delete.html", ticket=ticket, action_form=ActionForm())
    ticket = get_visible_ticket(current_user, reference)
    if not ActionForm().validate():
        abort(400)
    if refused := current_password_refusal():
        return render_template("tickets/delete.html", ticket=ticket, action_form=ActionForm()), refused
    services.delete_question(ticket, current_user)
    flash(_("La question %(reference)s et ses fichiers ont été supprimés.", reference=reference), "success")
    return redirect(back_to_list_url("queue"))
