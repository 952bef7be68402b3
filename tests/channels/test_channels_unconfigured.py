"""Without the City's keys (a laptop, CI), the X and Facebook channels answer 503 in both languages and everything
else runs: `make run` needs no secret."""

from __future__ import annotations

import json

from scripts.servers import Assistant, http


def test_without_keys_x_and_facebook_answer_503_and_the_assistant_still_answers(assistant: Assistant) -> None:
    for method, path in [
        ("GET", "/webhooks/x/webhook?crc_token=abc"),
        ("POST", "/webhooks/x/webhook"),
        ("GET", "/webhooks/facebook/webhook?hub.verify_token=&hub.challenge=1"),
        ("POST", "/webhooks/facebook/webhook"),
    ]:
        status, body = http(method, assistant.base_url + path, b"{}" if method == "POST" else None)
        answer = json.loads(body)
        assert status == 503, path
        assert "not configured" in answer["error"] and "pas configuré" in answer["error_fr"]
    assert "514-630-1234" in assistant.reply_text("resident-unconfigured", "Ma rue est inondée!")
    log = (assistant.workdir / "rasa.log").read_text(errors="replace")
    assert log.count("The x channel received a request but is not configured") == 1  # logged once, not per call
