"""The file field shared by every form that takes attachments."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField

from helpdesk.attachments.content import ACCEPT_ATTRIBUTE, ACCEPTED_LABELS
from helpdesk.i18n import lazy_format


def attachments_field(label: str = _l("Pièces jointes")) -> MultipleFileField:
    """An optional multiple-file input listing the accepted kinds and limits."""
    return MultipleFileField(label, render_kw={"accept": ACCEPT_ATTRIBUTE},
                             description=lazy_format(_l("Facultatif. Types acceptés : %(kinds)s."),
                                                     kinds=_l(ACCEPTED_LABELS)))
