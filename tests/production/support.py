"""What the production tests share: where PostgreSQL and Redis are, a module's throwaway database, the API token."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import psycopg2
import pytest

POSTGRES_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
TOKEN = f"test-token-{os.getpid()}"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_services() -> None:
    if not _reachable(POSTGRES_ADMIN["host"], POSTGRES_ADMIN["port"]):  # type: ignore[arg-type]
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (the project's machines and CI run it)")
    if not _reachable(REDIS_HOST, REDIS_PORT):
        pytest.skip("Redis is not running on 127.0.0.1:6379 (the project's machines and CI run it)")


@dataclass
class Databases:
    """One module's PostgreSQL database and Redis key prefix, as the assistant sees them."""

    name: str
    key_prefix: str

    @property
    def url(self) -> str:
        return f"postgresql://{POSTGRES_ADMIN['user']}@{POSTGRES_ADMIN['host']}:{POSTGRES_ADMIN['port']}/{self.name}"

    @property
    def redis_url(self) -> str:
        return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"

    def connect(self) -> psycopg2.extensions.connection:
        return psycopg2.connect(**{**POSTGRES_ADMIN, "dbname": self.name})

    def rows(self, sql: str, *parameters: object) -> list[tuple]:
        with self.connect() as connection, connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            rows = cursor.fetchall()
        connection.close()
        return rows

    def events(self, sender_id: str) -> list[tuple[str, str]]:
        """(type_name, data) of a conversation's stored events, in storage order."""
        return [
            (str(t), str(d))
            for t, d in self.rows("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", sender_id)
        ]


def admin(sql: str) -> None:
    connection = psycopg2.connect(**POSTGRES_ADMIN)
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()
