"""The file field shared by every form that takes attachments."""
from flask_babel.speaklater import LazyString
from flask_wtf.file import MultipleFileField

from helpdesk.attachments.content import ACCEPT_ATTRIBUTE, ACCEPTED_LABELS
from helpdesk.attachments.services import upload_limit_attributes, upload_limits
from helpdesk.translation import gettext as _, lazy_gettext as _l


def _accepted_files_hint() -> str:
    """The accepted kinds and the size and count limits, so that a member knows them before choosing a file."""
    return " ".join((_("Facultatif. Types acceptés : %(kinds)s.", kinds=_(ACCEPTED_LABELS)), upload_limits()))


class AttachmentsField(MultipleFileField):
    """A multiple-file input carrying the upload limits, so that the browser refuses a file too large when it is
    chosen (the server checks everything again)."""

    def __call__(self, **kwargs):
        """Render the input with the limits and their refusals as data attributes."""
        return super().__call__(**upload_limit_attributes(), **kwargs)


def attachments_field(label: str = _l("Pièces jointes")) -> AttachmentsField:
    """An optional multiple-file input listing the accepted kinds and limits."""
    return AttachmentsField(label, render_kw={"accept": ACCEPT_ATTRIBUTE}, description=LazyString(_accepted_files_hint))
