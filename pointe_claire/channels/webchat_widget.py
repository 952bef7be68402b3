"""The web chat on the City's own pages: the launcher script (launcher.js), its colours (webchat/widget.yml) and
which sites may show the chat in a frame. Used by the web chat channel (pointe_claire/channels/webchat.py).

One list of origins (credentials.yml's `allowed_origins` and WEBCHAT_ALLOWED_ORIGINS) says where the chat may
appear: the chat page's `frame-ancestors` (the browser refuses the frame anywhere else), the launcher (it shows no
button on another site) and the socket.io handshake.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

DEFAULT_COLOURS = {"brand": "#00467f", "alert": "#a4000f", "focus": "#ffbf47"}
# White text sits on these: WCAG 2.1 AA asks 4.5:1 for normal text.
WHITE_TEXT_ON = ("brand", "alert")
MIN_CONTRAST = 4.5
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# The page words the launcher shows (page_text.yml), in both languages.
LAUNCHER_WORDS = (
    "launcher_open",
    "launcher_close",
    "title",
    "emergency_label",
    "emergency_danger",
    "emergency_municipal",
)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two #rrggbb colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def load_colours(path: Path) -> dict[str, str]:
    """The colours of widget.yml; each missing, malformed or unreadable one (white text under 4.5:1) is logged and
    replaced by its default, so that a typo never makes the emergency banner unreadable."""
    try:
        given = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("colours") or {}
        if not isinstance(given, Mapping):
            raise ValueError("`colours` is not a mapping")
    except (OSError, ValueError, AttributeError, yaml.YAMLError) as error:
        logger.error("%s is broken (%s): the web chat keeps its default colours.", path, error)
        return dict(DEFAULT_COLOURS)
    colours = dict(DEFAULT_COLOURS)
    for name in DEFAULT_COLOURS:
        value = str(given.get(name, DEFAULT_COLOURS[name]))
        if not _HEX_COLOUR.fullmatch(value):
            logger.error("%s: colour %s '%s' is not #rrggbb: the default %s is kept.", path, name, value, colours[name])
        elif name in WHITE_TEXT_ON and contrast(value, "#ffffff") < MIN_CONTRAST:
            logger.error(
                "%s: white text on %s '%s' has a contrast of %.1f:1, under %.1f:1: the default %s is kept.",
                *(path, name, value, contrast(value, "#ffffff"), MIN_CONTRAST, colours[name]),
            )
        else:
            colours[name] = value.lower()
    return colours


def theme_css(colours: Mapping[str, str]) -> str:
    """The colours as the custom properties chat.css and launcher.css use (a file: the page allows no inline style)."""
    properties = "".join(f"  --{name}: {value};\n" for name, value in colours.items())
    return f":root,\n:host {{\n{properties}}}\n"


def frame_ancestors(origins: list[str]) -> str:
    """The CSP directive that lets the chat page be framed by itself and the allowed sites only."""
    return " ".join(["frame-ancestors", "'self'", *origins])


def launcher_script(source: str, config: Mapping[str, Any]) -> str:
    """launcher.js as served: its source (a function expression) called with this deployment's settings: JSON in
    ASCII (the City's page may declare another encoding), with <, > and & escaped, so that no value can close a
    script element or open a comment."""
    data = json.dumps(config, ensure_ascii=True, sort_keys=True)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f"{source.rstrip().rstrip(';')}({data});\n"


def launcher_config(
    origins: list[str],
    texts: Mapping[str, Mapping[str, str]],
    numbers: Mapping[str, tuple[str, str]],
    colours: Mapping[str, str],
) -> dict[str, Any]:
    """What launcher.js needs: where it may show, its words in both languages, the emergency numbers (as written,
    and their `tel:` link) and the colours."""
    return {
        "origins": origins,
        "texts": {language: {key: texts[language][key] for key in LAUNCHER_WORDS} for language in texts},
        "numbers": {kind: {"text": text, "href": href} for kind, (text, href) in numbers.items()},
        "colours": dict(colours),
    }
