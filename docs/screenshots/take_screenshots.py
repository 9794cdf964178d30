"""Take docs/screenshots/dashboard.png and annual-report.png with headless Chromium.

Builds a throwaway SQLite database with the demo data, serves the app on a free
local port with every request logged in as the demo admin (this script only),
and points `chromium --headless --screenshot` at the two pages.

    .venv/bin/python docs/screenshots/take_screenshots.py [--chromium /usr/bin/chromium]
"""
import argparse
import socket
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import flask_migrate
from flask_login import login_user
from sqlalchemy import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from helpdesk import create_app, demo  # noqa: E402
from helpdesk.extensions import db  # noqa: E402
from helpdesk.models import User  # noqa: E402

PAGES = {"dashboard.png": ("/statistiques/", 1280, 3200),
         "annual-report.png": (f"/statistiques/rapport/{datetime.now(timezone.utc).year - 1}", 1280, 2600)}


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    """Seed, serve, shoot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="chromium")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="helpdesk-shots-"))
    app = create_app({"SECRET_KEY": "screenshots", "SESSION_COOKIE_SECURE": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'demo.sqlite'}",
                      "INDEX_DIR": str(workdir / "index"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed()

    @app.before_request
    def as_demo_admin():
        """Every request of this throwaway server is the demo admin's."""
        login_user(db.session.scalar(select(User).where(User.email == "admin@demo.local")))

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for filename, (path, width, height) in PAGES.items():
            target = Path(__file__).resolve().parent / filename
            subprocess.run([args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--virtual-time-budget=10000", f"--screenshot={target}", f"--window-size={width},{height}",
                            f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True)
            print(f"{target.relative_to(ROOT)} <- {path}")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
