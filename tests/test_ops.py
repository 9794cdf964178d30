"""Operations: /healthz, request ids, JSON log lines, reverse-proxy headers, gunicorn settings."""
import gc
import io
import json
import logging
import pkgutil
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import request
from gunicorn.config import Config
from sqlalchemy.exc import OperationalError

from helpdesk import create_app
from helpdesk.auth.passwords import make_password_link
from helpdesk.flash.services import unsubscribe_token
from helpdesk.kb import indexing
from helpdesk.mail.sender import stopping
from helpdesk.ops import background, health
from helpdesk.ops.logs import GunicornJsonLogger, JsonFormatter, RequestContextFilter
from helpdesk.search import dictionary
from tests.conftest import BASE_CONFIG
from tests.factories import make_ticket

ROOT = Path(__file__).resolve().parent.parent


MONITORING_TOKEN = "jeton-de-supervision-de-test"
MONITOR = {"X-Healthz-Token": MONITORING_TOKEN}


@pytest.fixture(autouse=True)
def monitoring_token(app):
    """The app with a monitoring token configured (the figures of /healthz are read with it)."""
    app.config["HEALTHZ_TOKEN"] = MONITORING_TOKEN


def test_healthz_is_ok_when_database_and_indexes_are_ready(client, world):
    """A built index and a reachable database give 200, with the figures the monitoring reads."""
    make_ticket(world.member)
    indexing.sync()
    response = client.get("/healthz", headers=MONITOR)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["index"]["questions"] == {"documents": 1, "pending_changes": 0}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_counts_changes_waiting_for_the_indexer(client, world, app):
    """A change the indexer has not applied yet shows as pending, without failing the check."""
    indexing.sync()
    app.config["SEARCH_SYNC_AFTER_REQUEST"] = False
    make_ticket(world.member)
    body = client.get("/healthz", headers=MONITOR).get_json()
    assert body["checks"]["index"]["questions"]["pending_changes"] == 1
    assert body["status"] == "ok"


