"""What the City says under a Facebook comment and in private (`comment_reply`), and how the Graph API calls are
retried (`graph_comments`), without the assistant: the stand-in Graph API answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from pointe_claire.channels.comment_reply import plan_comment_answer
from pointe_claire.channels.facebook import FacebookMessengerInput
from pointe_claire.channels.graph_comments import GraphComments
from pointe_claire.channels.public_reply import default_texts, plan_public_answer, weighted_length
from pointe_claire.channels.retries import RetryPolicy
from pointe_claire.redaction import default_redactor
from scripts.servers import free_port
from tests.channels.standins import FACEBOOK_KEYS, StandInApi, graph_answer

HOURS_FR = "L'hôtel de ville est ouvert du lundi au vendredi, de 8 h 30 à 16 h 30."
HOURS_EN = "City Hall is open Monday to Friday, 8:30 a.m. to 4:30 p.m."


@pytest.mark.parametrize(("language", "answer"), [("fr", HOURS_FR), ("en", HOURS_EN)])
def test_the_first_reply_of_a_thread_says_it_is_the_citys_automated_assistant(language: str, answer: str) -> None:
    disclosure = default_texts().automated_assistant
    first = plan_comment_answer("?", [answer], ["utter_hours"], language, first_reply=True)
    later = plan_comment_answer("?", [answer], ["utter_hours"], language)
    assert first.public == f"{disclosure[language]}\n\n{answer}" and first.private is None
    assert later.public == answer
    other = "en" if language == "fr" else "fr"
    assert disclosure[other] not in first.public


def test_personal_information_goes_in_private_and_the_public_notice_holds_none() -> None:
    texts = default_texts()
    plan = plan_comment_answer(
        "Rappelez-moi au 514-555-0187 pour mon compte de taxes", ["Un agent vous rappellera."], [], "fr"
    )
    assert plan.private == "Un agent vous rappellera."
    assert plan.public == texts.moved_to_private_message["fr"]
    assert not default_redactor().redact(plan.public).found_any
    assert plan.if_private_refused == texts.private_message_refused["fr"]


@pytest.mark.parametrize("first_reply", [True, False])
def test_an_emergency_in_private_still_gives_the_numbers_in_public_before_anything(first_reply: bool) -> None:
    plan = plan_comment_answer(
        "Water main break in front of 12 Donegani Avenue!",
        ["Call 514-630-1234"],
        [],
        "en",
        emergency=True,
        first_reply=first_reply,
    )
    assert plan.private and plan.public.startswith(default_texts().emergency_numbers["en"])
    assert "514-630-1234" in plan.public and "9-1-1" in plan.public
    assert (default_texts().automated_assistant["en"] in plan.public) is first_reply


@pytest.mark.parametrize("language", ["fr", "en", None])
def test_an_x_first_public_reply_carries_the_disclosure_within_280_characters(language: str | None) -> None:
    disclosure = default_texts().automated_assistant
    long_answer = {"fr": HOURS_FR * 6, "en": HOURS_EN * 6}
    answer = long_answer[language] if language else f"{long_answer['fr']}\n\n{long_answer['en']}"
    parts = None if language else long_answer
    first = plan_public_answer("?", [answer], [], language, parts=parts, first_reply=True)
    later = plan_public_answer("?", [answer], [], language, parts=parts)
    codes = [language] if language else ["fr", "en"]
    assert len(first.public) == len(codes)
    for post, code in zip(first.public, codes, strict=True):
        assert post.startswith(disclosure[code])
    assert all(weighted_length(post) <= 280 for post in first.public)
    assert not any(disclosure[code] in post for post in later.public for code in ("fr", "en"))


@pytest.fixture
def graph() -> Iterator[StandInApi]:
    standin = StandInApi(graph_answer).start()
    yield standin
    standin.stop()


def _client(graph: StandInApi, attempts: int = 4) -> GraphComments:
    return GraphComments(f"{graph.url}/v21.0", "page-token", RetryPolicy(attempts, first_wait=0.01, max_wait=0.05))


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, {"code": 613}), (400, {"code": 4}), (403, {"code": 17}), (400, {"code": 32}), (429, {}), (503, {})],
)
def test_rate_limits_and_outages_are_retried_until_the_graph_api_takes_the_reply(
    graph: StandInApi, status: int, error: dict[str, int]
) -> None:
    graph.script("/v21.0/1_2/comments", status, body={"error": {"message": "Slow down", **error}})
    outcome = asyncio.run(_client(graph).reply_publicly("1_2", "Bonjour"))
    assert outcome.ok and outcome.attempts == 2 and outcome.value and outcome.value["id"].startswith("1_")
    (first, second) = graph.received()
    assert first.body == second.body == {"message": "Bonjour"}
    assert second.headers["authorization"] == "Bearer page-token" and "access_token" not in second.query


def test_a_refusal_that_will_not_improve_is_not_retried_and_the_last_problem_is_kept(graph: StandInApi) -> None:
    graph.script("/v21.0/1_3/comments", 400, body={"error": {"message": "Object does not exist", "code": 100}})
    outcome = asyncio.run(_client(graph).reply_publicly("1_3", "Bonjour"))
    assert not outcome.ok and outcome.attempts == 1 and "code 100" in outcome.problem
    for _ in range(3):
        graph.script("/v21.0/1_4/comments", 400, body={"error": {"message": "Too many calls", "code": 613}})
    outcome = asyncio.run(_client(graph, attempts=3).reply_publicly("1_4", "Bonjour"))
    assert not outcome.ok and outcome.attempts == 3 and "code 613" in outcome.problem


def test_a_private_reply_is_addressed_to_the_comment(graph: StandInApi) -> None:
    outcome = asyncio.run(_client(graph).reply_privately("108", "1_5", "Votre dossier"))
    (sent,) = graph.received()
    assert outcome.ok and sent.path == "/v21.0/108/messages"
    assert sent.body == {"recipient": {"comment_id": "1_5"}, "message": {"text": "Votre dossier"}}


def test_an_unreachable_graph_api_is_an_outcome_not_an_exception() -> None:
    client = GraphComments(f"http://127.0.0.1:{free_port()}/v21.0", "t", RetryPolicy(2, 0.01, 0.01), timeout=2)
    outcome = asyncio.run(client.reply_publicly("1_6", "Bonjour"))
    assert not outcome.ok and outcome.attempts == 2


def test_comments_are_answered_only_when_credentials_yml_turns_them_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FACEBOOK_KEYS.items():
        monkeypatch.setenv(name, value)
    assert FacebookMessengerInput.from_credentials({}).comments is None
    channel = FacebookMessengerInput.from_credentials({"answer_comments": True, "comments_retry_attempts": 2})
    assert channel.comments is not None
    assert channel.comments.graph.retry == RetryPolicy(attempts=2)
    assert channel.comments.graph.graph_url == "https://graph.facebook.com/v21.0"
