"""NLU component that applies the City's netiquette to each message (config.yml, just before the safety net).

Each violation found by `pointe_claire.netiquette` is recorded in the parse output as `netiquette:
[{rule, threat, language}]`, which the tracker store keeps with the message and its time, so staff can filter
on it; the reply generator then opens the answer with a courteous reminder of the rule. A message that is only a
violation (no request the classifier is sure of) gets the intent `netiquette_violation`.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.netiquette import NetiquetteChecker, default_checker
from pointe_claire.nlu.message_rule import MessageRule

NETIQUETTE = "netiquette"
VIOLATION_INTENT = "netiquette_violation"
# Intents that are no request to answer: with a violation, the message is the violation.
NOT_A_REQUEST = frozenset({"out_of_scope", "nlu_fallback", "greet", "goodbye", "thank", "other_language"})
# Below this confidence the classifier's request is a guess, not something the resident asked.
SURE_REQUEST_CONFIDENCE = 0.6


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NetiquetteFlagger(MessageRule):
    """Adds `netiquette` records to the parse output; a message that is only a violation gets its own intent."""

    def __init__(self, checker: NetiquetteChecker) -> None:
        self._checker = checker

    @classmethod
    def build(cls) -> NetiquetteFlagger:
        return cls(default_checker())

    def annotate(self, message: Message) -> None:
        violations = self._checker.check(message.get(TEXT) or "")
        if not violations:
            return
        language = next((e["value"] for e in message.get(ENTITIES) or [] if e.get("entity") == "language"), None)
        records = [{"rule": v.rule, "threat": v.threat, "language": language} for v in violations]
        message.set(NETIQUETTE, records, add_to_output=True)
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) in NOT_A_REQUEST or (intent.get("confidence") or 0.0) < SURE_REQUEST_CONFIDENCE:
            violation = {INTENT_NAME_KEY: VIOLATION_INTENT, "confidence": 1.0}
            message.set(INTENT, violation, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [violation, *(message.get(INTENT_RANKING_KEY) or [])], add_to_output=True)
