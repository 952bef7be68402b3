"""The action server's port is one setting, ACTIONS_PORT (pointe_claire/settings.py), from `make run` to Rasa.

endpoints.yml names it (${ACTIONS_PORT}, substituted by Rasa), the Makefile exports it with the same default, and
the test and `make try` servers (scripts/servers.py) write the endpoints file their Rasa reads from the same template.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml
from rasa.utils.endpoints import read_endpoint_config

from pointe_claire import settings
from scripts.nlu_files import PROJECT_ROOT
from scripts.servers import ActionServer, Assistant, action_endpoint_url

ENDPOINTS = PROJECT_ROOT / "endpoints.yml"


def test_rasa_reads_the_action_servers_port_from_actions_port(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ACTIONS_PORT", "5077")
    endpoint = read_endpoint_config(str(ENDPOINTS), "action_endpoint")
    assert endpoint is not None and endpoint.url == "http://localhost:5077/webhook"


def test_without_actions_port_rasa_keeps_the_placeholder_which_is_why_make_always_exports_it(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("ACTIONS_PORT", raising=False)
    endpoint = read_endpoint_config(str(ENDPOINTS), "action_endpoint")
    assert (
        endpoint is not None and endpoint.url == "http://localhost:${ACTIONS_PORT}/webhook"
    )  # every action would fail


def exported_by_make(*arguments: str) -> str:
    """ACTIONS_PORT as the commands of a make target see it in their environment."""
    run = subprocess.run(
        ["make", "--no-print-directory", "-C", str(PROJECT_ROOT), "--eval", 'port: ; @echo "$$ACTIONS_PORT"', "port"]
        + list(arguments),
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return run.stdout.strip()


def test_make_exports_actions_port_with_the_settings_default():
    assert exported_by_make() == settings.VARIABLES["ACTIONS_PORT"].default == "5055"
    assert exported_by_make("ACTIONS_PORT=5077") == "5077"


def test_make_run_starts_the_action_server_on_actions_port():
    planned = subprocess.run(
        ["make", "-n", "-C", str(PROJECT_ROOT), "-o", "train", "-o", "webchat/dist/.built", "run", "ACTIONS_PORT=5077"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"rasa run actions --actions actions --port 5077", planned)
    assert "--endpoints endpoints.yml" in planned  # whose action_endpoint Rasa fills from the exported variable


def test_the_test_and_try_servers_point_rasa_at_their_own_action_server(tmp_path: Path):
    assistant = Assistant(tmp_path, tmp_path / "model.tar.gz", ActionServer(tmp_path, port=5099))
    written = yaml.safe_load(assistant._endpoints_file().read_text(encoding="utf-8"))
    assert written["action_endpoint"]["url"] == "http://localhost:5099/webhook"
    assert written["tracker_store"]["db"] == str(tmp_path / "tracker.db")


def test_an_endpoints_file_with_a_fixed_url_still_gets_the_servers_port():
    assert action_endpoint_url("http://localhost:5055/webhook", 5099) == "http://127.0.0.1:5099/webhook"