def test_healthz_is_503_while_the_index_is_not_built(client, world):
    """A new machine whose indexer has not built its index yet takes no traffic."""
    response = client.get("/healthz", headers=MONITOR)
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["index"] == {"ok": False, "error": "index articles not built yet"}
    assert body["checks"]["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    """An unreachable database fails the check; the answer names the error class, never the connection string."""
    url = f"sqlite:///{tmp_path}/missing-directory/helpdesk.sqlite"
    broken = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "INDEX_DIR": str(tmp_path / "index"),
                         "HEALTHZ_TOKEN": MONITORING_TOKEN})
    response = broken.test_client().get("/healthz", headers=MONITOR)
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert "missing-directory" not in response.get_data(as_text=True)


def test_other_areas_add_their_figures_to_healthz(client, world, monkeypatch):
    """A registered check shows its figures, and an Unhealthy finding turns the answer into 503."""
    indexing.sync()
    monkeypatch.setitem(health.CHECKS, "replicas", lambda: {"lag_seconds": 3})
    assert client.get("/healthz", headers=MONITOR).get_json()["checks"]["replicas"] == {"ok": True, "lag_seconds": 3}

    def lagging_replica():
        raise health.Unhealthy("replica 2 hours behind")

    monkeypatch.setitem(health.CHECKS, "replicas", lagging_replica)
    response = client.get("/healthz", headers=MONITOR)
    assert response.status_code == 503
    assert response.get_json()["checks"]["replicas"] == {"ok": False, "error": "replica 2 hours behind"}


def test_healthz_reports_the_outbox_backlog_without_failing(client, world, app):
    """Mails waiting for a down server show as backlog; the site still answers 200."""
    app.config["MAIL_SEND_AFTER_REQUEST"] = False
    make_ticket(world.member)
    indexing.sync()
    response = client.get("/healthz", headers=MONITOR)
    assert response.status_code == 200
    outbox = response.get_json()["checks"]["outbox"]
    assert outbox["ok"] is True and outbox["pending"] == 2 and outbox["failed"] == 0
    assert outbox["oldest_pending_seconds"] >= 0


PUBLIC_ADDRESS = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.mark.parametrize("built, status, word", [(True, 200, "ok"), (False, 503, "fail")])
def test_healthz_from_outside_gives_the_status_only(client, world, built, status, word):
    """The load balancer gets the status code and word; counts of questions and the mail backlog stay private."""
    make_ticket(world.member)
    if built:
        indexing.sync()
    response = client.get("/healthz", environ_base=PUBLIC_ADDRESS)
    assert response.status_code == status
    assert response.get_json() == {"status": word}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_relayed_by_a_local_proxy_is_not_local(client, world):
    """Behind a reverse proxy on the same machine (PROXY_COUNT unset), the proxy's loopback address is not trusted."""
    indexing.sync()
    response = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("token, headers", [
    (MONITORING_TOKEN, {}), (MONITORING_TOKEN, {"X-Healthz-Token": "mauvais-jeton"}),
    (MONITORING_TOKEN, {"X-Healthz-Token": ""}), ("", {"X-Healthz-Token": ""}), (123456, {"X-Healthz-Token": "12345"}),
])
def test_healthz_local_request_without_the_right_token_gets_the_status_only(client, world, app, token, headers):
    """Behind a reverse proxy that sets no X-Forwarded-For every request comes from the loopback address: being
    local no longer shows the figures, only the configured token does (none configured: nobody)."""
    indexing.sync()
    app.config["HEALTHZ_TOKEN"] = token
    response = client.get("/healthz", headers=headers)
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_figures_are_read_with_the_token_from_anywhere(client, world, app):
    """The token works through the proxy too, and a token of digits alone (read from the environment as a number)."""
    indexing.sync()
    assert "checks" in client.get("/healthz", headers=MONITOR, environ_base=PUBLIC_ADDRESS).get_json()
    app.config["HEALTHZ_TOKEN"] = 123456
    assert "checks" in client.get("/healthz", headers={"X-Healthz-Token": "123456"}).get_json()


@pytest.mark.parametrize("role, details", [("admin", True), ("jurist", False), ("member", False)])
def test_healthz_figures_are_shown_to_admins_from_anywhere(client, world, login, role, details):
    """A logged-in admin reads the figures from any address; other users get the status only."""
    indexing.sync()
    client.environ_base.update(PUBLIC_ADDRESS)  # the session is bound to the network it logged in from
    login(getattr(world, role))
    body = client.get("/healthz").get_json()
    assert ("checks" in body) is details and body["status"] == "ok"


def test_healthz_figures_can_be_opened_to_a_monitoring_network(client, world, app):
    """HEALTHZ_DETAILS shows the figures to every caller (a monitoring network that the proxy alone reaches)."""
    indexing.sync()
    assert app.config["HEALTHZ_DETAILS"] is False
    app.config["HEALTHZ_DETAILS"] = True
    body = client.get("/healthz", environ_base=PUBLIC_ADDRESS).get_json()
    assert body["checks"]["outbox"]["ok"] is True


def test_every_response_carries_a_generated_request_id(client):
    """Without a proxy id, each response gets its own new id."""
    first = client.get("/connexion").headers["X-Request-ID"]
    second = client.get("/connexion").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_the_proxys_request_id_is_honoured(client):
    """The id set by the reverse proxy is kept, so its log and ours share it."""
    response = client.get("/connexion", headers={"X-Request-ID": "proxy-7f3a.42"})
    assert response.headers["X-Request-ID"] == "proxy-7f3a.42"


@pytest.mark.parametrize("hostile", ["a" * 200, "bad id", "x\u00e9", "<script>"])
def test_a_malformed_request_id_is_replaced(client, hostile):
    """Over-long or odd ids are not copied into logs and headers."""
    assert client.get("/connexion", headers={"X-Request-ID": hostile}).headers["X-Request-ID"] != hostile


@contextmanager
def json_log(name: str) -> Iterator[io.StringIO]:
    """The records the named logger (and its children) writes during the block, as the production JSON lines, even
    when the migrations' logging set-up left it disabled or above INFO."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger(name)
    level, disabled = logger.level, logger.disabled
    logger.addHandler(handler)
    logger.setLevel(min(level or logging.INFO, logging.INFO))
    logger.disabled = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


def test_a_request_refused_before_its_view_keeps_its_request_id(app, client):
    """A form sent without its CSRF token, or a query string that is not UTF-8, is refused with the proxy's id in
    the response, and the record written about the refusal carries it too."""
    app.config["WTF_CSRF_ENABLED"] = True
    with json_log("flask_wtf.csrf") as stream:
        refused = client.post("/connexion", data={"email": "x@example.org"}, headers={"X-Request-ID": "rid-csrf"})
    assert refused.status_code == 400 and refused.headers["X-Request-ID"] == "rid-csrf"
    assert json.loads(stream.getvalue().splitlines()[0])["request_id"] == "rid-csrf"
    undecodable = client.get("/ressources/?q=%FF", headers={"X-Request-ID": "rid-utf8"})
    assert undecodable.status_code == 400 and undecodable.headers["X-Request-ID"] == "rid-utf8"


def test_application_log_lines_are_json_with_the_request_id(app, client):
    """A record written while serving a request is one JSON line carrying its request id, method and path."""

    def log_probe():
        logging.getLogger("helpdesk.test").warning("index « occupé »")
        return "logged"

    app.add_url_rule("/_log", "log_probe", log_probe)
    with json_log("helpdesk.test") as stream:
        response = client.get("/_log", headers={"X-Request-ID": "rid-1"})
    line = json.loads(stream.getvalue())
    assert response.status_code == 200
    assert line["message"] == "index « occupé »"
    assert (line["level"], line["logger"]) == ("warning", "helpdesk.test")
    assert (line["request_id"], line["method"], line["path"]) == ("rid-1", "GET", "/_log")
    assert line["time"].endswith("+00:00")


def _access_line(path: str, method: str = "GET", response=None, **environ) -> dict:
    """The JSON access line gunicorn writes for a request of `path` (by default a GET answered 200)."""
    config = Config()
    config.set("accesslog", "-")
    root_handlers = list(logging.getLogger().handlers)
    logger = GunicornJsonLogger(config)
    stream = io.StringIO()
    try:
        logger.access_log.handlers[0].setStream(stream)
        logger.access(response or SimpleNamespace(status="200 OK", headers=[], sent=10), SimpleNamespace(headers=[]),
                      {"REQUEST_METHOD": method, "RAW_URI": path, "PATH_INFO": path, "SERVER_PROTOCOL": "HTTP/1.1",
                       "REMOTE_ADDR": "203.0.113.7", **environ}, timedelta(milliseconds=12.5))
    finally:
        for handler in logging.getLogger().handlers:
            if handler not in root_handlers:
                logging.getLogger().removeHandler(handler)
    return json.loads(stream.getvalue())


def test_gunicorn_access_line_is_json_with_the_request_id(monkeypatch):
    """The access line of gunicorn is a JSON object with status, duration and the response's request id."""
    line = _access_line("/questions/nouvelle", "POST", SimpleNamespace(status="201 CREATED", sent=512,
                                                                        headers=[("X-Request-ID", "rid-9")]),
                        HTTP_USER_AGENT="wrk")
    assert line["request_id"] == "rid-9"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/questions/nouvelle", 201)
    assert (line["duration_ms"], line["remote_addr"], line["bytes"]) == (12.5, "203.0.113.7", 512)


def test_the_secrets_of_password_and_unsubscribe_links_stay_out_of_the_logs(app, client, world, monkeypatch):
    """Mail scanners fetch an invitation link as soon as it arrives: whoever reads the logs must not find in them the
    link that chooses the account's password (valid for days), nor an unsubscribe link."""
    # The migrations' logging.config.fileConfig (test_cli) disables the loggers existing then, the app's included.
    monkeypatch.setattr(app.logger, "disabled", False)
    link = make_password_link(world.member, "invitation").removeprefix("https://helpdesk.example.test")
    secret = link.rpartition("/")[2]
    for path in (link, f"/flash/desabonnement/{unsubscribe_token(world.member)}"):
        line = _access_line(path)
        assert line["path"].endswith("/…") and path.rpartition("/")[2] not in json.dumps(line)
    assert _access_line("/questions/Q-2026-00042")["path"] == "/questions/Q-2026-00042"
    with json_log("helpdesk") as stream, app.test_request_context(link):
        logging.getLogger("helpdesk.test").warning("pendant la page du lien")
        app.log_exception((RuntimeError, RuntimeError("panne"), None))
    warning, error = map(json.loads, stream.getvalue().splitlines()[:2])
    assert warning["path"] == "/mot-de-passe/nouveau/…" and secret not in stream.getvalue()
    assert error["message"] == "Exception on /mot-de-passe/nouveau/… [GET]", "Flask's error line names the path too"
    page = client.get(link)
    assert page.status_code == 200, "the link itself still works"
    assert page.headers["Referrer-Policy"] == "no-referrer", "its styles and links do not carry it in their Referer"
    assert client.get("/connexion").headers["Referrer-Policy"] == "same-origin"


def _proxy_probe_app(tmp_path, proxies: int):
    """An app trusting `proxies` reverse proxies, with a route echoing what it believes about the client."""
    probe = create_app({**BASE_CONFIG, "PROXY_COUNT": proxies, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                        "INDEX_DIR": str(tmp_path / "index")})
    probe.add_url_rule("/_whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme} {request.host}{request.script_root}")
    return probe.test_client()


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "helpdesk.example"}


