"""What every webhook does before trusting a request: compare its signature header, decode its JSON body.

Used by the REST, X and Messenger channels. A malformed header or body is a refusal (403, 400), never an exception
Sanic turns into a 500: the attacker/integrator test found a non-ASCII signature and a deeply nested body did that.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

# The deepest payload X or Meta deliver is about 8 levels (entry > messaging > message > attachments > payload…);
# Rasa copies and stores metadata recursively, and Python's recursion limit is 1,000.
MAX_JSON_DEPTH = 32


class MalformedBody(ValueError):
    """The body is not UTF-8 JSON, or is nested deeper than MAX_JSON_DEPTH."""


def signature_matches(given: str, expected: str) -> bool:
    """`given` (a header or token from the request) equals `expected`, compared in constant time. Sanic hands header
    bytes that are not UTF-8 on as surrogates, which a plain `.encode()` refuses (that was the 500)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def signature_refusal() -> HTTPResponse:
    """The answer to a delivery whose signature is missing or wrong, in both languages."""
    return response.json({"status": 403, "error": "Invalid signature.", "error_fr": "Signature invalide."}, status=403)


def json_body(body: bytes) -> Any:
    """The decoded body; MalformedBody for an empty, binary, non-JSON or too deeply nested one."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # RecursionError: ~1,000 levels
        raise MalformedBody(type(error).__name__) from None
    if nesting_depth(value) > MAX_JSON_DEPTH:
        raise MalformedBody(f"nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def nesting_depth(value: Any) -> int:
    """How many lists and objects deep `value` goes (0 for a string or number); iterative, so it cannot recurse."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break  # deep enough to refuse: the rest need not be walked
        pending.extend((child, depth + 1) for child in children)
    return deepest
