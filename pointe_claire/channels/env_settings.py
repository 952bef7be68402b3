"""Reads a channel's secrets from environment variables whose NAMES credentials.yml gives, so that no secret is in
the repository and an unset variable never stops the server (Rasa's `${VAR}` would raise at startup).

Used by the X and Facebook connectors: unconfigured, they answer 503 in both languages and log it once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from pointe_claire import settings
from pointe_claire.channels.reply_guard import GuardedTurns

logger = logging.getLogger(__name__)


def from_environment(credentials: Mapping[str, Any] | None, key: str, default_name: str) -> str:
    """The value of the variable named by `<key>_env` in credentials.yml (or `default_name`), stripped; "" if unset."""
    name = str((credentials or {}).get(f"{key}_env") or default_name)
    return settings.given(name)


def keys_from_environment(
    credentials: Mapping[str, Any] | None, variables: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """A connector's keys (`key` -> default variable name) and the names of the variables left unset."""
    values = {key: from_environment(credentials, key, name) for key, name in variables.items()}
    missing = [
        str((credentials or {}).get(f"{key}_env") or variables[key]) for key, value in values.items() if not value
    ]
    return values, missing


def platform_webhook(
    name: str, unconfigured: Unconfigured, on_new_message: Callable[[UserMessage], Awaitable[Any]]
) -> tuple[Blueprint, GuardedTurns]:
    """What every platform connector's blueprint starts from: its turns under the reply guard, and a health route
    that says whether the keys are set."""
    webhook = Blueprint(name, __name__)
    turns = GuardedTurns(on_new_message)
    turns.attach(webhook)

    @webhook.route("/", methods=["GET"])
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok" if not unconfigured else "not configured"})

    return webhook, turns


class Unconfigured:
    """Remembers which variables a channel lacks; answers 503 and logs the first time only."""

    def __init__(self, channel: str, missing: list[str]) -> None:
        self.channel = channel
        self.missing = missing
        self._logged = False

    def __bool__(self) -> bool:
        return bool(self.missing)

    def refusal(self) -> HTTPResponse:
        if not self._logged:
            logger.warning(
                "The %s channel received a request but is not configured: set %s (docs/channels.md, "
                "'Connecting the City's accounts'). It answers 503 until then.",
                self.channel,
                ", ".join(self.missing),
            )
            self._logged = True
        return response.json(
            {
                "status": 503,
                "error": f"The {self.channel} channel is not configured on this server.",
                "error_fr": f"Le canal {self.channel} n'est pas configuré sur ce serveur.",
            },
            status=503,
        )
