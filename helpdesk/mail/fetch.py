"""Polling an IMAP mailbox for mail that cannot be piped to `flask mail ingest`."""
import imaplib

from flask import current_app

from helpdesk.mail.ingest import ingest_or_keep


def fetch_mailbox() -> int:
    """Ingest every unseen message of the configured folder, marking each seen once stored (kept for review when it
    cannot be read: one hostile message must not stop every later poll); return the count."""
    config = current_app.config
    if not config["IMAP_SERVER"]:
        raise RuntimeError("IMAP_SERVER n'est pas configuré.")
    factory = imaplib.IMAP4_SSL if config["IMAP_USE_SSL"] else imaplib.IMAP4
    count = 0
    with factory(config["IMAP_SERVER"], config["IMAP_PORT"]) as imap:
        imap.login(config["IMAP_USERNAME"], config["IMAP_PASSWORD"])
        imap.select(config["IMAP_FOLDER"])
        _, found = imap.uid("SEARCH", None, "UNSEEN")
        for uid in found[0].split():
            # At most one octet past the size limit: a larger message is kept with its headers alone (ingest).
            _, parts = imap.uid("FETCH", uid, f"(BODY.PEEK[]<0.{config['MAIL_INBOUND_MAX_BYTES'] + 1}>)")
            raw = next(part[1] for part in parts if isinstance(part, tuple))
            ingest_or_keep(raw, f"IMAP UID {uid.decode()}")
            # Marked seen only after the commit: a crash in between fetches it again, and the
            # Message-ID check keeps it from being appended twice.
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            count += 1
    return count
