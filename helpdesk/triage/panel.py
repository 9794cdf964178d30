"""What the triage features add to a question's page, for its viewer."""
from helpdesk.models import Ticket, User
from helpdesk.models._types import utcnow
from helpdesk.permissions import can_view_ticket
from helpdesk.triage import canned, citations, faq, following, presence, satisfaction, sla
from helpdesk.triage.absence import absence_label
from helpdesk.triage.forms import MergeForm, SatisfactionForm, TagForm


def ticket_panel(ticket: Ticket, viewer: User) -> dict:
    """Template values: cited resources and the pointer of a merged question for everyone who may see them;
    deadlines, colleagues on the question, its followers, canned answers, tags, merge, FAQ and rating for jurists; the
    rating form for members."""
    rating = satisfaction.rating_of(ticket)
    merged_into = ticket.merged_into if ticket.merged_into and can_view_ticket(viewer, ticket.merged_into) else None
    context = {"cited_resources": citations.cited_resources(ticket, viewer), "merged_into": merged_into,
               "rating": rating}
    if viewer.is_staff:
        followers = following.followers(ticket)
        now = utcnow()
        context.update(
            deadlines=sla.ticket_deadlines(ticket, now),
            # « en attente du membre depuis 3 jours », as its queue row says it
            waiting=sla.row_deadline(ticket, now, sla.pause_starts([ticket]).get(ticket.id))
            if ticket.status == "waiting" else None,
            colleagues=presence.colleagues_on(ticket, viewer),
            followers=followers, followed=any(user.id == viewer.id for user in followers),
            assignee_away=absence_label(ticket.assignee) if ticket.assignee is not None else None,
            canned_answers=canned.canned_answers(viewer),
            tag_form=TagForm(formdata=None),
            merge_form=MergeForm(formdata=None),
            faq_source=faq.faq_source_of(ticket),
            resource_results=None, resource_query="", chosen_canned=None, helper_errors={},
        )
    elif satisfaction.can_rate(viewer, ticket):
        context["satisfaction_form"] = SatisfactionForm(
            formdata=None, rating=rating.rating if rating else None, comment=rating.comment if rating else "")
    return context
