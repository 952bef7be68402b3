"""Staff accounts and redirects, without a server: what a leaked password or a crafted link can and cannot do."""

from __future__ import annotations

from pathlib import Path

import pytest

from review import auth
from review.store import review_engine
from review.web import safe_next

pytestmark = pytest.mark.dates  # also run under other clocks by `make test-dates`

PASSWORD = "correct horse battery"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example", "//evil.example", "/\t/evil.example", "/\n/evil.example", "/\\evil.example", "", None],
)
def test_a_login_or_back_link_never_leaves_the_app(target: str | None) -> None:
    assert safe_next(target) == "/"


def test_a_path_of_the_app_with_its_filters_is_kept() -> None:
    assert safe_next("/?language=fr&flag=emergency") == "/?language=fr&flag=emergency"


def test_a_new_password_ends_the_accounts_open_sessions(tmp_path: Path) -> None:
    engine = review_engine(f"sqlite:///{tmp_path / 'review.db'}")
    alice = auth.add_user(engine, "alice", PASSWORD)
    bob = auth.add_user(engine, "bob", PASSWORD)
    leaked = auth.open_session(engine, alice, hours=12)
    other = auth.open_session(engine, bob, hours=12)
    assert auth.find_session(engine, leaked.id) is not None

    assert auth.set_password(engine, "alice", "a brand new passphrase")
    assert auth.find_session(engine, leaked.id) is None
    assert auth.find_session(engine, other.id) is not None  # only her sessions end
    assert auth.authenticate(engine, "alice", "a brand new passphrase") == alice
    assert auth.authenticate(engine, "alice", PASSWORD) is None
    assert not auth.set_password(engine, "nobody", "a brand new passphrase")
