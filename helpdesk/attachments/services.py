"""Attachment operations: check uploads, store them with their row, remove them.

Files and rows stay consistent with the transaction: a file written for a
transaction that does not commit is deleted when it ends, and a removed
attachment's file is deleted only once the removal has committed.
"""
import hashlib
import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from helpdesk.attachments.content import (
    ACCEPTED_LABELS, KINDS, FileKind, clean_filename, detect_kind, display_filename, extension_accepted,
    extension_matches, names_accepted_kind)
from helpdesk.errors import InvalidInput
from helpdesk.events import record_event
from helpdesk.extensions import db
from helpdesk.i18n import format_number
from helpdesk.models import Article, Attachment, Message, Ticket, User
from helpdesk.permissions import ensure_can_remove_attachment
from helpdesk.translation import gettext as _

_WRITTEN = "attachment_files_written"
_TO_REMOVE = "attachment_files_to_remove"


class AttachmentRejected(InvalidInput):
    """An uploaded file was refused (empty, too big, not an accepted kind); nothing was stored. `refused`: the names
    of the files refused for themselves, as sent (none when the upload as a whole is refused: too many, too big).
    A form's « attachments » field shows it under the files to choose again, instead of the banner alone."""

    def __init__(self, message: str, refused: Sequence[str] = ()):
        super().__init__(message, field="attachments")
        self.refused = tuple(refused)


