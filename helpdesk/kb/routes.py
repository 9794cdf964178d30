"""Resource pages: search, read, write, suggestions."""
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from helpdesk.attachments.forms import flash_files_to_attach_again
from helpdesk.attachments.services import read_uploads
from helpdesk.errors import InvalidInput
from helpdesk.kb import bp, review, searching, services
from helpdesk.kb.forms import ArticleForm, ArticleStatusForm, ReferenceAmendedForm, ReviewedForm
from helpdesk.main.forms import select_choices
from helpdesk.main.query_args import page_arg, text_arg, url_with_query
from helpdesk.extensions import db, limiter, request_client
from helpdesk.models import ARTICLE_STATUSES, ARTICLE_TYPES, FlashBulletin
from helpdesk.permissions import staff_required
from helpdesk.translation import gettext as _, lazy_gettext as _l, ngettext
from helpdesk.views import flash_not_saved, flash_refusal, refuse_form, remember_list_page

STATUS_DONE = {"draft": _l("La ressource est repassée en brouillon."), "published": _l("La ressource est publiée."),
               "archived": _l("La ressource est archivée.")}
SORTS = {"pertinence": _l("Pertinence"), "date": _l("Date")}
IMPORTED_FLASH = _l("Ce flash info provient d'un import de ressources : il se modifie dans son fichier d'import, "
                    "pas en ligne.")


# Visitors who are not logged in share one budget of searches and suggestions per client address.
anonymous_searches = limiter.shared_limit(lambda: current_app.config["ANONYMOUS_SEARCH_RATE_LIMIT"],
                                          scope="anonymous-search",
                                          exempt_when=lambda: current_user.is_authenticated)


@bp.route("/")
@anonymous_searches
def search():
    """Search resources (or browse them when the query is empty), with facets and highlights; a filter value that
    does not exist (a hand-edited or outdated address) is dropped from the address, and the page says how many were,
    never what they were (nothing typed into the address comes back as a filter or in a link)."""
    query = text_arg("q")
    theme_names = searching.theme_names()
    known = {"type": ARTICLE_TYPES, "theme": theme_names, "statut": ARTICLE_STATUSES, "tri": SORTS}
    chosen = {name: [value for value in request.args.getlist(name) if value in allowed][:10]
              for name, allowed in known.items()}
    unknown = sum(1 for name, allowed in known.items() for value in request.args.getlist(name)
                  if value and value not in allowed)
    if unknown:
        flash(ngettext("Un filtre de l'adresse n'existe pas : il est ignoré.",
                       "%(num)d filtres de l'adresse n'existent pas : ils sont ignorés.", unknown), "info")
        return redirect(url_with_query("kb.search", {**chosen, "tri": chosen["tri"][:1]}))
    types, themes, statuses = chosen["type"], chosen["theme"], chosen["statut"]
    sort = chosen["tri"][0] if chosen["tri"] else "pertinence"
    # A page past the end shows the last one (the engine clamps it), as the queue does.
    results = searching.search_resources(current_user, query, types=types, themes=themes, statuses=statuses,
                                         sort="date" if sort == "date" else "relevance",
                                         page=page_arg(), memory=session)
    remember_list_page("resources")
    return render_template("kb/search.html", results=results, dates=searching.resource_dates(results.hits),
                           query=query, types=types, themes=themes, statuses=statuses, sort=sort, sorts=SORTS,
                           theme_names=theme_names, article_statuses=ARTICLE_STATUSES)


@bp.route("/suggestions", methods=["GET", "POST"])
@anonymous_searches
def suggestions():
    """HTML fragment: resources that may answer the question being typed. The question form's script posts the text
    (with the form's CSRF token): the words of a question, which may name an employee's situation, never travel in
    an address, which proxies and server logs keep; a GET with the words in its query string still answers."""
    values = request.form if request.method == "POST" else None
    text = f"{text_arg('subject', 2500, values)} {text_arg('body', 2500, values)}"
    return render_template("kb/_suggestions.html", suggestions=searching.suggest(current_user, text))


@bp.route("/nouvelle", methods=["GET", "POST"])
@staff_required
def new():
    """Write a new resource (saved as a draft)."""
    form = ArticleForm()
    form.themes.choices = select_choices(searching.theme_choices())
    refusal, status = None, 200
    if form.validate_on_submit():
        try:
            article = services.save_article(None, form.to_data(), current_user,
                                            attachments=read_uploads(form.attachments.data))
        except InvalidInput as error:
            status, refusal = refuse_form(form, error), error
        else:
            flash(_("Ressource enregistrée en brouillon."), "success")
            return redirect(url_for("kb.article", slug=article.slug))
    elif form.is_submitted():
        status = refuse_form(form)
    if form.is_submitted():
        flash_files_to_attach_again(refusal=refusal)
    return render_template("kb/edit.html", form=form, article=None), status


