"""The health endpoint."""
import ipaddress

from flask import current_app, jsonify, request
from flask_login import current_user

from helpdesk.ops import bp
from helpdesk.ops.health import run_checks
from helpdesk.permissions import can_read_health_details


def _local_request() -> bool:
    """A request made on this machine straight to the application (not relayed by a reverse proxy)."""
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
    return loopback and "X-Forwarded-For" not in request.headers


@bp.route("/healthz")
def healthz():
    """JSON health of this instance: 200 when every check passes, 503 otherwise; the figures of each check only
    for a local request, an admin, or everyone when HEALTHZ_DETAILS is on (the load balancer needs the status)."""
    healthy, checks = run_checks()
    body = {"status": "ok" if healthy else "fail"}
    if current_app.config["HEALTHZ_DETAILS"] or _local_request() or can_read_health_details(current_user):
        body["checks"] = checks
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
