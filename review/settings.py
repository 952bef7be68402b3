"""Where the review app finds its databases and its secret key: environment first, then local defaults.

Read once by `review.cli` (serve, users) and handed to `review.app.create_app`; tests build their own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from pointe_claire import settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRACKER_DB_URL = "sqlite:///tracker.db"  # the file `make run` writes
DEFAULT_REVIEW_DB_URL = settings.VARIABLES["REVIEW_DB_URL"].default
SECRET_KEY_FILE = PROJECT_ROOT / "review_secret.key"


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start; secure_cookies is for deployments behind HTTPS."""

    tracker_db_url: str = DEFAULT_TRACKER_DB_URL
    review_db_url: str = DEFAULT_REVIEW_DB_URL
    secret_key: str = ""
    secure_cookies: bool = False
    page_size: int = 50
    # Failed logins allowed per account (and 4x that per address) in the window before refusing.
    max_failed_logins: int = 5
    login_window_seconds: int = 900
    session_hours: int = 12
    # Reverse proxies in front of the app (HTTPS in production): their X-Forwarded-For names the staff member's
    # address, which the login rate limit counts by. 0 = nothing trusted.
    proxies_count: int = 0
    # Days conversations and the review data about them are kept (RETENTION_DAYS, review.retention).
    retention_days: int = int(settings.VARIABLES["RETENTION_DAYS"].default)
    # The assistant (its load balancer in production) whose staff endpoint sends replies and take-overs, and the
    # token it checks (ASSISTANT_STAFF_TOKEN, the same variable the assistant reads); no token: replying is off.
    assistant_url: str = settings.VARIABLES["REVIEW_ASSISTANT_URL"].default
    staff_token: str = ""

    @classmethod
    def from_environment(cls, secret_file: Path = SECRET_KEY_FILE) -> Settings:
        return cls(
            # The assistant's own variable (endpoints.yml) serves when the review app is not told otherwise, so
            # setting ASSISTANT_DATABASE_URL once points the assistant and its review pages at the same PostgreSQL.
            tracker_db_url=settings.database_url("REVIEW_TRACKER_DB_URL")
            or settings.database_url("ASSISTANT_DATABASE_URL")
            or DEFAULT_TRACKER_DB_URL,
            review_db_url=settings.database_url("REVIEW_DB_URL"),
            secret_key=settings.text("REVIEW_SECRET_KEY") or stored_secret_key(secret_file),
            secure_cookies=settings.flag("REVIEW_SECURE_COOKIES"),
            proxies_count=settings.integer("REVIEW_PROXIES_COUNT"),
            retention_days=retention_days(),
            assistant_url=settings.text("REVIEW_ASSISTANT_URL"),
            staff_token=settings.text("ASSISTANT_STAFF_TOKEN"),
        )


def retention_days() -> int:
    """RETENTION_DAYS, at least one day: 0 or less would make `make purge` delete everything, a typo's price."""
    days = settings.integer("RETENTION_DAYS")
    if days < 1:
        raise ValueError(f"RETENTION_DAYS must be at least 1, not {days}")
    return days


def stored_secret_key(path: Path) -> str:
    """The key in `path`, created (readable by the owner only) on first use so sessions survive restarts."""
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(key + "\n", encoding="utf-8")
    return key