def test_behind_a_proxy_the_forwarded_client_address_and_scheme_are_used(tmp_path):
    """With PROXY_COUNT=1 the app sees the client's address, HTTPS and the public host name."""
    answer = _proxy_probe_app(tmp_path, 1).get("/_whoami", headers=FORWARDED).get_data(as_text=True)
    assert answer == "203.0.113.7 https helpdesk.example"


def test_behind_a_proxy_a_forwarded_prefix_is_applied_once(tmp_path):
    """A site served under /aide by the proxy generates /aide/... links, not /aide/aide/..."""
    answer = _proxy_probe_app(tmp_path, 1).get("/_whoami", headers={**FORWARDED, "X-Forwarded-Prefix": "/aide"})
    assert answer.get_data(as_text=True) == "203.0.113.7 https helpdesk.example/aide"


def test_without_a_configured_proxy_forwarded_headers_are_ignored(tmp_path):
    """By default a client cannot forge its address with X-Forwarded-For."""
    answer = _proxy_probe_app(tmp_path, 0).get("/_whoami", headers=FORWARDED).get_data(as_text=True)
    assert answer == "127.0.0.1 http localhost"


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    """Workers and bind address follow GUNICORN_*; the default worker count is capped; no preloading."""
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (settings["workers"], settings["bind"], settings["preload_app"]) == (4, ["0.0.0.0:9000"], False)
    monkeypatch.delenv("GUNICORN_WORKERS")
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 64)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 8


