"""Pages of the email area: notification preferences, unplaced inbound mail, the outbox for admins."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload


from helpdesk.audit.services import record_inbound_mail_read
# The module, not its function: auth.passwords imports this package (its outbox) and may be the one loading it.
from helpdesk.auth import passwords
from helpdesk.errors import ServiceError
from helpdesk.extensions import db
from helpdesk.i18n import format_number
from helpdesk.mail import bp
from helpdesk.mail.forms import ActionForm, AttachForm, PreferencesForm, offer_mail_files
from helpdesk.mail.ingest import attach, discard, ensure_pending, kept_files, read_kept, sender_unproven
from helpdesk.mail.notifications import set_preferences
from helpdesk.mail.parsing import ParsedMail
from helpdesk.mail.outbox import PASSWORD_LINK_KINDS
from helpdesk.mail.sender import retry_failed, send_waiting_now
from helpdesk.models import OUTBOX_STATUSES, InboundEmail, OutboxEmail, User
from helpdesk.permissions import admin_required, staff_required
from helpdesk.translation import gettext as _, ngettext
from helpdesk.views import flash_refusal, list_page, refuse_form


@bp.route("/compte/notifications", methods=["GET", "POST"])
@login_required
def preferences():
    """Let users choose immediate mail or a daily digest, and opt out of secondary mail."""
    user = db.session.get(User, current_user.id)
    form = PreferencesForm(obj=user)
    if not user.is_staff:  # members never get the shared queue's mail
        form.notify_optional.label.text = _("Recevoir aussi les courriels secondaires (questions clôturées)")
    status = 200
    if form.validate_on_submit():
        try:
            set_preferences(user, form.notify_mode.data, form.notify_optional.data)
        except ServiceError as error:
            status = refuse_form(form, error)
        else:
            flash(_("Vos préférences de courriel sont enregistrées."), "success")
            return redirect(url_for("mail.preferences"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("mail/preferences.html", form=form), status


@bp.route("/courriels")
@staff_required
def inbound():
    """Received emails that could not be placed on a question (or, with ?etat=traites, those handled)."""
    handled = request.args.get("etat") == "traites"
    statuses = ("attached", "discarded") if handled else ("pending",)
    query = (select(InboundEmail).where(InboundEmail.status.in_(statuses)).order_by(InboundEmail.received_at.desc())
             .options(selectinload(InboundEmail.ticket), selectinload(InboundEmail.handled_by)))
    page = list_page(query, 25)
    return render_template("mail/inbound.html", page=page, handled=handled)


def _inbound_or_404(inbound_id: int) -> InboundEmail:
    """A received email kept for review, or 404."""
    record = db.session.get(InboundEmail, inbound_id)
    if record is None or record.status == "placed":
        abort(404)
    return record


def _attach_form(parsed: ParsedMail, form: AttachForm | None = None) -> AttachForm:
    """The form attaching a kept email, as `parsed` (the one posted, or a new one naming the reference the email
    cites, its files all ticked), its files offered as boxes to tick with the limit of files a message takes."""
    files = kept_files(parsed)
    if form is None:
        form = AttachForm(reference=parsed.reference, mail_files=list(range(len(files))))
    offer_mail_files(form.mail_files, files, new_question=False)
    return form


def _render_inbound_detail(record: InboundEmail, attach_form: AttachForm | None = None) -> str:
    """The page of a kept email (`attach_form`: a refused attachment, shown again with the reference typed and the
    files ticked); each display is journalled."""
    parsed = read_kept(record.raw)
    record_inbound_mail_read(current_user, record)
    return render_template("mail/inbound_detail.html", record=record, parsed=parsed,
                           unproven=record.status == "pending" and sender_unproven(record, parsed),
                           attach_form=attach_form or _attach_form(parsed))


@bp.route("/courriels/<int:inbound_id>")
@staff_required
def inbound_detail(inbound_id):
    """One kept email: its text, its full body, and the forms to attach or discard it."""
    return _render_inbound_detail(_inbound_or_404(inbound_id))


@bp.route("/courriels/<int:inbound_id>/rattacher", methods=["POST"])
@staff_required
def inbound_attach(inbound_id):
    """Attach a kept email to a question; a refusal shows the email again with the reference typed."""
    record = _inbound_or_404(inbound_id)
    form = _attach_form(read_kept(record.raw), AttachForm())
    if not form.validate_on_submit():
        if not form.reference.errors and not form.mail_files.errors:  # an expired form: the fields have nothing to say
            flash(_("Ce formulaire a expiré. Recommencez."), "error")
            return _render_inbound_detail(record, form), 400
        status = refuse_form(form)
        return _render_inbound_detail(record, form), status
    try:
        ticket = attach(record, form.reference.data, current_user, chosen=form.mail_files.data or [])
    except ServiceError as error:
        status = refuse_form(form, error)
        return _render_inbound_detail(record, form), status
    flash(_("Courriel rattaché à la question %(reference)s.", reference=ticket.reference), "success")
    return redirect(url_for("mail.inbound"))


@bp.route("/courriels/<int:inbound_id>/ecarter", methods=["GET", "POST"])
@staff_required
def inbound_discard(inbound_id):
    """Ask to confirm (GET), then set a kept email aside for good (POST)."""
    record = _inbound_or_404(inbound_id)
    if request.method == "GET":
        with flash_refusal(ServiceError):
            ensure_pending(record)
            return render_template("mail/inbound_discard.html", record=record)
        return redirect(url_for("mail.inbound_detail", inbound_id=record.id))
    if not ActionForm().validate():
        abort(400)
    with flash_refusal(ServiceError):
        discard(record, current_user)
        flash(_("Courriel écarté."), "success")
        return redirect(url_for("mail.inbound"))
    return redirect(url_for("mail.inbound_detail", inbound_id=record.id))


@bp.route("/admin/courriels")
@admin_required
def outbox():
    """The outbox for admins: counts per status and the mails that failed or still wait."""
    counts = dict(db.session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all())
    query = (select(OutboxEmail).where(OutboxEmail.status.in_(("failed", "pending", "sending")))
             .order_by(OutboxEmail.status, OutboxEmail.id.desc()))
    page = list_page(query, 50)
    return render_template("mail/outbox.html", counts=counts, statuses=OUTBOX_STATUSES, page=page,
                           action_form=ActionForm())


@bp.route("/admin/courriels/<int:outbox_id>/renvoyer", methods=["POST"])
@admin_required
def outbox_retry(outbox_id):
    """Send a failed mail again (an invitation whose link no longer works: a new invitation instead)."""
    row = db.session.get(OutboxEmail, outbox_id)
    if row is None or row.status != "failed":
        abort(404)
    if not ActionForm().validate():
        abort(400)
    resent = _("Le courriel à %(email)s sera renvoyé.", email=row.to_address)
    if row.kind not in PASSWORD_LINK_KINDS:
        retry_failed(row)
        flash(resent, "success")
    else:
        with flash_refusal():
            renewed = passwords.resend_password_mail(row, current_user)
            flash(_("Une nouvelle invitation, avec un nouveau lien, est envoyée à %(email)s. Le lien de la précédente "
                    "n'était plus valable (expiré ou remplacé).", email=row.to_address) if renewed else resent,
                  "success")
    return redirect(url_for("mail.outbox"))


@bp.route("/admin/courriels/envoyer", methods=["POST"])
@admin_required
def outbox_send():
    """Send the waiting mail now (the demo has no sender loop)."""
    if not ActionForm().validate():
        abort(400)
    report = send_waiting_now()
    sent = ngettext("%(count)s courriel envoyé", "%(count)s courriels envoyés", report.sent,
                    count=format_number(report.sent))
    flash(_("Envoi terminé, avec %(sent)s, %(retried)s à réessayer plus tard et %(failed)s en échec.", sent=sent,
            retried=format_number(report.retried), failed=format_number(report.failed)),
          "success" if not (report.retried or report.failed) else "error")
    return redirect(url_for("mail.outbox"))