class AttachmentTooLarge(AttachmentRejected):
    """A file or the whole request exceeds the configured size."""

    status_code = 413


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, ready to be stored."""

    data: bytes
    filename: str
    kind: FileKind


def megabytes(size: int) -> str:
    """A size in bytes in words, to a tenth ('10 Mo', '45,3 Mo')."""
    return _("%(size)s Mo", size=format_number(round(size / (1024 * 1024), 1)))


def upload_limits() -> str:
    """The configured upload limits in one sentence, announced beside every file field and recalled on refusal."""
    config = current_app.config
    return _("Limites : %(file)s par fichier, %(request)s par envoi et %(count)s fichiers au plus.",
             file=megabytes(config["ATTACHMENT_MAX_FILE_SIZE"]), request=megabytes(config["ATTACHMENT_MAX_REQUEST_SIZE"]),
             count=config["ATTACHMENT_MAX_FILES"])


def _too_many_files() -> str:
    """The refusal of a sending with more files than allowed."""
    return _("Vous pouvez joindre %(count)s fichiers au plus par envoi.", count=current_app.config["ATTACHMENT_MAX_FILES"])


def _file_too_large(shown_name: str) -> str:
    """The refusal of one file over the size allowed per file."""
    return _("Le fichier « %(name)s » dépasse la taille autorisée (%(size)s par fichier).",
             name=shown_name, size=megabytes(current_app.config["ATTACHMENT_MAX_FILE_SIZE"]))


def _sending_too_large() -> str:
    """The refusal of files whose sizes add up to more than a sending allows."""
    return _("L'ensemble des fichiers dépasse la taille autorisée (%(size)s par envoi).",
             size=megabytes(current_app.config["ATTACHMENT_MAX_REQUEST_SIZE"]))


def upload_limit_attributes() -> dict[str, str | int]:
    """The limits and their refusals as a file input's data attributes: static/js/uploads.js refuses a file too large
    as soon as it is chosen, before a sending the server would refuse whole (losing what the form held)."""
    config = current_app.config
    return {"data-max-files": config["ATTACHMENT_MAX_FILES"], "data-max-file-bytes": config["ATTACHMENT_MAX_FILE_SIZE"],
            "data-max-total-bytes": config["ATTACHMENT_MAX_REQUEST_SIZE"], "data-too-many": _too_many_files(),
            "data-file-too-large": _file_too_large("{name}"), "data-total-too-large": _sending_too_large(),
            # The field is emptied of every file chosen, the good ones too: said, lest the member send without them.
            "data-none-attached": _("Aucun fichier n'est joint pour l'instant. Choisissez-les de nouveau, dans ces "
                                    "limites.")}


def read_uploads(storages: Iterable[FileStorage] | None) -> list[tuple[str, bytes]]:
    """(filename, content) of the files of a form field, leaving out the empty part a browser sends when no file is chosen."""
    uploads = []
    for storage in storages or ():
        if not isinstance(storage, FileStorage):
            continue
        data = storage.read()
        if storage.filename or data:
            uploads.append((storage.filename or "", data))
    return uploads


@dataclass(frozen=True)
class _Refusal:
    """Why one file is refused, in a sentence naming it; `too_large` when its size is the problem."""

    filename: str
    message: str
    too_large: bool = False


def _check_file(filename: str, data: bytes) -> CheckedUpload | _Refusal:
    """One file ready to be stored, or why it is refused."""
    config = current_app.config
    shown = clean_filename(filename)
    if not data:
        return _Refusal(filename, _("Le fichier « %(name)s » est vide.", name=shown))
    if len(data) > config["ATTACHMENT_MAX_FILE_SIZE"]:
        return _Refusal(filename, _file_too_large(shown), too_large=True)
    kind = detect_kind(data)
    if kind is None and shown.lower().endswith(KINDS["txt"].extensions):
        # Text saved in another encoding (Windows-1252 from an older editor): say what to change.
        return _Refusal(filename, _("Le fichier « %(name)s » n'est pas un texte enregistré en UTF-8. Enregistrez-le "
                                    "en UTF-8 (ou en PDF) et joignez-le de nouveau.", name=shown))
    if kind is None and names_accepted_kind(filename):
        # « contrat.pdf » that is no PDF: « not an accepted type: PDF… » would contradict its name.
        return _Refusal(filename, _("Le contenu du fichier « %(name)s » ne correspond pas à son extension, il est "
                                    "peut-être endommagé. Ouvrez-le pour le vérifier, enregistrez-le de nouveau (en "
                                    "PDF par exemple) et joignez-le.", name=shown))
    if kind is None or not extension_accepted(filename):
        return _Refusal(filename, _("Le fichier « %(name)s » n'est pas d'un type accepté. Joignez plutôt un fichier "
                                    "%(kinds)s.",
                                    name=shown, kinds=_(ACCEPTED_LABELS)))
    if not extension_matches(filename, kind):
        return _Refusal(filename, _("Le contenu du fichier « %(name)s » ne correspond pas à son extension "
                                    "(c'est un fichier %(kind)s).", name=shown, kind=_(kind.label)))
    return CheckedUpload(data, display_filename(filename, kind), kind)


def is_refused(filename: str, data: bytes) -> bool:
    """Whether this file would be refused on its own (empty, too large, of a kind not accepted)."""
    return isinstance(_check_file(filename, data), _Refusal)


def check_uploads(files: Sequence[tuple[str, bytes]]) -> list[CheckedUpload]:
    """Check the count, each file's size and kind and the total size; AttachmentRejected names every refused file
    with its reason (AttachmentTooLarge when size is the only problem), and nothing is stored."""
    config = current_app.config
    if len(files) > config["ATTACHMENT_MAX_FILES"]:
        raise AttachmentRejected(_too_many_files())
    results = [_check_file(filename, data) for filename, data in files]
    refusals = [result for result in results if isinstance(result, _Refusal)]
    if not refusals and sum(len(data) for _name, data in files) > config["ATTACHMENT_MAX_REQUEST_SIZE"]:
        raise AttachmentTooLarge(_sending_too_large())
    if refusals:
        sentences = [refusal.message for refusal in refusals]
        if len(refusals) > 1:
            sentences.insert(0, _("Aucun fichier n'a été enregistré, %(num)d sont refusés.", num=len(refusals)))
        error = AttachmentTooLarge if all(refusal.too_large for refusal in refusals) else AttachmentRejected
        raise error(" ".join(sentences), refused=[refusal.filename for refusal in refusals])
    return results


def upload_dir() -> Path:
    """Where files are stored (config UPLOAD_DIR)."""
    return Path(current_app.config["UPLOAD_DIR"])


def stored_path(attachment: Attachment) -> Path:
    """The file of an attachment on disk: <UPLOAD_DIR>/<2 hex>/<random key>."""
    return upload_dir() / attachment.storage_key[:2] / attachment.storage_key


def content_digest(data: bytes) -> str:
    """The SHA-256 of a file's bytes, as attachments record it (the same file sent twice has the same digest)."""
    return hashlib.sha256(data).hexdigest()


