"""The TopicGate (config.yml, after the second opinion): a narrow intent stands only when the message names its topic
(lexicons/intent_topics.yml, pointe_claire.topics).

Without its topic, the message gets the answer to civil commentary (`out_of_scope`: what this account helps with,
both emergency numbers), or "not understood" when it asks something (how a question opens is the netiquette
lexicon's `questions`, which the learned netiquette layer's unsure guesses use the same way). The intent set aside
stays in the ranking and under `topic_gate` in the parse output, for staff and trainers.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.names import TOPIC_GATE_KEY
from pointe_claire.netiquette import NetiquetteChecker, default_checker
from pointe_claire.nlu.message_rule import MessageRule, set_aside
from pointe_claire.topics import TopicLexicon, default_topics


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TopicGate(MessageRule):
    """Sets aside a listed intent whose topic the message does not name."""

    def __init__(self, topics: TopicLexicon, checker: NetiquetteChecker) -> None:
        self._topics = topics
        self._checker = checker

    @classmethod
    def build(cls) -> TopicGate:
        return cls(default_topics(), default_checker())

    def annotate(self, message: Message) -> None:
        name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        text = message.get(TEXT) or ""
        if name is None or self._topics.names_topic(name, text):
            return
        set_aside(message, self._checker.is_question(text))
        message.set(TOPIC_GATE_KEY, {INTENT_NAME_KEY: name}, add_to_output=True)
