"""The health endpoint."""
from flask import jsonify

from helpdesk.ops import bp
from helpdesk.ops.health import run_checks


@bp.route("/healthz")
def healthz():
    """JSON health of this instance: 200 when every check passes, 503 otherwise."""
    healthy, checks = run_checks()
    response = jsonify(status="ok" if healthy else "fail", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
