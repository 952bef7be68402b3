"""Every environment variable the assistant, the action server, the review app and the scripts read: its name,
default, parsing and whether it is a secret, in one place (`python -m pointe_claire.settings` lists them).

credentials.yml and endpoints.yml may name another variable for a value (`*_env`): `text()` reads any name, and
a name not listed here is treated as a secret.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

POSTGRES_SCHEME, POSTGRESQL_SCHEME = "postgres://", "postgresql://"
ACTIONS_PORT = "ACTIONS_PORT"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str
    default: str = ""
    secret: bool = False


def _variables(*variables: Variable) -> dict[str, Variable]:
    return {variable.name: variable for variable in variables}


VARIABLES = _variables(
    # the assistant and the action server
    Variable(
        "ASSISTANT_DATABASE_URL", "tracker store URL (postgres:// accepted); unset: tracker.db (SQLite)", secret=True
    ),
    Variable(
        "ASSISTANT_REDIS_URL", "lock store and duplicate memory (redis://host:6379/0); unset: memory", secret=True
    ),
    Variable("ASSISTANT_REDIS_KEY_PREFIX", "prefix of every Redis key", "pointeclaire"),
    Variable("ASSISTANT_FROZEN_TIME", "ISO 8601 time with offset that the actions see (tests, demonstrations)"),
    Variable("CITY_FACTS_FILE", "the facts file; unset: city_facts.yml beside domain.yml"),
    # Rasa reads this one itself: endpoints.yml's action_endpoint is http://localhost:${ACTIONS_PORT}/webhook, which
    # Rasa leaves as written when it is unset, so the Makefile and scripts/servers.py always export it (this default).
    Variable("ACTIONS_PORT", "port of the action server, which endpoints.yml's action_endpoint names", "5055"),
    # Events the tracker store (or the lock store) could not take, kept on this instance's own disk until replayed
    # (pointe_claire/spool.py). Relative: to the working directory, like tracker.db; one directory per instance.
    Variable("ASSISTANT_SPOOL_DIR", "durable local spool of events a store could not take (one per instance)", "spool"),
    # A ticket of a conversation whose message was on an instance that died blocks it this long (Rasa's default:
    # 60 s). It must outlast the slowest message: 11 s at p95 with one instance at concurrency 32.
    Variable("TICKET_LOCK_LIFETIME", "seconds a dead instance's conversation ticket blocks (cluster)", "30"),
    Variable("RASA_API_TOKEN", "token of Rasa's HTTP API in the cluster", secret=True),
    # The sentence encoder's threads (OpenMP). On a busy machine two threads wait on each other's core: with one core
    # taken, a message took 4.3 times as long as with one thread (bench/results/encoder_threads.md); `make test` sets 1.
    Variable("ENCODER_THREADS", "threads of the sentence encoder per process; 0: one per core", "0"),
    Variable(
        "ENCODER_CACHE_FILE",
        "training examples' sentence vectors kept between trainings (never a resident's message); off: none",
        "~/.cache/pointe-claire/training-vectors.sqlite3",
    ),
    # channels (credentials.yml names these; keys live only in the production environment)
    Variable("X_CONSUMER_KEY", "X app key", secret=True),
    Variable("X_CONSUMER_SECRET", "X app secret: signs CRC answers, checks deliveries", secret=True),
    Variable("X_ACCESS_TOKEN", "the City account's X token", secret=True),
    Variable("X_ACCESS_TOKEN_SECRET", "the City account's X token secret", secret=True),
    Variable("X_ACCOUNT_ID", "the City's numeric X user id"),
    Variable("X_IGNORED_ACCOUNT_IDS", "other bots' X ids, comma-separated: never answered"),
    Variable("X_API_BASE_URL", "X's API", "https://api.x.com"),
    Variable("FACEBOOK_VERIFY_TOKEN", "string typed in the Meta app's webhook settings", secret=True),
    Variable("FACEBOOK_APP_SECRET", "checks X-Hub-Signature", secret=True),
    Variable("FACEBOOK_PAGE_ACCESS_TOKEN", "the Page's token", secret=True),
    Variable("FACEBOOK_GRAPH_API_URL", "the Graph API", "https://graph.facebook.com"),
    # staff replies and take-overs (the review app calls the assistant's staff endpoint with this token)
    Variable(
        "ASSISTANT_STAFF_TOKEN", "shared by the assistant and the review app: staff replies, take-overs", secret=True
    ),
    Variable("STAFF_TAKEOVER_MINUTES", "minutes a staff take-over silences the assistant without a new reply", "60"),
    Variable(
        "WEBCHAT_ALLOWED_ORIGINS", "web origins besides the assistant's own that may open the web chat, comma-separated"
    ),
    # the review app
    Variable("REVIEW_TRACKER_DB_URL", "tracker store the review app reads; unset: ASSISTANT_DATABASE_URL", secret=True),
    Variable("REVIEW_DB_URL", "the review app's own database", "sqlite:///review.db", secret=True),
    Variable("REVIEW_SECRET_KEY", "signs staff sessions; unset: review_secret.key (made on first use)", secret=True),
    Variable("REVIEW_SECURE_COOKIES", "cookies only over HTTPS (1/true/yes)"),
    Variable("REVIEW_PROXIES_COUNT", "reverse proxies whose X-Forwarded-For is trusted", "0"),
    # Québec's Law 25: personal information kept no longer than needed (docs/privacy.md). `make purge` deletes the
    # conversations and review data older than this from the tracker store and the review tables.
    Variable("RETENTION_DAYS", "days conversations and review data are kept (make purge deletes what is older)", "365"),
    Variable(
        "REVIEW_ASSISTANT_URL",
        "the assistant (or its load balancer) the review app sends staff replies to",
        "http://127.0.0.1:5005",
    ),
    # trainers' checks and benchmarks
    Variable("MIN_EXAMPLES_PER_LANGUAGE", "examples each intent needs in each language (make validate)", "25"),
    Variable(
        "REAL_SET_DIR",
        "the real-message evaluation set, kept outside the repository (scripts/real_set.py builds it)",
        "/work/realdata",
    ),
    Variable(
        "BENCH_POSTGRES_ADMIN_URL",
        "PostgreSQL the cluster benchmark makes its database on",
        "postgresql://postgres@127.0.0.1:5432/test",
    ),
    Variable("BENCH_REDIS_URL", "Redis the cluster benchmark uses", "redis://127.0.0.1:6379/0"),
)


def given(name: str) -> str:
    """The value set in the environment, stripped; "" when unset (for a caller with a default of its own)."""
    return os.environ.get(name, "").strip()


def text(name: str) -> str:
    """The variable's value, stripped; its default when unset or blank."""
    known = VARIABLES.get(name)
    return given(name) or (known.default if known else "")


def flag(name: str) -> bool:
    return text(name).lower() in TRUE_WORDS


def integer(name: str) -> int:
    """A whole number; a value that is not one is an error that names the variable."""
    value = text(name) or "0"
    try:
        return int(value)
    except ValueError as error:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from error


def database_url(name: str) -> str:
    """A database URL, `postgres://` (Heroku's, Render's spelling) written as SQLAlchemy's `postgresql://`."""
    value = text(name)
    if value.startswith(POSTGRES_SCHEME):
        return POSTGRESQL_SCHEME + value[len(POSTGRES_SCHEME) :]
    return value


def is_secret(name: str) -> bool:
    known = VARIABLES.get(name)
    return known.secret if known else True


def describe() -> str:
    """One line a variable: name, set or not (never a secret's value), default, meaning."""
    lines = []
    for variable in VARIABLES.values():
        value = given(variable.name)
        shown = ("set" if variable.secret else repr(value)) if value else "unset"
        default = f" [default {variable.default}]" if variable.default else ""
        lines.append(f"{variable.name:28} {shown:12} {variable.meaning}{default}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(describe() + "\n")
