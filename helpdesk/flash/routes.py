"""Flash info pages: jurists write, preview and publish; members read, subscribe and unsubscribe."""
from flask import abort, after_this_request, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from helpdesk.auth.network import (ask_current_password, current_password_refusal, limits_password_guesses,
                                   refused_from_another_network)
from helpdesk.errors import Forbidden, InvalidInput
from helpdesk.extensions import csrf, db
from helpdesk.flash import bp, services
from helpdesk.flash.forms import ActionForm, BulletinForm, SubscriptionsForm
from helpdesk.kb.searching import theme_choices
from helpdesk.kb.services import get_visible_article
from helpdesk.main.forms import select_choices
from helpdesk.models import Article, FlashBulletin
from helpdesk.permissions import member_required, staff_required
from helpdesk.tickets.services import active_themes
from helpdesk.translation import gettext as _, ngettext
from helpdesk.views import flash_refusal, refuse_form


@bp.app_template_global()
def unread_flash_bulletins():
    """Bulletins the current member has not read yet (their home page shows them)."""
    return services.unread_bulletins(current_user)


def _bulletin_article(slug: str) -> Article:
    """The flash article with this slug, as the current user may see it (404 otherwise)."""
    article = get_visible_article(current_user, slug)
    if article.type != "flash" or db.session.get(FlashBulletin, article.id) is None:
        abort(404)
    return article


@bp.route("/")
@login_required
def index():
    """Jurists' list of bulletins with their sending progress; members read flash info among the resources, newest
    first (they were refused this address)."""
    if not current_user.is_staff:
        return redirect(url_for("kb.search", type="flash", tri="date"))
    articles = db.session.scalars(select(Article).join(FlashBulletin, FlashBulletin.article_id == Article.id)
                                  .order_by(Article.created_at.desc())).all()
    return render_template("flash/index.html", articles=articles, delivered=services.delivered_count)


def _edit(article: Article | None):
    """Shared body of the new and edit pages."""
    form = BulletinForm()
    form.themes.choices = select_choices(theme_choices(article.themes if article else ()))
    if article is not None and request.method == "GET":
        bulletin = services.get_bulletin(article)
        form = BulletinForm(obj=article)
        form.themes.choices = select_choices(theme_choices(article.themes))
        form.themes.data = [theme.slug for theme in article.themes]
        form.audience.data = "all" if bulletin.all_members else "targeted"
        form.structure_types.data, form.regions.data = bulletin.structure_types, bulletin.regions
    status = 200
    if form.validate_on_submit():
        try:
            saved = services.save_bulletin(article, form.to_data(), form.to_audience(), current_user)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(_("Brouillon enregistré. Vérifiez l'aperçu avant de publier."), "success")
            return redirect(url_for("flash.preview", slug=saved.slug))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("flash/edit.html", form=form, article=article), status


@bp.route("/nouveau", methods=["GET", "POST"])
@staff_required
def new():
    """Write a new bulletin (saved as a draft)."""
    return _edit(None)


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@staff_required
def edit(slug):
    """Edit a draft bulletin."""
    return _edit(_bulletin_article(slug))


@bp.route("/<slug>/apercu")
@staff_required
def preview(slug):
    """The bulletin as members will see it, its email, its audience; publish from here (with « Mot de passe actuel »
    when the password was not typed in the last minutes)."""
    ask_current_password()
    return _preview_page(_bulletin_article(slug))


def _preview_page(article: Article) -> str:
    """The preview page of a bulletin."""
    bulletin = services.get_bulletin(article)
    members, subscribers = services.audience_size(bulletin)
    subject, text = services.email_preview(article, current_user)
    return render_template("flash/preview.html", article=article, bulletin=bulletin, members=members,
                           subscribers=subscribers, email_subject=subject, email_text=text,
                           delivered=services.delivered_count(article), action_form=ActionForm(),
                           structure_types=bulletin.structure_types, regions=bulletin.regions)