def test_gunicorn_workers_keep_the_loaded_app_out_of_full_garbage_collections():
    """After loading the app, and after its 100th and 1,000th requests, a worker freezes what exists, so full
    collections do not walk it again and again; other requests leave the collector alone. The search's French
    dictionary is read before the first request, not during a member's first search."""
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    dictionary._words.cache_clear()
    try:
        hooks["post_worker_init"](SimpleNamespace(nr=0))
        assert dictionary._words.cache_info().currsize == 1
        frozen = gc.get_freeze_count()
        assert frozen > 0
        kept = [[] for _ in range(1000)]  # tracked by the collector, as cached objects are
        # Frozen objects may still be freed by their reference count: the count can only shrink meanwhile.
        hooks["post_request"](SimpleNamespace(nr=99), None, None, None)
        assert gc.get_freeze_count() <= frozen
        hooks["post_request"](SimpleNamespace(nr=100), None, None, None)
        assert gc.get_freeze_count() >= frozen + len(kept) - 100
    finally:
        gc.unfreeze()


@pytest.fixture
def priority(monkeypatch):
    """This process's niceness as the background helper sees it, without changing the real one."""
    state = {"nice": 0, "set": []}
    monkeypatch.setattr(background.os, "getpriority", lambda which, who: state["nice"])

    def setpriority(which, who, value):
        state["set"].append(value)
        state["nice"] = value

    monkeypatch.setattr(background.os, "setpriority", setpriority)
    return state


