"""The web chat's settings without a browser or a model: the welcome's buttons as the reply generator renders them,
the colours of widget.yml, the framing policy and the launcher script as served."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain

from pointe_claire.channels import webchat_widget
from pointe_claire.channels.webchat import PAGE_HEADERS, page_headers
from pointe_claire.channels.webchat_buttons import HANDOFF_PAYLOAD, handoff_button, offered_buttons, parse_data, welcome
from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.nlg import BilingualFactsNLG


@pytest.fixture(scope="module")
def nlg() -> BilingualFactsNLG:
    return BilingualFactsNLG(domain=Domain.load(PROJECT_ROOT / "domain.yml"))


def test_the_welcome_offers_the_same_five_doors_in_each_language(nlg: BilingualFactsNLG):
    french, english = welcome(nlg, "fr", "webchat"), welcome(nlg, "en", "webchat")
    assert french and english and french["lang"] == "fr" and english["lang"] == "en"
    payloads = [reply["payload"] for reply in french["quick_replies"]]
    assert payloads == [reply["payload"] for reply in english["quick_replies"]]
    assert payloads == [
        "/report_problem",
        "/ask_emergency_numbers",
        "/ask_council",
        "/ask_media_relations",
        "/ask_for_human",
    ]
    offered = offered_buttons(nlg, "webchat")
    assert len(offered) == 10 and {b.language for b in offered.values()} == {"fr", "en"}
    handoff = handoff_button(nlg, "en", "webchat")
    assert handoff and (handoff.title, handoff.payload) == ("Talk to a person", HANDOFF_PAYLOAD)


def test_a_button_is_parsed_as_its_intent_with_its_title_and_language(nlg: BilingualFactsNLG):
    button = offered_buttons(nlg, "webchat")[("Numéros d'urgence", "/ask_emergency_numbers")]
    assert parse_data(button) == {
        "text": "Numéros d'urgence",
        "intent": {"name": "ask_emergency_numbers", "confidence": 1.0},
        "intent_ranking": [{"name": "ask_emergency_numbers", "confidence": 1.0}],
        "entities": [{"entity": "language", "value": "fr", "extractor": "webchat_button"}],
    }


def test_the_default_colours_keep_white_text_readable():
    for name in webchat_widget.WHITE_TEXT_ON:
        assert webchat_widget.contrast(webchat_widget.DEFAULT_COLOURS[name], "#ffffff") >= 4.5
    assert round(webchat_widget.contrast("#000000", "#ffffff"), 1) == 21.0


def test_a_colour_too_pale_for_white_text_or_malformed_keeps_the_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    widget = tmp_path / "widget.yml"
    widget.write_text('colours:\n  brand: "#7fb2e5"\n  alert: "red"\n  focus: "#FFDD00"\n', encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        colours = webchat_widget.load_colours(widget)
    assert colours == {**webchat_widget.DEFAULT_COLOURS, "focus": "#ffdd00"}
    assert "contrast of 2.2:1" in caplog.text and "'red' is not #rrggbb" in caplog.text
    widget.write_text("colours: [unclosed", encoding="utf-8")
    assert webchat_widget.load_colours(widget) == webchat_widget.DEFAULT_COLOURS
    assert webchat_widget.load_colours(PROJECT_ROOT / "webchat" / "widget.yml") == webchat_widget.DEFAULT_COLOURS


def test_the_page_may_be_framed_by_itself_and_the_allowed_origins_only():
    policy = page_headers(["https://www.pointe-claire.ca"])["Content-Security-Policy"]
    assert policy.startswith(PAGE_HEADERS["Content-Security-Policy"])
    assert policy.endswith("; frame-ancestors 'self' https://www.pointe-claire.ca")
    assert page_headers([])["Content-Security-Policy"].endswith("; frame-ancestors 'self'")


def test_the_launcher_settings_cannot_close_the_script_and_are_ascii():
    config = {"texts": {"fr": {"title": "</script><script>alert(1)</script> Écrire & <!--"}}}
    served = webchat_widget.launcher_script("(function (config) {})", config)
    assert served.startswith("(function (config) {})({") and served.endswith(");\n")
    assert "<" not in served and ">" not in served and "&" not in served and served.isascii()
    assert json.loads(served[len("(function (config) {})(") : -len(");\n")]) == config
