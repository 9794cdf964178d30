"""Webinar pages: programme, detail, registration, calendar file, questions sent ahead, jurists' editing and Q&A."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from helpdesk.audit.services import record_webinar_questions_read
from helpdesk.errors import Forbidden, InvalidInput, NotFound
from helpdesk.extensions import db
from helpdesk.kb.searching import offered_themes
from helpdesk.main.forms import select_choices
from helpdesk.models import Webinar
from helpdesk.permissions import member_required, staff_required
from helpdesk.templating import PARIS
from helpdesk.translation import gettext as _, ngettext
from helpdesk.views import flash_form_refused, refuse_form
from helpdesk.webinars import bp, services
from helpdesk.webinars.calendar import webinar_ics
from helpdesk.webinars.forms import AdvanceQuestionForm, QuestionAnswerForm, RegistrationForm, WebinarForm


def _webinar(webinar_id: int) -> Webinar:
    """The webinar or 404."""
    webinar = db.session.get(Webinar, webinar_id)
    if webinar is None:
        abort(404)
    return webinar


def _form(webinar: Webinar | None = None) -> WebinarForm:
    """The webinar form with its theme choices (and current values on first display)."""
    form = WebinarForm(obj=webinar)
    form.themes.choices = select_choices((theme.id, label)
                                         for theme, label in offered_themes(webinar.themes if webinar else ()))
    if webinar is not None and request.method == "GET":
        form.starts_at.data = webinar.starts_at.astimezone(PARIS).replace(tzinfo=None)
        form.speakers.data = "\n".join(webinar.speakers or [])
        form.themes.data = [theme.id for theme in webinar.themes]
    return form


@bp.route("/")
@login_required
def index():
    """Upcoming and past webinars, those the user registered to marked."""
    upcoming, past = services.upcoming_and_past()
    return render_template("webinars/index.html", upcoming=upcoming, past=past,
                           registered=services.registered_ids(current_user))


@bp.route("/<int:webinar_id>")
@login_required
def detail(webinar_id):
    """A webinar: programme, links, registration, and its Q&A once it took place."""
    return _render_detail(_webinar(webinar_id))


def _render_detail(webinar: Webinar, qa_form: QuestionAnswerForm | None = None,
                   advance_form: AdvanceQuestionForm | None = None):
    """The webinar page; `qa_form`, `advance_form`: a refused entry, shown again with what was typed (staff's display
    of the questions members sent ahead is journalled)."""
    context = {"webinar": webinar, "action_form": RegistrationForm(),
               "questions": services.questions_and_answers(webinar, current_user),
               "join_url": services.connection_link(webinar, current_user),
               "calendar": services.may_download_calendar(webinar, current_user)}
    if current_user.is_member:
        context["registered"] = services.is_registered(webinar, current_user)
        context.update(own_questions=services.own_questions(webinar, current_user),
                       advance_form=advance_form or AdvanceQuestionForm())
    if current_user.is_staff:
        sent_questions = services.questions_sent(webinar, current_user)
        record_webinar_questions_read(current_user, webinar, sent_questions)
        context.update(registrants=services.registrants(webinar, current_user), qa_form=qa_form or QuestionAnswerForm(),
                       sent_questions=sent_questions)
    return render_template("webinars/detail.html", **context)


@bp.route("/nouveau", methods=["GET", "POST"])
@staff_required
def new():
    """Programme a webinar."""
    form = _form()
    status = 200
    if form.validate_on_submit():
        try:
            webinar = services.save_webinar(None, form.to_values(), current_user)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Webinaire enregistré."), "success")
            return redirect(url_for("webinars.detail", webinar_id=webinar.id))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("webinars/edit.html", form=form, webinar=None), status


@bp.route("/<int:webinar_id>/modifier", methods=["GET", "POST"])
@staff_required
def edit(webinar_id):
    """Edit a webinar (add the slides and recording after the session)."""
    webinar = _webinar(webinar_id)
    form = _form(webinar)
    status = 200
    if form.validate_on_submit():
        try:
            services.save_webinar(webinar, form.to_values(), current_user)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Webinaire mis à jour."), "success")
            return redirect(url_for("webinars.detail", webinar_id=webinar.id))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("webinars/edit.html", form=form, webinar=webinar), status


@bp.route("/<int:webinar_id>/inscription", methods=["POST"])
@member_required
def register(webinar_id):
    """Register interest in a webinar that has not ended."""
    webinar = _webinar(webinar_id)
    if not RegistrationForm().validate():
        abort(400)
    try:
        registered = services.register_interest(webinar, current_user)
    except (InvalidInput, Forbidden) as error:
        flash(error.message, "error")
    else:
        if registered:
            flash(_("Votre inscription est enregistrée."), "success")
        else:
            flash(_("Vous êtes déjà inscrit(e) à ce webinaire."), "info")
    return redirect(url_for("webinars.detail", webinar_id=webinar.id))


@bp.route("/<int:webinar_id>/desinscription", methods=["POST"])
@member_required
def unregister(webinar_id):
    """Cancel one's registration; when that withdraws questions sent ahead, a page lists them and asks to confirm."""
    webinar = _webinar(webinar_id)
    if not RegistrationForm().validate():
        abort(400)
    questions = services.questions_withdrawn_on_cancel(webinar, current_user)
    if questions and not request.form.get("confirme"):
        return render_template("webinars/unregister_confirm.html", webinar=webinar, questions=questions)
    try:
        withdrawn = services.cancel_registration(webinar, current_user)
    except InvalidInput as error:
        flash(error.message, "error")
    else:
        flash(ngettext("Votre inscription est annulée et la question que vous aviez envoyée à l'avance est retirée.",
                       "Votre inscription est annulée et les %(num)d questions que vous aviez envoyées à l'avance "
                       "sont retirées.", withdrawn) if withdrawn else _("Votre inscription est annulée."), "success")
    return redirect(url_for("webinars.detail", webinar_id=webinar.id))


