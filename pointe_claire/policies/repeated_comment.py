"""Dialogue policy for the netiquette's "no repeated comments": the third identical message in a row gets a
courteous notice instead of the same answer again, and the conversation is flagged for staff (config.yml).

It reads the tracker's history, which no NLU component can see. Emergencies are never answered with the notice.
"""

from __future__ import annotations

import re
import string
from datetime import datetime, timezone
from typing import Any

from rasa.core.constants import POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from pointe_claire.names import EMERGENCY_INTENTS, FLAGS_SLOT, LANGUAGE_SLOT, NETIQUETTE_KEY, FlagRecord
from pointe_claire.redaction import default_redactor

REPEATED_RESPONSE = "utter_netiquette_repeated"
# Actions Rasa runs by itself after a user message; they do not answer it.
_BOOKKEEPING_ACTIONS = frozenset({ACTION_LISTEN_NAME, "action_extract_slots", "action_session_start"})
# Above the RulePolicy (6), so the notice wins over the rule that would answer the same message again.
DEFAULT_PRIORITY = 7


def normalised(text: str) -> str:
    """The comparable form of a message: as stored (personal information redacted), case and spacing ignored."""
    redacted = default_redactor().redact(text).text
    return re.sub(r"\s+", " ", redacted.casefold()).strip(" " + string.punctuation)


def repeated_times(tracker: DialogueStateTracker) -> int:
    """How many times in a row the resident has now sent the same message (1 for a new one)."""
    texts = [normalised(event.text) for event in tracker.events if isinstance(event, UserUttered) and event.text]
    if not texts or not texts[-1]:
        return 0
    count = 1
    for text in reversed(texts[:-1]):
        if text != texts[-1]:
            break
        count += 1
    return count


def actions_since_user_message(tracker: DialogueStateTracker) -> list[str]:
    """The answering actions run since the resident's latest message (Rasa's own bookkeeping left out)."""
    names: list[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name and event.action_name not in _BOOKKEEPING_ACTIONS:
            names.append(event.action_name)
    return list(reversed(names))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class RepeatedCommentPolicy(Policy):
    """Predicts the repeated-comment notice on the third identical message in a row, then listens."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {POLICY_PRIORITY: DEFAULT_PRIORITY, "repetitions": 3}

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource):
            pass  # nothing to learn: the rule is the netiquette's
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if REPEATED_RESPONSE not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        answered = actions_since_user_message(tracker)
        if answered == [REPEATED_RESPONSE]:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        if answered or intent in EMERGENCY_INTENTS or repeated_times(tracker) < self.config["repetitions"]:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(REPEATED_RESPONSE)] = 1.0
        flag: FlagRecord = {
            "kind": NETIQUETTE_KEY,
            "rule": "repeated",
            "language": tracker.get_slot(LANGUAGE_SLOT),
            "at": datetime.fromtimestamp(tracker.latest_message.timestamp or 0, timezone.utc).isoformat(
                timespec="seconds"
            )
            if tracker.latest_message
            else None,
        }
        flags = [*(tracker.get_slot(FLAGS_SLOT) or []), flag]
        return self._prediction(probabilities, events=[SlotSet(FLAGS_SLOT, flags)])
