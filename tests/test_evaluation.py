"""The held-out evaluation set meets the bars through the deployed path (REST, model, actions, tracker store)."""

from __future__ import annotations

from scripts.evaluate import F1_BAR, RIGHT_LANGUAGE_BAR, format_evaluation, run_evaluation
from scripts.servers import Assistant


def test_held_out_messages_meet_the_intent_language_and_emergency_bars(assistant: Assistant):
    evaluation = run_evaluation(assistant)
    report = format_evaluation(evaluation)
    for language, scores in evaluation.intents.items():
        assert scores.weighted_f1 >= F1_BAR, report
        assert evaluation.right_language[language] >= RIGHT_LANGUAGE_BAR, report
    assert evaluation.emergencies > 0
    assert evaluation.emergencies_answered == evaluation.emergencies, report
