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
MAX_CONTENT_LENGTH = 20 * 1024 * 1024
QUEUE_PAGE_SIZE = 25
MEMBER_PAGE_SIZE = 20
SEARCH_LOCK_TIMEOUT = 2.0
SEARCH_SYNC_WINDOW_SECONDS = 300
SEARCH_REBUILD_THRESHOLD = 2000
SEARCH_SYNC_AFTER_REQUEST = True
SEARCH_LOG_RETENTION_DAYS = 14
KB_PAGE_SIZE = 10
# Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
PROXY_COUNT = 0
