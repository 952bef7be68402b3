"""What the production tests share: where PostgreSQL and Redis are, a module's throwaway database, the API token."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

import psycopg2
import pytest

from scripts.servers import free_port

POSTGRES_ADMIN = dict(host="127.0.0.1", port=5432, user="postgres", dbname="test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
TOKEN = f"test-token-{os.getpid()}"
STAFF_TOKEN = f"test-staff-token-{os.getpid()}"  # the staff endpoint's (ASSISTANT_STAFF_TOKEN)


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


class TcpProxy:
    """A TCP forwarder in front of PostgreSQL or Redis that a test can cut and restore, so a server "goes down"
    for one assistant without stopping the machine's real one (other engineers use it)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self.open()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        self._connections |= {client_writer, server_writer}
        await asyncio.gather(self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer))
        self._connections -= {client_writer, server_writer}

    def open(self) -> None:
        """Accepts connections again (the server is back)."""

        async def start() -> asyncio.AbstractServer:
            return await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

        self._server = self._run(start())

    def cut(self) -> None:
        """Refuses new connections and breaks the open ones, as a server that died."""

        async def stop() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
                self._server = None
            for writer in list(self._connections):
                writer.transport.abort()
            self._connections.clear()

        self._run(stop())

    def shutdown(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
