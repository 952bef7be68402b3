"""Conversation ids carry their channel's name, and REST senders can never take another channel's."""

from __future__ import annotations

import pytest

from pointe_claire.channels.conversation_ids import (
    FACEBOOK,
    NAMESPACED_CHANNELS,
    WEBCHAT,
    X,
    conversation_id,
    namespace_of,
    raw_id,
)


def test_every_channel_names_its_conversations_and_finds_the_platforms_id_back() -> None:
    assert conversation_id(FACEBOOK, "7263549812345678") == "facebook:7263549812345678"
    assert conversation_id(X, "dm:42") == "x:dm:42"
    assert conversation_id(WEBCHAT, "0f3c2a9e8b7d4c6a") == "webchat:0f3c2a9e8b7d4c6a"
    assert raw_id(FACEBOOK, "facebook:7263549812345678") == "7263549812345678"
    assert raw_id(FACEBOOK, "7263549812345678") == "7263549812345678"  # already the platform's id
    assert raw_id(WEBCHAT, "facebook:1") == "facebook:1"  # another channel's id is left alone


def test_a_channel_not_listed_gets_no_conversation_id() -> None:
    with pytest.raises(ValueError, match="NAMESPACED_CHANNELS"):
        conversation_id("telegram", "1")


@pytest.mark.parametrize("channel", sorted(NAMESPACED_CHANNELS))
def test_any_id_a_channel_makes_is_in_its_namespace(channel: str) -> None:
    assert namespace_of(conversation_id(channel, "1")) == channel
    assert namespace_of(f" {channel.upper()} :1") == channel


@pytest.mark.parametrize("sender", ["resident-12ab", "7263549812345678", "mailto:someone", "http://x", ""])
def test_rest_senders_outside_every_namespace_are_nobody_elses(sender: str) -> None:
    assert namespace_of(sender) is None
