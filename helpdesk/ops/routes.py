"""The health endpoint."""
import hmac

from flask import current_app, jsonify, request
from flask_login import current_user

from helpdesk.ops import bp
from helpdesk.ops.health import run_checks
from helpdesk.permissions import can_read_health_details

TOKEN_HEADER = "X-Healthz-Token"


def _monitoring_request() -> bool:
    """A request carrying the configured HEALTHZ_TOKEN in its X-Healthz-Token header (never true without a token
    configured). The client's address proves nothing: behind a reverse proxy that sets no X-Forwarded-For, every
    request comes from the loopback address."""
    expected = str(current_app.config["HEALTHZ_TOKEN"] or "")  # from the environment, digits alone read as a number
    sent = request.headers.get(TOKEN_HEADER, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


@bp.route("/healthz")
def healthz():
    """JSON health of this instance: 200 when every check passes, 503 otherwise; the figures of each check only for
    a request with the monitoring token, an admin, or everyone when HEALTHZ_DETAILS is on (the load balancer needs
    the status only)."""
    healthy, checks = run_checks()
    body = {"status": "ok" if healthy else "fail"}
    if current_app.config["HEALTHZ_DETAILS"] or _monitoring_request() or can_read_health_details(current_user):
        body["checks"] = checks
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