@bp.route("/<slug>/publier", methods=["POST"])
@staff_required
@limits_password_guesses
def publish(slug):
    """Publish: home pages at once, emails fanned out by `flask flash send` (after the response when no loop runs).

    Only from the network the session logged in from, with the password typed in the last minutes or in the
    preview's « Mot de passe actuel »: a session cookie copied with the browser's User-Agent would otherwise mail its
    holder's words (a « password expiring » link) to every member in the help desk's name
    (`current_password_refusal`)."""
    article = _bulletin_article(slug)
    back = url_for("flash.preview", slug=article.slug)
    if refused := refused_from_another_network(_(
            "Par sécurité, reconnectez-vous pour publier ce flash info, qui part par courriel à ses destinataires "
            "(votre session est utilisée depuis un autre réseau que celui de la connexion)."), back=back):
        return refused
    if not ActionForm().validate():
        abort(400)
    if refused := current_password_refusal():
        return _preview_page(article), refused
    with flash_refusal():
        recipients = services.publish_bulletin(article, current_user)
        flash(ngettext("Flash info publié. Il s'affiche sur l'accueil des membres ; l'envoi à %(num)d abonné se fait "
                       "en arrière-plan.", "Flash info publié. Il s'affiche sur l'accueil des membres ; l'envoi à "
                       "%(num)d abonnés se fait en arrière-plan.", recipients), "success")
        if current_app.config["MAIL_SEND_AFTER_REQUEST"]:
            # No fan-out loop beside the embedded server (`make run`): fan out once the response is delivered.
            app = current_app._get_current_object()

            @after_this_request
            def fan_out(response):
                """Fan the bulletin out after the response."""
                response.call_on_close(lambda: services.fan_out_quietly(app))
                return response
    return redirect(back)


@bp.route("/<slug>/lire", methods=["POST"])
@member_required
def read(slug):
    """Open a bulletin from the home page (a form, never a GET that another site could trigger): it counts as read."""
    article = _bulletin_article(slug)
    if not ActionForm().validate():
        abort(400)
    services.mark_read(current_user, article)
    return redirect(url_for("kb.article", slug=article.slug))


@bp.route("/<slug>/lu", methods=["POST"])
@member_required
def dismiss(slug):
    """« Marquer comme lu » : remove the bulletin from the home page."""
    article = _bulletin_article(slug)
    if not ActionForm().validate():
        abort(400)
    services.mark_read(current_user, article)
    flash(_("Flash info marqué comme lu. Il n'apparaît plus sur votre accueil et reste consultable dans les "
            "ressources."), "success")
    return redirect(url_for("main.index"))


@bp.route("/abonnements", methods=["GET", "POST"])
@member_required
def subscriptions():
    """A member chooses the themes whose bulletins they receive by email."""
    form = SubscriptionsForm()
    form.themes.choices = select_choices((theme.id, theme.name) for theme in active_themes())
    if request.method == "GET":
        form.themes.data = sorted(services.subscribed_theme_ids(current_user))
    status = 200
    if form.validate_on_submit():
        try:
            services.set_subscriptions(current_user, form.themes.data or [])
        except (InvalidInput, Forbidden) as error:
            status = refuse_form(form, error)
        else:
            if form.themes.data:
                flash(_("Vos abonnements sont enregistrés."), "success")
            else:
                # Every bulletin has a theme: no theme, no email at all.
                flash(_("Vous ne recevrez aucun flash info par courriel, faute de thème choisi. Ceux qui vous "
                        "concernent s'affichent toujours sur votre accueil et dans les ressources."), "success")
            return redirect(url_for("flash.subscriptions"))
    elif form.is_submitted():
        status = refuse_form(form)
    return render_template("flash/subscriptions.html", form=form), status


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token):
    """Unsubscribe from every flash info email from a mail link, without logging in (GET asks, POST does).

    Exempt from CSRF so mail clients' one-click unsubscribe (RFC 8058) works: the signed token is the credential.
    """
    user = services.user_from_unsubscribe_token(token)
    if user is None:
        return render_template("flash/unsubscribe.html", invalid=True), 404
    if request.method == "POST":
        services.unsubscribe_all(user)
        return render_template("flash/unsubscribe.html", done=True, email=user.email)
    return render_template("flash/unsubscribe.html", email=user.email)
