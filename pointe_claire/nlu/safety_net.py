"""NLU component that makes sure an emergency gets the emergency answer; meant to be last in the pipeline (config.yml).

"My father is not breathing" must get 9-1-1 and a water-main break 514-630-1234 whatever the classifier thought:
when `pointe_claire.safety` finds an emergency, the intent becomes `report_life_threatening_emergency` or
`report_municipal_emergency` with confidence 1.0, and the parse output gains `safety_net: {kind, phrase}`.
The other way round, when the classifier guessed an emergency but the lexicon recognised the message's emergency
words as a look-alike ("fire prevention week", "if my basement floods, who do I call?"), the classifier's best
non-emergency intent is used and the parse output says `safety_net: {dismissed: true}`; when the classifier was so
sure of the emergency that no other intent has `RUNNER_UP_BAR`, the look-alike is set aside as the topic gate sets
aside a guess ("last year our basement was flooded" is answered as a comment, not with "you're welcome").
A guess with no emergency words the lexicon knows is left alone here: a missed emergency costs more than a false
alarm. Only the second opinion, before, takes such a guess back, when the sentence encoder's classifier does not
support it and prefers an intent whose answer still gives both emergency numbers (pointe_claire/nlu/second_opinion.py).

No other finding downgrades an emergency. The NetiquetteFlagger, just before, turns a message the classifier is
unsure of into `netiquette_violation` when it breaks a rule (a rescue request with an address and a phone is
"personal information"); when the classifier's own guess under it was an emergency, that guess is put back. The
reply generator then sends the emergency answer first and the netiquette reminders after it (pointe_claire/nlg.py),
and RepeatedCommentPolicy never answers an emergency with its notice.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.names import EMERGENCY_INTENTS, INTENT_FOR_KIND, VIOLATION_INTENT
from pointe_claire.netiquette import LEARNED_RULES, NetiquetteChecker, default_checker
from pointe_claire.nlu.message_rule import MessageRule, set_aside
from pointe_claire.safety import EmergencyDetector, default_detector

SAFETY_NET = "safety_net"
# The least confidence of the classifier's best other intent for it to answer a dismissed emergency guess: below it,
# that intent is the remainder of a sure emergency guess, not a reading of the message (the second opinion's bar).
RUNNER_UP_BAR = 0.3


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(MessageRule):
    """Overrides the intent of a message that reports an emergency; adds `safety_net` to the parse output."""

    def __init__(self, detector: EmergencyDetector, checker: NetiquetteChecker) -> None:
        self._detector = detector
        self._checker = checker

    @classmethod
    def build(cls) -> SafetyNet:
        return cls(default_detector(), default_checker())

    def annotate(self, message: Message) -> None:
        assessment = self._detector.assess(message.get(TEXT) or "")
        found = assessment.match
        if found is None:
            if assessment.dismissed:
                self._dismiss_emergency_guess(message)
            else:
                self._restore_emergency_guess(message)
            return
        intent = {INTENT_NAME_KEY: INTENT_FOR_KIND[found.kind], PREDICTED_CONFIDENCE_KEY: 1.0}
        # The classifier's other guesses stay below, for the logs and for anyone tuning the training data.
        others = [
            rank
            for rank in message.get(INTENT_RANKING_KEY) or []
            if rank.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *others], add_to_output=True)
        message.set(SAFETY_NET, {"kind": found.kind, "phrase": found.phrase}, add_to_output=True)

    @staticmethod
    def _restore_emergency_guess(message: Message) -> None:
        """Undoes the netiquette's override of an emergency guess: the flagger puts its intent first in the ranking,
        above the classifier's (or the fallback's) guess; the netiquette records stay for the reminders."""
        intent = message.get(INTENT) or {}
        ranking = message.get(INTENT_RANKING_KEY) or []
        if intent.get(INTENT_NAME_KEY) != VIOLATION_INTENT or len(ranking) < 2:
            return
        violation, guess = ranking[0], ranking[1]
        if guess.get(INTENT_NAME_KEY) not in EMERGENCY_INTENTS:
            return
        message.set(INTENT, guess, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [guess, *ranking[2:], violation], add_to_output=True)

    def _dismiss_emergency_guess(self, message: Message) -> None:
        """The classifier's best other intent answers a look-alike when it has RUNNER_UP_BAR; else the guess is set
        aside. Not a learned netiquette intent: only the netiquette flagger, before, turns those into a violation,
        and no answer is written for them."""
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) not in EMERGENCY_INTENTS:
            return
        ranking = message.get(INTENT_RANKING_KEY) or []
        others = [
            rank
            for rank in ranking
            if rank.get(INTENT_NAME_KEY) not in EMERGENCY_INTENTS and rank.get(INTENT_NAME_KEY) not in LEARNED_RULES
        ]
        if not others:
            return
        message.set(INTENT_RANKING_KEY, others, add_to_output=True)
        if float(others[0].get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= RUNNER_UP_BAR:
            message.set(INTENT, others[0], add_to_output=True)
        else:
            set_aside(message, self._checker.is_question(message.get(TEXT) or ""))
        message.set(
            SAFETY_NET, {"dismissed": True, "classifier_guess": intent.get(INTENT_NAME_KEY)}, add_to_output=True
        )
