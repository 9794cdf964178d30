"""Personal data pages: the notice, a member's export, admins' anonymisation."""
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from helpdesk.auth.network import current_password_refusal, irreversible_from_login_network
from helpdesk.extensions import db
from helpdesk.main.forms import Form
from helpdesk.models import Structure, Ticket, User
from helpdesk.permissions import admin_required
from helpdesk.privacy import bp
from helpdesk.privacy.services import anonymise_structure, anonymise_user, export_personal_data
from helpdesk.translation import gettext as _
from helpdesk.views import flash_refusal


@bp.route("/donnees-personnelles")
def notice():
    """« Données personnelles » : what is kept, why, for how long, and the member's rights."""
    return render_template("privacy/notice.html")


@bp.route("/compte/mes-donnees.zip")
@login_required
def export():
    """Download one's own data: donnees.json and the files one sent."""
    content = export_personal_data(current_user)
    filename = f"mes-donnees-helpdesk-{date.today().isoformat()}.zip"
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})


def _anonymise(target, operation, done: str, back: str, page):
    """Run an anonymisation after checking the form token and the password the page asks for, then go back to the
    list; without the password, `page()` again with the refusal's status."""
    if not Form().validate():
        abort(400)
    if refused := current_password_refusal():
        return page(), refused
    with flash_refusal():
        operation(target, current_user)
        flash(done, "success")
    return redirect(url_for(back))


@bp.route("/admin/utilisateurs/<int:user_id>/anonymiser", methods=["GET", "POST"])
@admin_required
@irreversible_from_login_network
def anonymise_user_view(user_id):
    """Ask to confirm (GET, or a POST without the password the page asks for), then anonymise an account (and a
    member's questions and files) (POST)."""
    user = db.session.get(User, user_id) or abort(404)

    def page():
        """The confirmation page."""
        return render_template("privacy/anonymise_user.html", user=user, form=Form())

    if request.method == "GET":
        return page()
    return _anonymise(user, anonymise_user, _("Compte anonymisé : ses données personnelles ont été supprimées."),
                      "admin.users", page)


@bp.route("/admin/structures/<int:structure_id>/anonymiser", methods=["GET", "POST"])
@admin_required
@irreversible_from_login_network
def anonymise_structure_view(structure_id):
    """Ask to confirm (GET, or a POST without the password the page asks for), then anonymise a structure, its
    accounts and its questions (POST)."""
    structure = db.session.get(Structure, structure_id) or abort(404)

    def page():
        """The confirmation page, with the structure's questions counted."""
        questions = db.session.scalar(select(func.count()).select_from(Ticket)
                                      .where(Ticket.structure_id == structure.id))
        return render_template("privacy/anonymise_structure.html", structure=structure, questions=questions,
                               form=Form())

    if request.method == "GET":
        return page()
    return _anonymise(structure, anonymise_structure,
                      _("Structure anonymisée : ses comptes, questions et fichiers ne contiennent plus de données personnelles."),
                      "admin.structures", page)
