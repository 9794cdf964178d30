"""`make run` points the links of its mails at the port it serves."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _run_target(tmp_path, *arguments, **environment) -> list[str]:
    """The BASE_URL each command of `make run` would get, with a stand-in for flask (nothing is started)."""
    stand_in = tmp_path / "flask"
    stand_in.write_text('#!/bin/sh\necho "$HELPDESK_BASE_URL"\n')
    stand_in.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "HELPDESK_BASE_URL"}
    result = subprocess.run(["make", "-s", "-o", "install", "run", f"FLASK={stand_in}", *arguments],
                            cwd=ROOT, env={**env, **environment}, capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if not line.startswith("Helpdesk juridique")]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_another_port_links_mails_to_that_port(tmp_path):
    assert set(_run_target(tmp_path, "PORT=5102")) == {"http://127.0.0.1:5102"}
    assert set(_run_target(tmp_path, "HOST=0.0.0.0", "PORT=8080")) == {"http://0.0.0.0:8080"}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_keeps_a_base_url_set_in_the_environment(tmp_path):
    assert set(_run_target(tmp_path, "PORT=5102", HELPDESK_BASE_URL="https://helpdesk.example.test")) == {
        "https://helpdesk.example.test"}