@bp.route("/<int:webinar_id>/agenda.ics")
@login_required
def calendar(webinar_id):
    """The webinar as an .ics file for a registered member's (or a jurist's) calendar."""
    webinar = _webinar(webinar_id)
    if not services.may_download_calendar(webinar, current_user):
        abort(403)
    body = webinar_ics(webinar, services.connection_link(webinar, current_user))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="webinaire-{webinar.id}.ics"'})


@bp.route("/<int:webinar_id>/mes-questions", methods=["POST"])
@member_required
def send_question(webinar_id):
    """A registered member sends a question ahead of the webinar."""
    webinar = _webinar(webinar_id)
    form = AdvanceQuestionForm()
    if not form.validate():
        flash_form_refused(form)
        return _render_detail(webinar, advance_form=form), 400
    try:
        services.send_question(webinar, current_user, form.text.data)
    except (InvalidInput, Forbidden) as error:
        flash(error.message, "error")
        return _render_detail(webinar, advance_form=form), error.status_code
    flash(_("Votre question est transmise aux intervenants."), "success")
    return redirect(url_for("webinars.detail", webinar_id=webinar.id) + "#mes-questions")


@bp.route("/<int:webinar_id>/mes-questions/<int:question_id>/supprimer", methods=["GET", "POST"])
@member_required
def delete_question(webinar_id, question_id):
    """Ask to confirm (GET), then withdraw one of the member's questions before the webinar starts (POST)."""
    webinar = _webinar(webinar_id)
    back = url_for("webinars.detail", webinar_id=webinar.id) + "#mes-questions"
    if request.method == "POST" and not RegistrationForm().validate():
        abort(400)
    try:
        question = services.withdrawable_question(webinar, question_id, current_user)
    except NotFound:
        abort(404)
    except InvalidInput as error:
        flash(error.message, "error")
        return redirect(back)
    if request.method == "GET":
        return render_template("webinars/question_delete.html", question=question, back=back)
    services.delete_question(webinar, question.id, current_user)
    flash(_("Votre question est retirée."), "success")
    return redirect(back)


@bp.route("/<int:webinar_id>/questions", methods=["POST"])
@staff_required
def add_question(webinar_id):
    """Add one question and its answer to the webinar's Q&A (published as a FAQ resource)."""
    webinar = _webinar(webinar_id)
    form = QuestionAnswerForm()
    if not form.validate():
        status = refuse_form(form)
        return _render_detail(webinar, form), status
    try:
        article = services.add_question_answer(webinar, form.question.data, form.answer.data, current_user)
    except InvalidInput as error:
        status = refuse_form(form, error)
        return _render_detail(webinar, form), status
    flash(_("Question « %(title)s » publiée dans la FAQ.", title=article.title), "success")
    return redirect(url_for("webinars.detail", webinar_id=webinar.id) + "#questions")
