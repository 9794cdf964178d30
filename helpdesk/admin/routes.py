"""Administration pages."""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from helpdesk.admin import bp
from helpdesk.admin import imports
from helpdesk.admin.forms import (AccountFilterForm, ConfirmImportForm, ImportForm, StructureFilterForm, StructureForm,
                                  ThemeEditForm, ThemeForm, ToggleForm, UserEditForm, UserForm)
from helpdesk.admin.services import (accounts_query, active_accounts, create_theme, save_structure, structure_choices,
                                     structures_query, toggle_theme, update_theme)
from helpdesk.auth.passwords import resend_invitation
from helpdesk.auth.network import (OPENS_ACCESS, ask_current_password, current_password_refusal, from_login_network,
                                   limits_password_guesses, refused_from_another_network)
from helpdesk.auth.services import (create_user, leaves_legal_team, open_assignment_count, opens_access, set_active,
                                    update_user)
from helpdesk.collation import french_order
from helpdesk.errors import InvalidInput
from helpdesk.extensions import db
from helpdesk.i18n import format_number
from helpdesk.main.forms import select_choices
from helpdesk.main.query_args import int_arg, page_arg, url_with_query
from helpdesk.models import REGIONS, ROLES, STRUCTURE_TYPES, Structure, Theme, Ticket, User
from helpdesk.permissions import admin_required
from helpdesk.translation import gettext as _, ngettext
from helpdesk.triage import routing, sla
from helpdesk.views import flash_not_saved, flash_refusal, list_page, refuse_form


def _get_or_404(model, object_id: int):
    """Load by primary key or answer 404."""
    instance = db.session.get(model, object_id)
    if instance is None:
        abort(404)
    return instance


