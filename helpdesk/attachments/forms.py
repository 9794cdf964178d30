"""The file field shared by every form that takes attachments, and what a refused form says of the files chosen in it."""
from flask import flash, request
from flask_babel.speaklater import LazyString
from flask_wtf.file import MultipleFileField

from helpdesk.attachments.content import ACCEPT_ATTRIBUTE, ACCEPTED_LABELS
from helpdesk.attachments.services import AttachmentRejected, is_refused, upload_limit_attributes, upload_limits
from helpdesk.errors import ServiceError
from helpdesk.translation import gettext as _, lazy_gettext as _l, ngettext


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


def flash_files_to_attach_again(field_name: str = "attachments", refusal: ServiceError | None = None) -> None:
    """A form sent back to its page (refused, or a helper's round trip) cannot keep the files chosen in it, since
    browsers never refill a file field: name them, so that the user attaches them again; those the `refusal` named
    as refused, or that would be refused on their own (a form refused for its text never checked its files), are
    not asked for again."""
    refused = refusal.refused if isinstance(refusal, AttachmentRejected) else ()
    names = [upload.filename[:80] for upload in request.files.getlist(field_name)
             if upload.filename and upload.filename not in refused and not is_refused(upload.filename, _content(upload))]
    if names:
        flash(ngettext("Joignez de nouveau votre fichier : %(names)s n'a pas été enregistré, le navigateur ne peut "
                       "pas le garder quand la page est renvoyée.",
                       "Joignez de nouveau vos fichiers : %(names)s n'ont pas été enregistrés, le navigateur ne peut "
                       "pas les garder quand la page est renvoyée.", len(names), names=", ".join(names)), "info")


def _content(upload) -> bytes:
    """The bytes of an uploaded file (read before or not), leaving it readable again from the start."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data