@bp.route("/<slug>")
def article(slug):
    """Read a resource (its read counted once per session, and once a day per client network when not logged in)."""
    item = services.get_visible_article(current_user, slug)
    services.record_article_read(current_user, item, session, client=request_client())
    if request.args.get("depuis") == "suggestion":
        services.record_suggestion_click(current_user, item, session)
    statuses = services.reachable_statuses(item)
    # A draft is published by its own button; the menu keeps the other changes.
    publish_button = item.status == "draft" and "published" in statuses
    if publish_button:
        statuses.discard("published")
    # A draft flash info bulletin is published from its preview, which shows whom it mails.
    preview_url = (url_for("flash.preview", slug=item.slug) if item.status == "draft" and item.type == "flash"
                   and current_user.is_authenticated and current_user.is_staff
                   and db.session.get(FlashBulletin, item.id) is not None else None)
    return render_template("kb/article.html", article=item, status_form=ArticleStatusForm(),
                           publish_button=publish_button, preview_url=preview_url, statuses=statuses,
                           reviewed_form=ReviewedForm(), review_due=review.is_review_due(item),
                           faq_origin=services.faq_origin(current_user, item),
                           edit_url=_edit_url(item) if current_user.is_authenticated and current_user.is_staff else None)


def _edit_url(item) -> str | None:
    """Where a jurist edits a resource: its edit page, a bulletin's own page, or nowhere for a flash info imported
    without an audience (its import file is its source)."""
    if item.type != "flash":
        return url_for("kb.edit", slug=item.slug)
    if db.session.get(FlashBulletin, item.id) is not None:
        return url_for("flash.edit", slug=item.slug)
    return None


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@staff_required
def edit(slug):
    """Edit a resource (a flash info bulletin is edited on its own page)."""
    item = services.get_visible_article(current_user, slug)
    if item.type == "flash":
        target = _edit_url(item)
        if target is None:
            flash(str(IMPORTED_FLASH), "info")
            return redirect(url_for("kb.article", slug=item.slug))
        return redirect(target)
    form = ArticleForm(obj=item)
    form.themes.choices = select_choices(searching.theme_choices(item.themes))
    if request.method == "GET":
        form.themes.data = [theme.slug for theme in item.themes]
        form.tags.data = ", ".join(item.tags or [])
        form.legal_refs.data = "\n".join(item.legal_refs or [])
    refusal, status = None, 200
    if form.validate_on_submit():
        try:
            services.save_article(item, form.to_data(), current_user, attachments=read_uploads(form.attachments.data))
        except InvalidInput as error:
            status, refusal = refuse_form(form, error), error
        else:
            flash(_("Ressource mise à jour."), "success")
            return redirect(url_for("kb.article", slug=item.slug))
    elif form.is_submitted():
        status = refuse_form(form)
    if form.is_submitted():
        flash_files_to_attach_again(refusal=refusal)
    return render_template("kb/edit.html", form=form, article=item,
                           faq_origin=services.faq_origin(current_user, item)), status


@bp.route("/<slug>/statut", methods=["POST"])
@staff_required
def status(slug):
    """Publish, archive or unpublish a resource."""
    item = services.get_visible_article(current_user, slug)
    form = ArticleStatusForm()
    if not form.status.data:  # the menu opens on « Choisissez un statut »: a careless click archived a resource
        flash_not_saved(_("Choisissez le nouveau statut."))
        return redirect(url_for("kb.article", slug=item.slug))
    if not form.validate():
        abort(400)
    with flash_refusal():
        services.set_article_status(item, form.status.data, current_user)
        flash(str(STATUS_DONE[item.status]), "success")
    return redirect(url_for("kb.article", slug=item.slug))


@bp.route("/a-verifier")
@staff_required
def to_review():
    """Jurists' list of published resources flagged or not reviewed for KB_REVIEW_AFTER_DAYS."""
    return render_template("kb/to_review.html", articles=review.articles_to_review(),
                           review_days=current_app.config["KB_REVIEW_AFTER_DAYS"])


@bp.route("/references", methods=["GET", "POST"])
@staff_required
def references():
    """Every resource citing a legal reference; flag them all "à vérifier" when it was amended."""
    form = ReferenceAmendedForm(formdata=request.args) if request.method == "GET" else ReferenceAmendedForm()
    reference = (form.reference.data or "").strip()[:200]
    status = 200
    if request.method == "POST" and form.validate():
        try:
            count = review.flag_articles_citing(reference, current_user, form.note.data)
        except InvalidInput as error:
            status = refuse_form(form, error)
        else:
            flash(ngettext("%(num)d ressource marquée « à vérifier ».", "%(num)d ressources marquées « à vérifier ».",
                           count), "success")
            return redirect(url_for("kb.references", reference=reference))
    elif request.method == "POST":
        status = refuse_form(form)
    return render_template("kb/references.html", form=form, reference=reference,
                           normalised=review.normalise_reference(reference) if reference else "",
                           articles=review.articles_citing(reference) if reference else []), status


@bp.route("/<slug>/verifiee", methods=["POST"])
@staff_required
def reviewed(slug):
    """« Marquer comme vérifiée » : clear the flag and stamp the review date."""
    item = services.get_visible_article(current_user, slug)
    if not ReviewedForm().validate():
        abort(400)
    review.mark_reviewed(item, current_user)
    flash(_("Ressource marquée comme vérifiée."), "success")
    return redirect(url_for("kb.article", slug=item.slug))
