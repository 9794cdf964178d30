"""Gunicorn settings for `make serve` (see docs/deployment.md); GUNICORN_* variables override the defaults.

preload_app stays off: each worker imports the app after the fork, so it opens
its own database connection pool and its own Whoosh searchers (open files and
memory maps of the index segments, cached per process by helpdesk.search).
Preloading would share those file descriptors and sockets between forked
workers, and a searcher opened in the master would never see the indexer's
new generations. The price is a second or so of start-up per worker.
"""
import gc
import multiprocessing
import os

MAX_DEFAULT_WORKERS = 8

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# Sync workers: each handles one request at a time, so workers = concurrent requests = database
# connections in use. The reverse proxy buffers slow clients (docs/deployment.md).
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS))
worker_class = "sync"
preload_app = False
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Requests are small forms; a bigger request line or header is an attack or a bug.
limit_request_line = 8190
limit_request_fields = 100

logger_class = "helpdesk.ops.logs.GunicornJsonLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "helpdesk"
# No gunicornc control socket: one fixed path per user would collide between instances on one machine.
control_socket_disable = True

# Requests after which a worker freezes again what its first pages built (compiled SQL and templates, locale data).
FREEZE_AFTER_REQUESTS = (100, 1000)


def post_worker_init(worker):
    """Once the worker has loaded the app, read the search's French dictionary (not during a first search), then
    move its objects (modules, mappers, templates, catalogues) out of the garbage collector's reach: full
    collections then walk only what requests leave behind."""
    from helpdesk.search.dictionary import load as load_dictionary
    load_dictionary()
    gc.freeze()


def post_request(worker, req, environ, resp):
    """After the 100th and the 1,000th request (the response already sent), collect and freeze what the first pages
    built and keep: full collections, which walked it again and again, pause the worker 40 ms rather than 120."""
    if worker.nr in FREEZE_AFTER_REQUESTS:
        gc.collect()
        gc.freeze()
