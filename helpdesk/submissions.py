"""Submissions sent again: an author's submissions held one after the other, and what they already recorded found, so
that a double click, Back then Send or a replayed post records nothing twice."""
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import bindparam, select, update

from helpdesk.extensions import db
from helpdesk.models import User
from helpdesk.models._types import utcnow

# A question (or a staff member's new resource, canned answer, webinar) its author sends again unchanged this soon
# (Back, then Send; a double click without script) is the one already recorded, not a new one.
RESENT_WITHIN = timedelta(minutes=10)
# A write to the author's row that changes nothing: it holds their next submission until this one commits or rolls back.
_HOLD_SUBMISSIONS = (update(User).where(User.id == bindparam("author_id")).values(id=User.id)
                     .execution_options(synchronize_session=False))
# A model whose rows record their author and creation time (`resent_entry`).
T = TypeVar("T")


def hold_submissions(author: User) -> None:
    """Hold the author's other submissions until this transaction ends (a row lock on PostgreSQL, the write lock on
    SQLite): sent at once (a double click, a script), each one then counts and finds what the others recorded (a
    question, a webinar's advance question, a staff member's resource, flash info, canned answer or webinar), so that
    nothing is recorded twice and the maximums hold."""
    db.session.execute(_HOLD_SUBMISSIONS, {"author_id": author.id})


def resent_entry(model: type[T], author: User, same: Callable[[T], bool] | None = None, **values) -> T | None:
    """What the author created of `model` (a resource, a canned answer, a webinar) with these very `values` within
    RESENT_WITHIN (and for which `same` holds, when given: what columns cannot compare), looked for while their other
    submissions are held (the caller's commit ends the hold): a creating form sent again (a double click, Back then
    « Enregistrer », the same post replayed) is the entry already created, not a second one."""
    hold_submissions(author)
    recent = db.session.scalars(select(model).where(
        model.author_id == author.id, model.created_at >= utcnow() - RESENT_WITHIN,
        *(getattr(model, name) == value for name, value in values.items())).order_by(model.id.desc()))
    return next((entry for entry in recent if same is None or same(entry)), None)