@bp.route("/")
@admin_required
def index():
    """Administration home with a few counts, and the points to check in service levels and routing."""
    counts = {
        "structures": db.session.scalar(select(func.count()).select_from(Structure)),
        "active_structures": db.session.scalar(select(func.count()).select_from(Structure).where(Structure.active)),
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "tickets": db.session.scalar(select(func.count()).select_from(Ticket)),
        "sla_warnings": len(sla.policy_warnings()),
        "routing_warnings": len(routing.rule_warnings(routing.ordered_rules())),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/structures")
@admin_required
def structures():
    """List member structures with their active accounts, or those matching the search (name or SIRET) and the
    membership state chosen."""
    form = StructureFilterForm(request.args)
    filters = form.filters()
    page = list_page(structures_query(**filters), 50)
    return render_template("admin/structures.html", page=page, form=form, filtered=any(filters.values()),
                           accounts=active_accounts(page.items))


@bp.route("/structures/nouvelle", methods=["GET", "POST"])
@bp.route("/structures/<int:structure_id>", methods=["GET", "POST"])
@admin_required
def structure(structure_id=None):
    """Create or edit a structure."""
    instance = _get_or_404(Structure, structure_id) if structure_id is not None else None
    form = StructureForm(obj=instance)
    status = 200
    if form.validate_on_submit():
        try:
            saved = save_structure(instance, name=form.name.data, siret=form.siret.data, type=form.type.data,
                                   region=form.region.data, active=form.active.data, actor=current_user)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Structure « %(name)s » enregistrée.", name=saved.name), "success")
            return redirect(url_for("admin.structures"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("admin/structure.html", form=form, structure=instance), status


def _structure_choices() -> list[tuple[int, str]]:
    """The structure list of the account forms (0: none, for the team); a structure whose membership is inactive
    says so, its members being unable to ask questions."""
    structures = db.session.scalars(select(Structure).order_by(french_order(Structure.name))).all()
    return [(0, "—")] + [(structure_id, label if structure.active else _("%(name)s (adhésion inactive)", name=label))
                         for structure, (structure_id, label) in zip(structures, structure_choices(structures))]


@bp.route("/utilisateurs")
@admin_required
def users():
    """List accounts, or those matching the search (name, e-mail or structure), the role and the state chosen."""
    form = AccountFilterForm(request.args)
    filters = form.filters()
    page = list_page(accounts_query(**filters), 50)
    return render_template("admin/users.html", page=page, form=form, filtered=any(filters.values()),
                           toggle_form=ToggleForm())


def _back_to_users() -> str:
    """The accounts list as the admin left it for an action on one of its lines: the same filters and page."""
    page, form = page_arg(), AccountFilterForm(request.args)
    form.validate()
    return url_for("admin.users", **form.query_args(), page=page if page > 1 else None)


@bp.route("/utilisateurs/nouveau", methods=["GET", "POST"])
@admin_required
@from_login_network
@limits_password_guesses
def new_user():
    """Create an account (`?structure=`: in that structure, from its page) with the password typed in the last
    minutes, else typed in the form, which shows « Mot de passe actuel » then (`current_password_refusal`): any new
    account opens its structure's questions or the queue."""
    form = UserForm()
    form.structure.choices = select_choices(_structure_choices())
    status = 200
    if request.method == "GET":
        form.structure.data = int_arg("structure") or 0
        ask_current_password()
    if form.validate_on_submit():
        if refused := current_password_refusal(OPENS_ACCESS):
            return render_template("admin/user_new.html", form=form), refused
        try:
            user = create_user(form.email.data, form.name.data, None if form.invite.data else form.password.data,
                               form.role.data, form.structure.data or None, actor=current_user)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Compte créé pour %(email)s, invitation envoyée.", email=user.email) if form.invite.data
                  else _("Compte créé pour %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("admin/user_new.html", form=form), status


@bp.route("/utilisateurs/<int:user_id>/modifier", methods=["GET", "POST"])
@admin_required
@from_login_network
@limits_password_guesses
def edit_user(user_id):
    """Correct an account's name, email, role or structure; a jurist made a member would leave open questions to the
    queue: that is confirmed first. Giving a jurist's or an admin's role, changing an account's address or a member's
    structure asks for the password typed in the last minutes, else typed in the form (`opens_access`,
    `current_password_refusal`)."""
    user = _get_or_404(User, user_id)
    form = UserEditForm(user)
    form.structure.choices = select_choices(_structure_choices())
    if request.method == "GET":
        form.structure.data = user.structure_id or 0
    status = 200
    if form.validate_on_submit():
        if opens_access(user, form.role.data, form.email.data, form.structure.data or None) and (
                refused := current_password_refusal(OPENS_ACCESS)):
            return render_template("admin/user_edit.html", form=form, user=user, back=_back_to_users()), refused
        if leaves_legal_team(user, form.role.data) and (confirmation := _release_confirmation(
                user, "admin.edit_user", role=ROLES[form.role.data], hidden={
                    "email": form.email.data, "name": form.name.data, "role": form.role.data,
                    "structure": form.structure.data})):
            return confirmation
        try:
            released = update_user(user, current_user, email=form.email.data, name=form.name.data,
                                   role=form.role.data, structure_id=form.structure.data or None)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Compte %(email)s mis à jour.", email=user.email), "success")
            _flash_released(released)
            return redirect(_back_to_users())
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("admin/user_edit.html", form=form, user=user, back=_back_to_users()), status


@bp.route("/utilisateurs/<int:user_id>/activation", methods=["POST"])
@admin_required
@limits_password_guesses
def toggle_user(user_id):
    """Deactivate an account (logging it out), from anywhere, or reactivate it, from the session's login network with
    the password typed in the last minutes, else typed on a page asking for it (it opens again what the account could
    read); a jurist's open questions would go back to the queue: that is confirmed first."""
    user = _get_or_404(User, user_id)
    if not user.active and (refused := refused_from_another_network(None, _back_to_users())):
        return refused
    if not ToggleForm().validate():
        abort(400)
    if not user.active and (refused := current_password_refusal()):
        return render_template("admin/user_reactivate.html", user=user,
                               action=url_with_query("admin.toggle_user", user_id=user.id),
                               back=_back_to_users()), refused
    if user.active and (confirmation := _release_confirmation(user, "admin.toggle_user")):
        return confirmation
    with flash_refusal():
        released = set_active(user, not user.active, current_user)
        flash(_("Compte %(email)s réactivé.", email=user.email) if user.active
              else _("Compte %(email)s désactivé.", email=user.email), "success")
        _flash_released(released)
    return redirect(_back_to_users())


def _release_confirmation(user: User, endpoint: str, role: str | None = None, hidden: dict | None = None) -> str | None:
    """The page asking to confirm a change taking `user` out of the legal team (a deactivation, or the role `role`)
    when it would put open questions back in « Non assignées » and was not confirmed yet; None otherwise (nothing to
    lose, or the admin's own account, which the service refuses)."""
    if user.id == current_user.id or request.form.get("confirme") == "1" \
            or not (assigned := open_assignment_count(user)):
        return None
    return render_template("admin/user_release_confirm.html", user=user, assigned=assigned, role=role,
                           hidden=hidden or {}, action=url_with_query(endpoint, user_id=user.id),
                           back=_back_to_users())


def _flash_released(released: int) -> None:
    """Tell the admin how many open questions went back to the queue with the jurist's departure."""
    if released:
        flash(ngettext("%(num)d question ouverte qui lui était assignée attend dans « Non assignées ».",
                       "%(num)d questions ouvertes qui lui étaient assignées attendent dans « Non assignées ».",
                       released), "info")


@bp.route("/utilisateurs/<int:user_id>/invitation", methods=["POST"])
@admin_required
@from_login_network
def invite_again(user_id):
    """Email an account a fresh link to choose its password."""
    user = _get_or_404(User, user_id)
    if not ToggleForm().validate():
        abort(400)
    with flash_refusal():
        resend_invitation(user, current_user)
        flash(_("Invitation renvoyée à %(email)s.", email=user.email), "success")
    return redirect(_back_to_users())


@bp.route("/themes", methods=["GET", "POST"])
@admin_required
def themes():
    """List and add themes."""
    form = ThemeForm()
    status = 200
    if form.validate_on_submit():
        try:
            theme = create_theme(form.name.data, current_user)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Thème « %(name)s » ajouté.", name=theme.name), "success")
            return redirect(url_for("admin.themes"))
    elif form.is_submitted():
        status = refuse_form(form)
    themes = db.session.scalars(select(Theme).order_by(french_order(Theme.name))).all()
    return render_template("admin/themes.html", form=form, themes=themes, toggle_form=ToggleForm()), status


@bp.route("/themes/<int:theme_id>/modifier", methods=["GET", "POST"])
@admin_required
def edit_theme(theme_id):
    """Rename a theme, retire or restore it."""
    theme = _get_or_404(Theme, theme_id)
    form = ThemeEditForm(obj=theme)
    status = 200
    if form.validate_on_submit():
        try:
            update_theme(theme, current_user, name=form.name.data, active=form.active.data)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Thème « %(name)s » enregistré.", name=theme.name), "success")
            return redirect(url_for("admin.themes"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("admin/theme_edit.html", form=form, theme=theme), status


@bp.route("/themes/<int:theme_id>/activation", methods=["GET", "POST"])
@admin_required
def toggle_theme_view(theme_id):
    """Ask to confirm retiring an active theme (GET), then retire or restore it (POST; the buttons say which with
    `actif`, so that a second click changes nothing)."""
    theme = _get_or_404(Theme, theme_id)
    if request.method == "GET":
        if not theme.active:  # restoring needs no confirmation: the list's button does it
            return redirect(url_for("admin.themes"))
        return render_template("admin/theme_retire.html", theme=theme, form=ToggleForm())
    if not ToggleForm().validate():
        abort(400)
    if request.form.get("actif") != ("1" if theme.active else "0"):
        toggle_theme(theme, current_user)
    flash(_("Thème « %(name)s » réactivé.", name=theme.name) if theme.active
          else _("Thème « %(name)s » retiré.", name=theme.name), "success")
    return redirect(url_for("admin.themes"))


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_structures():
    """Explain the CSV file of structures and accounts (GET); check an uploaded one and show what importing it would
    create, or its errors (POST; nothing is written but the file kept for « Importer », whose form shows « Mot de
    passe actuel » when the password was typed too long ago: `ask_current_password`)."""
    form = ImportForm()
    if form.validate_on_submit():
        content = form.file.data.read(imports.MAX_BYTES + 1)
        plan = imports.check_import(content, form.file.data.filename or "", form.encoding.data)
        reference = imports.stage_file(content, plan, current_user) if plan.can_apply else ""
        if plan.can_apply:
            ask_current_password()
        return _import_preview(plan, reference)
    status = refuse_form(form) if form.is_submitted() else 200
    return render_template("admin/import.html", form=form, structure_types=STRUCTURE_TYPES, regions=REGIONS,
                           headers={key: header for key, header, _required, _names in imports.COLUMNS},
                           max_lines=imports.MAX_LINES), status


def _import_preview(plan: imports.ImportPlan, reference: str) -> str:
    """The preview of a checked file: what « Importer » (the kept file's `reference`) would create, or its errors."""
    return render_template("admin/import_preview.html", plan=plan, form=ImportForm(formdata=None), reference=reference)


@bp.route("/import/modele.csv")
@admin_required
def import_model():
    """The model file to fill in: the header row and one fictional line."""
    return Response("\ufeff" + imports.model_file(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="modele-import-structures.csv"'})


@bp.route("/import/confirmer", methods=["POST"])
@admin_required
@from_login_network
@limits_password_guesses
def confirm_import():
    """Read the kept file again, check it against the database as it is now, and import it all or nothing, with the
    password typed in the last minutes, else typed in the preview's form, shown again with the field when it is
    missing or wrong (`current_password_refusal`: the accounts it creates open their structures' questions)."""
    reference = ConfirmImportForm().token.data
    try:
        content, filename, encoding, path = imports.staged_file(reference, current_user)
        plan = imports.check_import(content, filename, encoding)
        if not plan.can_apply:
            path.unlink(missing_ok=True)
            return _import_preview(plan, "")
        if refused := current_password_refusal():
            return _import_preview(plan, reference), refused
        result = imports.apply_import(plan, current_user)
    except InvalidInput as error:
        flash_not_saved(error.message)
        return redirect(url_for("admin.import_structures"))
    path.unlink(missing_ok=True)
    flash(_("%(structures)s et %(accounts)s créés ; %(invitations)s.",
            structures=ngettext("%(count)s structure", "%(count)s structures", result.structures,
                                count=format_number(result.structures)),
            accounts=ngettext("%(count)s compte", "%(count)s comptes", result.accounts,
                              count=format_number(result.accounts)),
            invitations=ngettext("%(count)s invitation envoyée", "%(count)s invitations envoyées", result.accounts,
                                 count=format_number(result.accounts))),
          "success")
    if result.reused_structures:
        flash(ngettext("Des comptes ont été ajoutés à %(count)s structure existante.",
                       "Des comptes ont été ajoutés à %(count)s structures existantes.", result.reused_structures,
                       count=format_number(result.reused_structures)),
              "info")
    return redirect(url_for("admin.structures"))
