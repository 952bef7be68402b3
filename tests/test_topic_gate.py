"""The TopicGate: a narrow intent the classifier gives a message that does not name its topic
(lexicons/intent_topics.yml) is set aside, and the message is answered as a comment, or "not understood" when it
asks something. What the classifier said stays visible to staff. The messages are written here, not taken from the
real-message sets."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from pointe_claire.names import TOPIC_GATE_KEY
from pointe_claire.nlu.topic_gate import TopicGate
from pointe_claire.topics import DEFAULT_TOPICS_PATH, TopicLexicon
from scripts.evaluate import stored_parse_data
from scripts.nlu_files import PROJECT_ROOT, read_examples
from scripts.servers import Assistant


def gated(intent: str, text: str) -> Message:
    ranking = [{"name": intent, "confidence": 0.7}, {"name": "out_of_scope", "confidence": 0.3}]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    [message] = TopicGate.build().process([message])
    return message


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("ask_media_relations", "Je suis informaticien et ferronnier, j'ai tout perdu dans l'inondation"),
        ("ask_media_relations", "I'm a retired teacher and I love this city"),
        ("ask_comment_removed", "suppression du Sénat"),
        ("ask_comment_removed", "Il faut supprimer le poste de président."),
        ("ask_following_meaning", "C'est un panneau qui signifie ralentir, pas arrêter"),
        ("request_event_promotion", "Hospitals downtown need blood donors"),
        ("thank", "FLOOD WARNING FOR THE WHOLE WEST ISLAND FROM GOD ALMIGHTY"),
        ("report_problem", "maudite bande de crasseux dégueulasses"),
        ("report_problem", "you are all a bunch of lazy bums"),
        ("report_problem", "trop de ministres pis trop de députés, faut couper"),
        ("report_problem", "katy perry just stop it, nobody likes that song"),
        ("goodbye", "on se calme là, voyons"),
        ("goodbye", "yes sir!"),
        ("ask_city_services", "c'est toi qui cherches la chicane, calme-toi"),
        ("ask_city_services", "my brother is such a clown lol"),
        ("greet", "@someone he is so cute"),
        ("ask_is_bot", "wow calme-toi un peu, c'est juste une opinion"),
        ("ask_for_human", "arrêtez de l'écoeurer, c'est pas drôle"),
        ("ask_response_time", "mêle-toi de tes affaires pis lâche-moi"),
        ("ask_privacy", "we've all been through that, hang in there"),
        ("ask_hyperlinks", "join us in supporting the flood relief"),
        ("ask_logo_use", "stand together with the families this weekend"),
    ],
)
def test_a_narrow_intent_without_its_topic_is_answered_as_a_comment(intent: str, text: str):
    message = gated(intent, text)
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 1.0}
    assert message.get(TOPIC_GATE_KEY) == {"name": intent}
    assert message.get("intent_ranking")[1]["name"] == intent  # staff still see the classifier's answer


@pytest.mark.parametrize("text", ["je suis informaticien, pouvez-vous m'aider?", "est-ce que je peux supprimer ça"])
def test_a_question_without_the_topic_is_not_understood(text: str):
    assert gated("ask_media_relations", text).get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("ask_media_relations", "Je suis journaliste à La Presse, une entrevue avec le maire est-elle possible?"),
        ("ask_media_relations", "news producer here, can someone from the city go on air tonight"),
        ("ask_comment_removed", "pourquoi mon commentaire a été supprimé"),
        ("ask_comment_removed", "you took down my question about the budget, why"),
        ("ask_following_meaning", "la ville suit cette compagnie, ça veut dire quoi?"),
        ("request_event_promotion", "could you boost our blood drive on your socials"),
        ("thank", "JE VOUS FÉLICITE pour le déneigement"),
        ("thank", "merci bcp"),
        ("report_problem", "y'a un char parké sur le trottoir depuis 3 jours"),
        ("report_problem", "the lamp post on Cedar keeps flickering"),
        ("report_problem", "le lampadaire est brûlé au coin de Cedar pis Maple"),
        ("report_problem", "our bin was never picked up"),
        ("report_problem", "ça fait 2 semaines que personne est venu ramasser"),
        ("report_problem", "Screen missing on the basketball court's scoreboard, still not fixed"),
        ("report_problem", "la fontaine du parc coule sans arrêt"),
        ("report_problem", "noisy leaf blowers at 6am every Sunday"),
        ("goodbye", "bon ben j'vous laisse, bonne soirée"),
        ("goodbye", "peace out everyone"),
        ("greet", "allo tout le monde"),
        ("greet", "sup everybody"),
        ("ask_is_bot", "y'a-tu un vrai monde qui lit ça?"),
        ("ask_is_bot", "is this thing automated"),
        ("ask_for_human", "can someone call me back about my file"),
        ("ask_for_human", "passez-moi quelqu'un au bureau svp"),
        ("ask_response_time", "still waiting on a reply since Tuesday"),
        ("ask_response_time", "vous répondez-tu la fin de semaine?"),
        ("ask_privacy", "vous gardez-tu mes coordonnées après ma plainte?"),
        ("ask_privacy", "who sees the photos I send you"),
        ("ask_hyperlinks", "le lien dans votre publication marche pas"),
        ("ask_logo_use", "can our soccer club print the city crest on its jerseys"),
        ("ask_city_services", "when is bulky item pickup"),
        ("ask_city_services", "l'écocentre ouvre à quelle heure"),
        ("ask_city_services", "is the boil water advisory lifted in Valois"),
        ("ask_jobs", "summer jobs at the city?"),  # an intent the lexicon does not list needs nothing
    ],
)
def test_a_message_that_names_the_topic_keeps_its_intent(intent: str, text: str):
    message = gated(intent, text)
    assert message.get("intent")["name"] == intent and message.get(TOPIC_GATE_KEY) is None


def test_every_authored_example_of_a_listed_intent_names_its_topic():
    """`make validate` says the same for each project; here for this one, so a narrowed lexicon fails at once."""
    topics = TopicLexicon(DEFAULT_TOPICS_PATH)
    files = [*PROJECT_ROOT.glob("data/nlu/*/*.yml"), *PROJECT_ROOT.glob("tests/evaluation/*.yml")]
    examples = [
        ex
        for path in files
        for ex in read_examples(path, path.stem[-2:] if "evaluation" in path.parts else path.parent.name)
    ]
    listed = [ex for ex in examples if ex.intent in topics.intents]
    assert len(listed) > 200
    assert [ex.where for ex in listed if not topics.names_topic(ex.intent, ex.text)] == []


@pytest.mark.parametrize(
    ("text", "reminder", "request_answer"),
    [
        ("maudite bande de crasseux dégueulasses", "garder un ton respectueux", "formulaire de requête"),
        ("you are all a bunch of lazy bums", "keep a respectful tone", "online request form"),
    ],
)
def test_through_the_model_an_insult_read_as_a_request_gets_the_reminder_alone(
    assistant: Assistant, sender: str, text: str, reminder: str, request_answer: str
):
    """The trained classifier reads both insults as problem reports by their shape (a complaint about people); they
    name nothing that is wrong in the city, so the resident gets the netiquette reminder, then the answer to a
    message that is only a violation (both emergency numbers), not the request form as if a pothole were reported."""
    reply = assistant.reply_text(sender, text)
    assert reminder in reply and request_answer not in reply and "9-1-1" in reply
    parse = stored_parse_data(assistant.tracker_db, [sender])[sender]
    assert parse[TOPIC_GATE_KEY] == {"name": "report_problem"} and parse["intent"]["name"] == "netiquette_violation"


@pytest.mark.parametrize(
    ("text", "answer", "not_answer"),
    [
        ("suppression du Sénat", "ne peut pas vous aider avec cela", "la Ville retire les commentaires"),
        ("I'm a retired teacher and I love this city", "not something the City's account can help with", "remove"),
    ],
)
def test_through_the_model_a_comment_gets_the_comment_answer_not_the_narrow_one(
    assistant: Assistant, sender: str, text: str, answer: str, not_answer: str
):
    """The trained classifier gives both messages the removed-comment intent (0.74 and 0.91 when this was written);
    the resident gets the answer to a comment, with both emergency numbers, and the stored parse says why."""
    reply = assistant.reply_text(sender, text)
    assert answer in reply and not_answer not in reply and "9-1-1" in reply
    assert stored_parse_data(assistant.tracker_db, [sender])[sender][TOPIC_GATE_KEY] == {"name": "ask_comment_removed"}
