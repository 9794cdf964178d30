"""The queue page."""
from flask import current_app, g, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import select

from helpdesk.audit.services import record_queue_search
from helpdesk.collation import french_order
from helpdesk.extensions import db
from helpdesk.main.query_args import page_arg, url_with_query
from helpdesk.models import REGIONS, STATUSES, STRUCTURE_TYPES, Theme, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import staff_required
from helpdesk.queue import bp
from helpdesk.queue.services import (SORTS, VIEWS, active_filter_count, count_label, default_sort, filters_from,
                                     page_to_show, queue_count_query, queue_query, redundant_arguments, view_counts)
from helpdesk.triage.absence import absence_label
from helpdesk.triage.routes import bulk_form, restore_bulk_selection
from helpdesk.triage.sla import pause_starts, row_deadline
from helpdesk.triage.tagging import all_tags
from helpdesk.views import remember_list_page


def cached_view_counts() -> dict[str, int]:
    """The current user's queue counts, queried at most once per request (tabs and main navigation)."""
    if "queue_counts" not in g:
        g.queue_counts = view_counts(current_user)
    return g.queue_counts


@bp.app_context_processor
def queue_navigation() -> dict:
    """Give every template the (lazy) queue counts for the jurists' navigation."""
    return {"queue_counts": cached_view_counts, "queue_count_label": count_label}


@bp.route("/")
@staff_required
def index():
    """Questions of a view, filtered, sorted and paginated; a search of their texts is journalled (once in a row).
    An address naming empty fields is brought to its short form first."""
    if changes := redundant_arguments(request.args):
        return redirect(url_with_query("queue.index", changes))
    filters = filters_from(request.args)
    record_queue_search(current_user, filters.text, session)
    now = utcnow()
    per_page = current_app.config["QUEUE_PAGE_SIZE"]
    # Counted first, so that a page past the end is brought back to the last one before the rows are read.
    total = db.session.scalar(queue_count_query(current_user, filters, now))
    page = db.paginate(queue_query(current_user, filters, now), page=page_to_show(page_arg(), total, per_page),
                       per_page=per_page, error_out=False, count=False)
    page.total = total
    page.total_label = count_label(total)
    themes = db.session.scalars(select(Theme).order_by(french_order(Theme.name))).all()
    staff = db.session.scalars(
        select(User).where(User.role.in_(("jurist", "admin"))).order_by(french_order(User.name))).all()
    paused = pause_starts(page.items)
    form = bulk_form()
    selected = restore_bulk_selection(form)
    form.back.data = remember_list_page("queue")
    return render_template(
        "queue/index.html", page=page, filters=filters, active_filters=active_filter_count(filters),
        counts={view: count_label(count) for view, count in cached_view_counts().items()},
        deadlines={ticket.id: row_deadline(ticket, now, paused.get(ticket.id)) for ticket in page.items},
        tags=all_tags(), bulk_form=form,
        selected=selected, away={user.id: label for user in staff if (label := absence_label(user, short=True))},
        views=VIEWS, sorts=SORTS, default_sort=default_sort(filters.view), themes=themes, staff=staff,
        regions=REGIONS, structure_types=STRUCTURE_TYPES, statuses=STATUSES,
    )
