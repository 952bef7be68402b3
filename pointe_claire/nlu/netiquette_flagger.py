"""NLU component that applies the City's netiquette to each message (config.yml, just before the safety net).

Each violation found by `pointe_claire.netiquette` is recorded in the parse output as `netiquette:
[{rule, threat, language}]`, which the tracker store keeps with the message and its time, so staff can filter
on it; the reply generator then opens the answer with a courteous reminder of the rule. A message that is only a
violation (no request the classifier is sure of) gets the intent `netiquette_violation`.

Beside the lexicon, the learned layer: when the classifier's intent is one of `LEARNED_RULES` (partisan posts,
hateful generalisations, ads: trained in data/nlu/*/netiquette.yml), the message is a violation of that rule even
where no lexicon entry matched; its record says `learned: true` so staff know it is the classifier's judgement.
Only a sure guess counts: below `LEARNED_CONFIDENCE` unless the second opinion (before it) agrees, above it when
the second opinion disputes it, or when the message holds one of the lexicon's `civil_phrases` (idioms such as
"vache à lait"), the message is not called a violation (a resident's question about the election must not get the
political reminder). What it gets instead: a question or an idiom is "not understood" (the resident may
rephrase); a statement the classifier read as a comment on politics, a group or a product is answered as a comment
(`out_of_scope`: what this account can and cannot help with, both emergency numbers), as the labelling guide
answers civil commentary.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.names import NETIQUETTE_KEY, SECOND_OPINION_KEY, VIOLATION_INTENT
from pointe_claire.netiquette import LEARNED_RULES, NetiquetteChecker, default_checker
from pointe_claire.nlu.message_rule import MessageRule, decide_intent, set_aside

# Intents that are no request to answer: with a violation, the message is the violation.
NOT_A_REQUEST = frozenset({"out_of_scope", "nlu_fallback", "greet", "goodbye", "thank", "other_language"})
# Below this confidence the classifier's request is a guess, not something the resident asked.
SURE_REQUEST_CONFIDENCE = 0.6
# Below this confidence a learned violation is a guess: the message is not understood, not called a violation.
LEARNED_CONFIDENCE = 0.75


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NetiquetteFlagger(MessageRule):
    """Adds `netiquette` records to the parse output; a message that is only a violation gets its own intent."""

    def __init__(self, checker: NetiquetteChecker) -> None:
        self._checker = checker

    @classmethod
    def build(cls) -> NetiquetteFlagger:
        return cls(default_checker())

    def annotate(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        violations = self._checker.check(text)
        intent = message.get(INTENT) or {}
        learned_rule = LEARNED_RULES.get(intent.get(INTENT_NAME_KEY) or "")
        if learned_rule is not None:
            civil_phrase = self._checker.is_civil_phrase(text)
            if (
                civil_phrase
                or not _sure_of_learned_guess(message)
                or not self._checker.supports_learned(learned_rule, text)
            ):
                learned_rule, intent = None, set_aside(message, civil_phrase or self._checker.is_question(text))
        if not violations and learned_rule is None:
            return
        language = next((e["value"] for e in message.get(ENTITIES) or [] if e.get("entity") == "language"), None)
        records: list[dict[str, Any]] = [{"rule": v.rule, "threat": v.threat, "language": language} for v in violations]
        if learned_rule is not None and all(v.rule != learned_rule for v in violations):
            records.append({"rule": learned_rule, "threat": False, "language": language, "learned": True})
        message.set(NETIQUETTE_KEY, records, add_to_output=True)
        if (
            learned_rule is not None
            or intent.get(INTENT_NAME_KEY) in NOT_A_REQUEST
            or (intent.get("confidence") or 0.0) < SURE_REQUEST_CONFIDENCE
        ):
            decide_intent(message, VIOLATION_INTENT)


def _sure_of_learned_guess(message: Message) -> bool:
    """The classifier is sure of its netiquette intent and the second opinion does not dispute it, or the second
    opinion puts the same intent first."""
    intent = message.get(INTENT) or {}
    opinion = message.get(SECOND_OPINION_KEY) or {}
    if (intent.get("confidence") or 0.0) >= LEARNED_CONFIDENCE:
        return opinion.get("disputes") != intent.get(INTENT_NAME_KEY)
    return bool(opinion.get("agrees")) and opinion.get(INTENT_NAME_KEY) == intent.get(INTENT_NAME_KEY)
