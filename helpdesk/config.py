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
API_RATE_LIMIT = 300
API_RATE_WINDOW_SECONDS = 60
API_MAX_PER_PAGE = 100
# How long an API POST's Idempotency-Key is remembered: the same request sent again within it (a client retrying)
# answers with what the first one created; after it, the key may serve again.
IDEMPOTENCY_KEY_HOURS = 24
# The API takes no files: its JSON bodies (texts of 20,000 characters at most, \uXXXX escapes included) fit in 1 MiB.
API_MAX_BODY_SIZE = 1024 * 1024
KB_REVIEW_AFTER_DAYS = 365

# The federation legal service's address for people without an account or who cannot use a page: shown on the login
# page and in the accessibility statement ("" shows none; they then say to ask the federation).
CONTACT_EMAIL = ""

# Email. MAIL_BACKEND: "file" (one .eml per mail in MAIL_FILE_DIR, default instance/mail), "console" (log), "smtp".
MAIL_BACKEND = "file"
MAIL_FILE_DIR = None
MAIL_SENDER = "Helpdesk juridique <helpdesk@localhost>"
# The address whose mail is piped to `flask mail ingest` (or polled by `mail fetch`). Mails about a question are
# answered at local+<signed token>@domain (helpdesk/mail/reply_address.py): deliver plus-addresses to it.
MAIL_REPLY_TO = None
# The authserv-id (RFC 8601) that the receiving mail server writes in the Authentication-Results header of each
# received message, e.g. "mx.federation.example". When set, a reply is appended to its question only if that
# server found a valid DMARC or DKIM signature of the sender's domain; otherwise it waits for a jurist. The mail
# server must remove such headers claiming its authserv-id from incoming mail (every RFC 8601 server does).
MAIL_INBOUND_AUTHSERV_ID = None
# A received message larger than this (anyone can mail the reply address) is kept for the jurists with its headers
# alone, never parsed nor stored whole: attachments up to ATTACHMENT_MAX_REQUEST_SIZE, base64-encoded (a third more),
# and the text fit below it. The mail server's own limit (Postfix's message_size_limit) should be about the same.
MAIL_INBOUND_MAX_BYTES = 30 * 1024 * 1024
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
BASE_URL = "http://127.0.0.1:5000"  # absolute links in emails (`make run` sets it from HOST and PORT)
# Niceness of the long-running loops (`flask kb sync --loop`, `flask mail send-pending --loop`, `flask flash send
# --loop`): under load the web workers get the CPU first and the loops catch up when it is idle (0: leave it alone).
BACKGROUND_NICE = 10
# Accept accounts in special-use domains (RFC 6761: .local, .test...), which never receive mail: true only for the
# demo (`make run`, whose accounts are @demo.local) and the tests.
EMAIL_ALLOW_SPECIAL_DOMAINS = False
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

AUDIT_PAGE_SIZE = 50
# An export of the audit journal holds at most this many events (more: narrow the filters); it streams them.
AUDIT_EXPORT_MAX_ROWS = 10_000

