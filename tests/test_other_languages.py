"""A message in another language gets the notice, in French and English, that the City answers in those two
languages, whatever intent the classifier gives it; French and English written as residents write them do not."""

from __future__ import annotations

import pytest

from scripts.servers import Assistant
from tests.language_samples import OFFICIAL_WITH_TYPOS, OTHER_LANGUAGES

NOTICE_FR = "La Ville de Pointe-Claire répond en français et en anglais"
NOTICE_EN = "The City of Pointe-Claire answers in French and English"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_question_in_another_language_gets_the_bilingual_notice(assistant: Assistant, sender: str, language):
    for question in OTHER_LANGUAGES[language]:  # one conversation: the second question must not switch to French
        reply = assistant.reply_text(sender, question)
        assert NOTICE_FR in reply and NOTICE_EN in reply, (question, reply)


@pytest.mark.parametrize(
    "text", [text for texts in OFFICIAL_WITH_TYPOS.values() for text in texts], ids=lambda text: text[:30]
)
def test_french_and_english_as_residents_write_them_do_not_get_the_notice(assistant: Assistant, sender: str, text):
    assert NOTICE_EN not in assistant.reply_text(sender, text)
