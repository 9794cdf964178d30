"""The admins' audit journal: filter and export."""
from datetime import date

from flask import Response, current_app, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from helpdesk.audit import bp
from helpdesk.audit.forms import JournalFilterForm
from helpdesk.audit.services import (KIND_LABELS, describe_details, export_journal, journal_accounts, journal_names,
                                     journal_query)
from helpdesk.errors import InvalidInput
from helpdesk.permissions import admin_required
from helpdesk.views import invalid_filters_refusal, list_page


@bp.route("/")
@admin_required
def journal():
    """« Journal d'audit » : events filtered by kind, user and period."""
    form = JournalFilterForm(request.args)
    page = list_page(journal_query(form.filters()), current_app.config["AUDIT_PAGE_SIZE"])
    return render_template("audit/journal.html", form=form, page=page, labels=KIND_LABELS,
                           describe=describe_details, accounts=journal_accounts(page.items),
                           names=journal_names(page.items))


@bp.route("/export.csv")
@admin_required
def export():
    """The filtered journal as a CSV file, streamed; an export too large is refused on the journal's page, filters
    kept."""
    form = JournalFilterForm(request.args)
    filters = form.filters()
    refusal = invalid_filters_refusal(form, "audit.journal")
    if refusal is not None:
        return refusal
    try:
        lines = export_journal(filters, current_user)
    except InvalidInput as error:
        flash(error.message, "error")
        return redirect(url_for("audit.journal", **form.query_args()))
    filename = f"journal-audit-{date.today().isoformat()}.csv"
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
