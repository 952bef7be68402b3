"""Staff accounts and sessions: scrypt password hashes, signed session cookies, CSRF tokens, login rate limit.

Used by the review app (`review.web` on every request, `review.routes.login`, `review.routes.users`) and
`review.cli` (accounts are created from the command line).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from review import store

ROLES = ("reviewer", "admin")
# scrypt cost: n=2**15, r=8 takes ~50-100 ms and 32 MiB per check, which is what makes guessing slow.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def hash_password(password: str) -> str:
    """'scrypt$n$r$p$salt$hash' (base64): the parameters travel with the hash so they can be raised later."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=SCRYPT_MAXMEM
    )
    return "$".join(
        ["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)],
    )


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=SCRYPT_MAXMEM,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def valid_name(name: str) -> bool:
    return 0 < len(name) <= MAX_NAME_LENGTH and all(c.isalnum() or c in "._-@" for c in name)


class AccountRefused(ValueError):
    """Why an account change was refused: `key` names the reason for the pages (review.i18n `refused_<key>`)."""

    MESSAGES = {
        "name": "name: letters, digits, . _ - @ only, at most 80 characters",
        "role": f"role must be one of {ROLES}",
        "password": f"password: at least {MIN_PASSWORD_LENGTH} characters",
        "taken": "this user name already exists",
    }

    def __init__(self, key: str) -> None:
        super().__init__(self.MESSAGES[key])
        self.key = key


def add_user(engine: Engine, name: str, password: str, role: str = "reviewer") -> User:
    """A new account; raises AccountRefused on a bad name, role, short password or a name already taken."""
    if not valid_name(name):
        raise AccountRefused("name")
    if role not in ROLES:
        raise AccountRefused("role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountRefused("password")
    with engine.begin() as connection:
        if connection.execute(sa.select(store.users.c.id).where(store.users.c.name == name)).first():
            raise AccountRefused("taken")
        result = connection.execute(
            store.users.insert().values(
                name=name, role=role, password_hash=hash_password(password), created_at=time.time()
            )
        )
        return User(int(result.inserted_primary_key[0]), name, role)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as connection:
        rows = connection.execute(sa.select(store.users).order_by(store.users.c.name)).all()
    return [User(row.id, row.name, row.role) for row in rows]


def remove_user(engine: Engine, name: str) -> bool:
    with engine.begin() as connection:
        user_id = connection.execute(sa.select(store.users.c.id).where(store.users.c.name == name)).scalar()
        if user_id is None:
            return False
        connection.execute(store.sessions.delete().where(store.sessions.c.user_id == user_id))
        connection.execute(store.users.delete().where(store.users.c.id == user_id))
        return True


def set_password(engine: Engine, name: str, password: str) -> bool:
    """A new password; the account's open sessions end with the old one (a suspected leak must lock it out)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountRefused("password")
    with engine.begin() as connection:
        user_id = connection.execute(sa.select(store.users.c.id).where(store.users.c.name == name)).scalar()
        if user_id is None:
            return False
        connection.execute(
            store.users.update().where(store.users.c.id == user_id).values(password_hash=hash_password(password))
        )
        connection.execute(store.sessions.delete().where(store.sessions.c.user_id == user_id))
        return True


# --- login rate limit -----------------------------------------------------------------------------------------


def login_refused(engine: Engine, name: str, address: str, max_failed: int, window: int) -> bool:
    """Too many failed logins lately for this account, or from this address (4x the account's limit)."""
    since = time.time() - window
    attempts = store.login_attempts
    failed = sa.select(sa.func.count()).where(attempts.c.at > since, attempts.c.succeeded.is_(False))
    with engine.connect() as connection:
        by_name = connection.execute(failed.where(attempts.c.username == name[:MAX_NAME_LENGTH])).scalar_one()
        by_address = connection.execute(failed.where(attempts.c.address == address)).scalar_one()
    return by_name >= max_failed or by_address >= 4 * max_failed


def record_login(engine: Engine, name: str, address: str, succeeded: bool) -> None:
    with engine.begin() as connection:
        connection.execute(
            store.login_attempts.insert().values(
                username=name[:MAX_NAME_LENGTH], address=address[:64], at=time.time(), succeeded=succeeded
            )
        )


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(sa.select(store.users).where(store.users.c.name == name[:MAX_NAME_LENGTH])).first()
    if row is None:
        verify_password(password, _DUMMY_HASH)  # same time as a wrong password: names cannot be probed
        return None
    return User(row.id, row.name, row.role) if verify_password(password, row.password_hash) else None


_DUMMY_HASH = hash_password(secrets.token_hex(8))


# --- sessions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    id: str
    user: User
    csrf_token: str


def sign(value: str, secret_key: str) -> str:
    """`value.signature`: a cookie the browser cannot forge or alter without the secret key."""
    signature = hmac.new(secret_key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{value}.{signature}"


def unsign(signed: str | None, secret_key: str) -> str | None:
    if not signed or "." not in signed:
        return None
    value = signed.rsplit(".", 1)[0]
    return value if hmac.compare_digest(sign(value, secret_key), signed) else None


def open_session(engine: Engine, user: User, hours: int) -> Session:
    session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32))
    with engine.begin() as connection:
        connection.execute(store.sessions.delete().where(store.sessions.c.expires_at < time.time()))
        connection.execute(
            store.sessions.insert().values(
                id=session.id, user_id=user.id, csrf_token=session.csrf_token, expires_at=time.time() + hours * 3600
            )
        )
    return session


def find_session(engine: Engine, session_id: str | None) -> Session | None:
    if not session_id:
        return None
    query = (
        sa.select(store.sessions.c.id, store.sessions.c.csrf_token, store.users.c.id.label("user_id"))
        .add_columns(store.users.c.name, store.users.c.role)
        .join(store.users, store.users.c.id == store.sessions.c.user_id)
        .where(store.sessions.c.id == session_id, store.sessions.c.expires_at > time.time())
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    return Session(row.id, User(row.user_id, row.name, row.role), row.csrf_token)


def close_session(engine: Engine, session_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(store.sessions.delete().where(store.sessions.c.id == session_id))


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode("utf-8"), str(given).encode("utf-8"))
