"""Request ids and JSON log lines.

Every request gets an id: the X-Request-ID header of the reverse proxy when it
looks sane, else a new one; it is returned in the response header, attached to
every log record written during the request, and written in gunicorn's access
line, so one id ties a user's report, the proxy log and the application log.
"""
import json
import logging
import re
import sys
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request
from gunicorn import glogging

from helpdesk.security_headers import SECRET_LINK_ENDPOINTS

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Where the paths of secret links (invitation and reset, unsubscribe) start, up to their secret; filled from the URL map
# by init_app, in each worker before it serves.
_SECRET_LINK_PREFIXES: set[str] = set()


def init_app(app: Flask) -> None:
    """Give every request an id and return it in the response; learn which paths carry a secret."""
    # First of the request hooks: a request refused by an earlier one (the CSRF check, undecodable input, the rate
    # limits) still gets its id, in its response, its access line and the records written about it.
    app.before_request_funcs.setdefault(None, []).insert(0, _assign_request_id)
    app.after_request(_return_request_id)
    _SECRET_LINK_PREFIXES.update(rule.rule.partition("<")[0] for rule in app.url_map.iter_rules()
                                 if rule.endpoint in SECRET_LINK_ENDPOINTS)


def logged_path(path: str) -> str:
    """The path as written in logs: a secret link's secret replaced by « … » (ASVS 7.1.1). A link is fetched by mail
    scanners, or opened and left unused, before it is used: whoever reads the logs must not be able to choose the
    password of the account (an invitation is valid for days) or to unsubscribe it."""
    prefix = next((prefix for prefix in _SECRET_LINK_PREFIXES if path.startswith(prefix)), None)
    return path if prefix is None else prefix + "…"


def _assign_request_id() -> None:
    """Honour the proxy's X-Request-ID when it is sane, otherwise generate one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def _return_request_id(response):
    """Echo the request id to the client."""
    if "request_id" in g:
        response.headers[REQUEST_ID_HEADER] = g.request_id
    return response


class RequestContextFilter(logging.Filter):
    """Add the current request's id, method and path to records written during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate the record, a secret link's secret masked in its message too; never drop it."""
        if has_request_context() and not hasattr(record, "request_id"):
            record.request_id = g.get("request_id")
            record.method = request.method
            record.path = logged_path(request.path)
            if record.path != request.path:
                # Flask logs an error as « Exception on <path> [POST] »: the message names the path as well.
                record.msg = str(record.msg).replace(request.path, record.path)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request fields, exception."""

    EXTRA_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "remote_addr", "bytes", "user_agent")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as a JSON line."""
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({name: getattr(record, name) for name in self.EXTRA_FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class GunicornJsonLogger(glogging.Logger):
    """Gunicorn's logger writing JSON: its own lines, the access lines (with the request id) and the app's."""

    def setup(self, cfg) -> None:
        """Install the JSON formatter on gunicorn's handlers and on a root handler for the application."""
        super().setup(cfg)
        formatter = JsonFormatter()
        for handler in (*self.error_log.handlers, *self.access_log.handlers):
            handler.setFormatter(formatter)
        root = logging.getLogger()
        if not any(getattr(handler, "_helpdesk", False) for handler in root.handlers):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(formatter)
            handler.addFilter(RequestContextFilter())
            handler._helpdesk = True
            root.addHandler(handler)
        root.setLevel(self.loglevel)

    def access(self, resp, req, environ, request_time) -> None:
        """Write one structured access line per request."""
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        path = logged_path(atoms["U"])
        self.access_log.info(
            "%s %s %s", atoms["m"], path, atoms["s"],
            extra={
                "request_id": atoms.get("{x-request-id}o") or None, "method": atoms["m"], "path": path,
                "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
                "duration_ms": round(request_time.total_seconds() * 1000, 1), "remote_addr": atoms["h"],
                "bytes": atoms["B"], "user_agent": atoms["a"],
            },
        )
