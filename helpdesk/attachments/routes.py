"""Downloading and withdrawing attachments."""
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from helpdesk.attachments import bp, services
from helpdesk.audit.services import record_download
from helpdesk.auth.network import (ask_current_password, current_password_refusal, limits_password_guesses,
                                   refused_from_another_network)
from helpdesk.main.forms import Form
from helpdesk.permissions import ensure_can_remove_attachment, get_visible_attachment
from helpdesk.translation import gettext as _


@bp.route("/<int:attachment_id>")
def download(attachment_id):
    """Send a file to a user allowed to see its parent, always as a download, never rendered."""
    attachment = get_visible_attachment(current_user, attachment_id)
    path = services.stored_path(attachment)
    if not path.is_file():
        abort(404)
    record_download(current_user, attachment)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, conditional=True, etag=attachment.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:attachment_id>/retirer", methods=["GET", "POST"])
@login_required
@limits_password_guesses
def remove(attachment_id):
    """Ask to confirm (GET), then withdraw a file from a resource and delete it (POST); the team only, from the
    session's login network with the password typed in the last minutes, else typed on the page: nothing brings the
    file back (wrong passwords have the login's rate and lock-out)."""
    attachment = get_visible_attachment(current_user, attachment_id)
    ensure_can_remove_attachment(current_user, attachment)
    if refused := refused_from_another_network(_(
            "Par sécurité, reconnectez-vous pour retirer le fichier d'une ressource, ce qui ne se défait pas (votre "
            "session est utilisée depuis un autre réseau que celui de la connexion).")):
        return refused
    if request.method == "GET":
        ask_current_password()
        return render_template("attachments/remove.html", attachment=attachment)
    if not Form().validate():
        abort(400)
    if refused := current_password_refusal():
        return render_template("attachments/remove.html", attachment=attachment), refused
    filename = attachment.filename
    article = services.remove_article_attachment(attachment, current_user)
    flash(_("Fichier « %(name)s » retiré.", name=filename), "success")
    return redirect(url_for("kb.article", slug=article.slug))