def store_uploads(uploads: Sequence[CheckedUpload], *, uploader: User | None, ticket: Ticket | None = None,
                  message: Message | None = None, article: Article | None = None) -> list[Attachment]:
    """Write checked uploads under random names and add their rows to the session (the caller commits)."""
    if sum(parent is not None for parent in (ticket, message, article)) != 1:
        raise TypeError("an attachment belongs to exactly one of ticket, message or article")
    attachments = []
    for upload in uploads:
        attachment = Attachment(storage_key=secrets.token_hex(32), sha256=content_digest(upload.data),
                                filename=upload.filename, content_type=upload.kind.content_type,
                                size=len(upload.data), ticket=ticket, message=message, article=article,
                                uploaded_by=uploader)
        _write(attachment, upload.data)
        attachments.append(attachment)
    return attachments


def _write(attachment: Attachment, data: bytes) -> None:
    """Add a new attachment's row to the session and write its file, deleted again unless the transaction commits."""
    db.session.add(attachment)  # begins the transaction whose end decides the file's fate
    path = stored_path(attachment)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def copy_attachments(attachments: Iterable[Attachment], *, message: Message) -> list[Attachment]:
    """Store a copy of each file on `message` (same name, type, content and uploader, its own file), so that
    the copy follows the visibility of its new message; a file already missing from the disk is left out.
    The caller commits."""
    copies = []
    for original in attachments:
        try:
            data = stored_path(original).read_bytes()
        except FileNotFoundError:
            continue
        copy = Attachment(storage_key=secrets.token_hex(32), sha256=original.sha256, filename=original.filename,
                          content_type=original.content_type, size=original.size, message=message,
                          uploaded_by_id=original.uploaded_by_id, created_at=original.created_at)
        _write(copy, data)
        copies.append(copy)
    return copies


def save_uploads(files: Sequence[tuple[str, bytes]], *, uploader: User | None, ticket: Ticket | None = None,
                 message: Message | None = None, article: Article | None = None) -> list[Attachment]:
    """Check then store a request's files, (filename, content) pairs; nothing is written unless all pass."""
    return store_uploads(check_uploads(files), uploader=uploader, ticket=ticket, message=message, article=article)


def save_upload(data: bytes, filename: str, *, uploader: User | None, ticket: Ticket | None = None,
                message: Message | None = None, article: Article | None = None) -> Attachment:
    """Check and store one file (e.g. from an email), attached to exactly one parent; the caller commits."""
    return save_uploads([(filename, data)], uploader=uploader, ticket=ticket, message=message, article=article)[0]


def ticket_attachments(ticket: Ticket) -> list[Attachment]:
    """Every attachment of a question: its own and its messages' (notes included)."""
    message_ids = select(Message.id).where(Message.ticket_id == ticket.id)
    return list(db.session.scalars(
        select(Attachment).where(or_(Attachment.ticket_id == ticket.id, Attachment.message_id.in_(message_ids)))
        .order_by(Attachment.id)))


def remove_attachments(attachments: Iterable[Attachment]) -> int:
    """Delete the rows now and their files once the transaction commits; return how many."""
    count = 0
    for attachment in attachments:
        db.session.info.setdefault(_TO_REMOVE, []).append(stored_path(attachment))
        db.session.delete(attachment)
        count += 1
    return count


def remove_article_attachment(attachment: Attachment, actor: User) -> Article:
    """Withdraw an outdated file from a resource, recording who did it; return the resource."""
    ensure_can_remove_attachment(actor, attachment)
    article = attachment.article
    record_event("attachment_removed", actor, article_id=attachment.article_id, filename=attachment.filename)
    remove_attachments([attachment])
    db.session.commit()
    return article


def _unlink_all(paths: list[Path]) -> None:
    """Delete files, ignoring those already gone."""
    for path in paths:
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _apply_file_changes(session):
    """The transaction committed: keep the files written, delete the files of removed attachments."""
    session.info.pop(_WRITTEN, None)
    _unlink_all(session.info.pop(_TO_REMOVE, []))


@event.listens_for(Session, "after_transaction_end")
def _undo_file_changes(session, transaction):
    """The transaction ended without commit: delete the files it wrote, keep those it meant to remove."""
    if transaction.parent is None:
        _unlink_all(session.info.pop(_WRITTEN, []))
        session.info.pop(_TO_REMOVE, None)
