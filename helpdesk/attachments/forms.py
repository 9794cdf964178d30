"""The file field shared by every form that takes attachments."""
from flask_wtf.file import MultipleFileField

from helpdesk.attachments.content import ACCEPT_ATTRIBUTE, ACCEPTED_LABELS


def attachments_field(label: str = "Pièces jointes") -> MultipleFileField:
    """An optional multiple-file input listing the accepted kinds and limits."""
    return MultipleFileField(label, render_kw={"accept": ACCEPT_ATTRIBUTE},
                             description=f"Facultatif. Types acceptés : {ACCEPTED_LABELS}.")