# Sessions end after this many minutes without a request (PERMANENT_SESSION_LIFETIME caps their whole life).
SESSION_IDLE_MINUTES = 30
# Publishing a flash info, deleting a question, anonymising an account or a structure ask for the password again when it
# was last typed (at login or in a form's « Mot de passe actuel ») more than this many minutes ago.
PASSWORD_CONFIRMATION_MINUTES = 10
# Flask-Login's setting: "strong" ends a session used from another browser (User-Agent) than the one that logged in (a
# copied cookie); "basic" keeps it. A change of network (Wi-Fi to 4G) never ends a session: it is journalled.
SESSION_PROTECTION = "strong"
# Request rates per client address (Flask-Limiter syntax). Set RATELIMIT_STORAGE_URI to redis://127.0.0.1:6379
# when several workers serve the app, so that they share the counts.
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_STRATEGY = "moving-window"
RATELIMIT_HEADERS_ENABLED = True
LOGIN_RATE_LIMIT = "10 per minute; 60 per hour"
PASSWORD_RESET_RATE_LIMIT = "5 per minute; 20 per hour"
# Searches and suggestions of visitors who are not logged in (one budget for both): far above a reader's pace, it
# stops a script from scraping the public resources or filling the search log.
ANONYMOUS_SEARCH_RATE_LIMIT = "60 per minute; 600 per hour"
# API requests without a valid bearer token (missing, wrong, expired or revoked), per client address: past it, the
# address's API requests are answered 429 without looking the token up; requests with a valid token do not count.
API_INVALID_TOKEN_RATE_LIMIT = "20 per minute; 100 per hour"
# Questions one member may file online (web or API) in 24 hours: far above a member's pace (the whole federation asks
# a few a day), it stops a taken-over account or a script from flooding the queue and the jurists' mailboxes.
QUESTIONS_PER_DAY = 20
# Messages one member may post in an hour on their structure's questions (web, API or email, each one mailed to the
# assigned jurist): far above a conversation's pace, it stops the same flood through replies.
MEMBER_REPLIES_PER_HOUR = 30
# « Mot de passe oublié » answers no sooner than this after the request, whether or not a link is mailed: the time
# taken must not tell which addresses have an account.
PASSWORD_RESET_MIN_SECONDS = 0.5
# Progressive lock-out kept in the database: after N failures an account (or an address) is locked for
# LOCKOUT_SECONDS, then twice as long at each further failure, up to LOCKOUT_MAX_SECONDS. Failures are
# forgotten after LOCKOUT_WINDOW_SECONDS without one. For password resets a locked account only gets no further
# mail: keep LOCKOUT_MAX_SECONDS below PASSWORD_RESET_MAX_AGE_SECONDS, so the link mailed by the request that locked
# it stays valid for the whole lock.
LOCKOUT_ACCOUNT_FAILURES = 5
LOCKOUT_ADDRESS_FAILURES = 20
LOCKOUT_SECONDS = 60
LOCKOUT_MAX_SECONDS = 3600
LOCKOUT_WINDOW_SECONDS = 900
# A successful login leaves a signed device cookie valid this long: with it, that browser is not held back by
# its account's lock-out (someone guessing from elsewhere cannot lock the real user out), only by its own.
DEVICE_COOKIE_DAYS = 365
# Number of reverse proxies in front of the app (gunicorn behind nginx: 1), to trust their X-Forwarded-* headers.
PROXY_COUNT = 0
# /healthz gives its status to everyone but the figures of its checks (counts, mail backlog) only to requests
# sending HEALTHZ_TOKEN in an X-Healthz-Token header (none configured: nobody) and to admins; HEALTHZ_DETAILS = True
# shows them to every caller (a monitoring network that alone reaches the application).
HEALTHZ_TOKEN = ""
HEALTHZ_DETAILS = False
# Where to report a vulnerability, published in /.well-known/security.txt (RFC 9116): a URI such as
# "mailto:securite@federation.example" or "https://federation.example/securite" (a bare address gets "mailto:").
# None: the address of MAIL_SENDER, which the deployment should replace with its technical team's.
SECURITY_CONTACT = None

# Response headers (helpdesk/security_headers.py). No inline script or style anywhere: templates load
# static files only. HSTS is on unless disabled for a plain-HTTP development server.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
HSTS_ENABLED = True
HSTS_MAX_AGE = 31536000

# Questions answered or waiting for their member with no activity for AUTO_CLOSE_DAYS days are closed by
# `flask triage close-inactive` (daily cron); the member is told and may ask again.
AUTO_CLOSE_DAYS = 30
# A question waiting for its member is recalled to the structure's members this many days before it would be closed
# (the same command, once per wait; 0: no reminder).
AUTO_CLOSE_REMINDER_DAYS = 7
# Personal data: questions closed more than RETENTION_YEARS ago are anonymised by `flask retention anonymise`,
# which also drops client addresses from login and network-change events older than LOGIN_ADDRESS_RETENTION_DAYS.
RETENTION_YEARS = 5
LOGIN_ADDRESS_RETENTION_DAYS = 365
