"""Default configuration; secrets and deployment values come from
instance/config.py or HELPDESK_* environment variables."""
from datetime import timedelta

SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
WTF_CSRF_TIME_LIMIT = None
# Attachments: per file, per request (all files of one form) and count; the whole request may carry the text too.
ATTACHMENT_MAX_FILE_SIZE = 10 * 1024 * 1024
ATTACHMENT_MAX_REQUEST_SIZE = 20 * 1024 * 1024
ATTACHMENT_MAX_FILES = 10
MAX_CONTENT_LENGTH = ATTACHMENT_MAX_REQUEST_SIZE + 1024 * 1024
QUEUE_PAGE_SIZE = 25
MEMBER_PAGE_SIZE = 20
SEARCH_LOCK_TIMEOUT = 2.0
SEARCH_SYNC_WINDOW_SECONDS = 300
SEARCH_REBUILD_THRESHOLD = 2000
SEARCH_SYNC_AFTER_REQUEST = True
SEARCH_LOG_RETENTION_DAYS = 14
KB_PAGE_SIZE = 10

# Email. MAIL_BACKEND: "file" (one .eml per mail in MAIL_FILE_DIR, default instance/mail), "console" (log), "smtp".
MAIL_BACKEND = "file"
MAIL_FILE_DIR = None
MAIL_SENDER = "Helpdesk juridique <helpdesk@localhost>"
MAIL_REPLY_TO = None            # the address whose mail is piped to `flask mail ingest` (or polled by `mail fetch`)
MAIL_SERVER = "localhost"
MAIL_PORT = 25
MAIL_USE_STARTTLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_TIMEOUT = 10
MAIL_BATCH_SIZE = 50
MAIL_MAX_ATTEMPTS = 8
MAIL_RETRY_BASE_SECONDS = 60    # doubled at each failed attempt, plus up to 25 % jitter
MAIL_RETRY_MAX_SECONDS = 6 * 3600
MAIL_CLAIM_TIMEOUT_SECONDS = 600  # a claim older than this belongs to a dead sender and is taken over
MAIL_SEND_AFTER_REQUEST = True
BASE_URL = "http://127.0.0.1:5000"  # absolute links in emails
INVITATION_MAX_AGE_SECONDS = 7 * 24 * 3600
PASSWORD_RESET_MAX_AGE_SECONDS = 2 * 3600
IMAP_SERVER = None
IMAP_PORT = 993
IMAP_USE_SSL = True
IMAP_USERNAME = None
IMAP_PASSWORD = None
IMAP_FOLDER = "INBOX"

# Service levels: the jurists' opening hours in local wall time, Monday first (one list of periods per day).
SLA_TIMEZONE = "Europe/Paris"
SLA_OPENING_HOURS = [[("09:00", "18:00")]] * 5 + [[], []]
# Count the overseas abolition-of-slavery days as closed days for questions of those regions.
SLA_REGIONAL_HOLIDAYS = True
