"""Names more than one package relies on: slots, parse-data keys, the flag record, the languages.

The assistant writes them (NLU components, policies, actions, the reply generator) and the channels and the staff
review app read them back from stored conversations: a rename here reaches every reader.
"""

from __future__ import annotations

from typing import TypedDict

FRENCH, ENGLISH = "fr", "en"
LANGUAGES = (FRENCH, ENGLISH)  # the official languages, French first: the order of bilingual replies

# Slots (domain.yml) and the entity that fills the language slot.
LANGUAGE_SLOT = "language"
FLAGS_SLOT = "flags"

# Rasa's fallback intent (DEFAULT_NLU_FALLBACK_INTENT_NAME), "not understood": here so that actions, the review app
# and the measures read it without importing Rasa's NLU.
FALLBACK_INTENT = "nlu_fallback"
# The intent of a message that is only a netiquette violation (pointe_claire.nlu.netiquette_flagger decides it).
VIOLATION_INTENT = "netiquette_violation"

# Keys a message's parse data gains from our NLU components.
SAFETY_NET_KEY = "safety_net"  # pointe_claire.nlu.safety_net: the emergency kind the lexicon recognised
NETIQUETTE_KEY = "netiquette"  # pointe_claire.nlu.netiquette_flagger: one record per rule broken
# pointe_claire.nlu.second_opinion: the sentence encoder's classifier's intent when it answered, overruled or agreed
SECOND_OPINION_KEY = "second_opinion"
# pointe_claire.nlu.topic_gate: the classifier's narrow intent it set aside, the message not naming its topic
TOPIC_GATE_KEY = "topic_gate"
# The netiquette's rules (a record's "rule"; pointe_claire.netiquette decides them), and the threat flag on abuse,
# which `score()` reports like a rule. Here so that the review app and moderation.yml know them without spaCy.
ABUSE = "abuse"
POLITICAL = "political"
SOLICITATION = "solicitation"
PERSONAL_INFORMATION = "personal_information"
ILLEGAL = "illegal"
NETIQUETTE_RULES = (ABUSE, POLITICAL, SOLICITATION, PERSONAL_INFORMATION, ILLEGAL)
THREAT = "threat"
# Added by the reply guard (pointe_claire.channels.alert_turns), not by NLU: the ids of the staff alerts
# (pointe_claire.alerts) whose phrases the message matched; the review app counts and lists them.
ALERTS_KEY = "alerts"

# The emergency kinds the safety net recognises (pointe_claire.safety) and the intents that answer each: the one
# place that says which intents are emergencies. Here, not in pointe_claire.safety, so that a reader of stored
# conversations (the review app) knows them without loading spaCy and its French tokenizer rules.
LIFE_THREATENING = "life_threatening"
MUNICIPAL = "municipal"
INTENT_FOR_KIND = {LIFE_THREATENING: "report_life_threatening_emergency", MUNICIPAL: "report_municipal_emergency"}
EMERGENCY_INTENTS = frozenset(INTENT_FOR_KIND.values())

# Key of a bot message (the reply generator's output) that holds the reply per language when both are sent.
BILINGUAL_PARTS_KEY = "bilingual_parts"
# Key of a bot message in one language that names it (channels mark it up: the web chat bubble's `lang`).
REPLY_LANGUAGE_KEY = "reply_language"

# Key of a resident message's metadata on X saying where it was written ("public": a mention, answered in public;
# "private": a direct message): public replies carry an alert's short form (pointe_claire.channels.public_reply).
X_VISIBILITY_KEY = "x_visibility"
PUBLIC, PRIVATE = "public", "private"

# Key of a stored event's metadata marking an event that waited in an instance's spool during an outage
# (pointe_claire/spool.py): {"reason": "tracker_store_unreachable", "lock_store_unreachable" or
# "after_spooled_events", "at": when it was spooled, epoch seconds}.
SPOOLED_KEY = "spooled"

# Key of a stored bot message's metadata marking a staff member's reply sent from the review app:
# {"by": account name, "at": epoch seconds, "delivered": whether the resident's channel took it}.
STAFF_REPLY_KEY = "staff_reply"
# Key of a stored resident message's metadata: received while a staff member held the conversation (the assistant
# stayed silent unless it was an emergency): {"by": account name}.
HELD_BY_STAFF_KEY = "held_by_staff"

# Key of a stored resident message's metadata for a comment on a public platform (a Facebook Page comment): what the
# moderation queue needs to find it and act on it; the netiquette rule is in the message's parse data
# (NETIQUETTE_KEY). {"platform": "facebook", "comment_id", "post_id", "parent_id", "author_id", "permalink"}.
PUBLIC_COMMENT_KEY = "public_comment"
# The keys of that record: platform identifiers, stored as given (the redactor would read a long id as a number).
PUBLIC_COMMENT_ID_KEYS = frozenset({"comment_id", "post_id", "parent_id", "author_id", "permalink"})
# Kind of a `flags` record (FlagRecord) a channel adds when the platform refused its reply after every retry:
# {"kind": REPLY_NOT_DELIVERED, "reason": the platform's error, "at": ISO 8601}. The review app shows it by name.
REPLY_NOT_DELIVERED = "reply_not_delivered"

# The assistant's staff endpoint (pointe_claire.channels.staff), which the review app calls with
# ASSISTANT_STAFF_TOKEN: a reply to send, a take-over to start or end.
STAFF_REPLY_PATH = "/webhooks/staff/reply"
STAFF_TAKEOVER_PATH = "/webhooks/staff/takeover"
STAFF_HAND_BACK_PATH = "/webhooks/staff/handback"
MAX_STAFF_REPLY_CHARACTERS = 2000  # one Messenger message; X DMs take 10,000


class FlagRecord(TypedDict, total=False):
    """One entry of the `flags` slot: something staff should see (an open handoff, a netiquette rule broken)."""

    kind: str  # "handoff", "netiquette", or a new kind: the review app shows any kind by its name
    status: str  # handoff: "open"; staff close it in the review app
    reason: str  # handoff: why it was opened
    rule: str  # netiquette: which rule
    language: str | None
    at: str | None  # ISO 8601