def test_background_loops_raise_their_niceness_to_the_setting(app, priority):
    """The indexer and the mail loop run at BACKGROUND_NICE (10 by default) so web workers get the CPU first."""
    assert app.config["BACKGROUND_NICE"] == 10
    assert background.lower_priority() == 10
    assert priority["set"] == [10]


@pytest.mark.parametrize("already, setting", [(15, 10), (0, 0)])
def test_background_priority_is_never_raised_back(app, priority, already, setting):
    """A loop started nicer than the setting (systemd Nice=), or a setting of 0, leaves the priority alone."""
    priority["nice"] = already
    app.config["BACKGROUND_NICE"] = setting
    assert background.lower_priority() == already
    assert priority["set"] == []


def test_the_mail_loop_lowers_its_priority(runner, priority, monkeypatch):
    """`flask mail send-pending --loop` lowers its priority before its first pass (stopped here at once)."""
    monkeypatch.setattr(stopping, "wait", lambda interval: True)
    monkeypatch.setattr("helpdesk.mail.commands.signal.signal", lambda *args: None)
    result = runner.invoke(args=["mail", "send-pending", "--loop"])
    assert result.exit_code == 0, result.output
    assert priority["set"] == [10]


@pytest.mark.parametrize("command", [["kb", "sync", "--loop"], ["flash", "send", "--loop"]])
def test_the_indexer_and_bulletin_loops_lower_their_priority(runner, priority, monkeypatch, command):
    """`flask kb sync --loop` and `flask flash send --loop` lower their priority before their first pass (stopped
    here after one)."""
    def stop(interval):
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", stop)
    runner.invoke(args=command)
    assert priority["set"] == [10]


@pytest.mark.parametrize("command, step", [
    (["kb", "sync", "--loop", "--interval", "0"], "helpdesk.kb.commands.indexing.sync"),
    (["mail", "send-pending", "--loop", "--interval", "0"], "helpdesk.mail.commands.send_pending"),
    (["flash", "send", "--loop", "--interval", "0"], "helpdesk.flash.commands.services.send_pending"),
])
def test_background_loops_outlive_a_database_briefly_unreachable(runner, priority, monkeypatch, command, step):
    """A database restarting under `make serve` costs the indexer, mail and bulletin loops a few passes, not their
    life (nothing would restart them while gunicorn goes on serving); the outage is said in French once when it
    starts and once when it ends, not at every pass."""
    passes = []
    real_step = pkgutil.resolve_name(step)

    def unreachable_three_times_then_stopped(*args, **kwargs):
        passes.append(1)
        if len(passes) <= 3:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        if len(passes) == 4:
            return real_step(*args, **kwargs)
        raise KeyboardInterrupt  # the pass after the recovery ran: stop the loop here

    monkeypatch.setattr(step, unreachable_three_times_then_stopped)
    monkeypatch.setattr("helpdesk.mail.commands.signal.signal", lambda *args: None)
    result = runner.invoke(args=command)
    assert len(passes) == 5
    assert result.output.count("Base de données inaccessible (connection refused)") == 1
    assert "Nouvel essai à chaque passage ; le retour de la base sera signalé." in result.output
    assert result.output.count("Base de données de nouveau accessible après 0 s d'interruption : reprise normale.") == 1
    assert result.output.index("inaccessible") < result.output.index("de nouveau accessible")
    assert "Traceback" not in result.output


def test_a_single_run_still_fails_on_an_unreachable_database(runner, monkeypatch):
    """Without --loop, `flask mail send-pending` ends with the French message and exit code 1."""
    def unreachable():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("helpdesk.mail.commands.send_pending", unreachable)
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1 and "Base de données inaccessible (connection refused)" in result.output
    assert "Nouvel essai" not in result.output
