"""The file field shared by every form that takes attachments."""
from flask_babel.speaklater import LazyString
from flask_wtf.file import MultipleFileField

from helpdesk.attachments.content import ACCEPT_ATTRIBUTE, ACCEPTED_LABELS
from helpdesk.attachments.services import upload_limits
from helpdesk.translation import gettext as _, lazy_gettext as _l


def _accepted_files_hint() -> str:
    """The accepted kinds and the size and count limits, so that a member knows them before choosing a file."""
    return " ".join((_("Facultatif. Types acceptés : %(kinds)s.", kinds=_(ACCEPTED_LABELS)), upload_limits()))


def attachments_field(label: str = _l("Pièces jointes")) -> MultipleFileField:
    """An optional multiple-file input listing the accepted kinds and limits."""
    return MultipleFileField(label, render_kw={"accept": ACCEPT_ATTRIBUTE}, description=LazyString(_accepted_files_hint))
