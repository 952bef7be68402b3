"""A plain web page on another origin than the assistant's, standing for a page of the City's site that pastes the
launcher snippet. The tests start the assistant with this site's origin allowed (WEBCHAT_ALLOWED_ORIGINS).

One server, two origins: http://127.0.0.1:<port> is the allowed one, http://localhost:<port> (another host name,
so another origin) is not.
"""

from __future__ import annotations

import html
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ville de Pointe-Claire (test page)</title></head>
<body>
<header><p>Ville de Pointe-Claire</p></header>
<main><h1>Collectes et recyclage</h1><p>Une page ordinaire du site de la Ville.</p></main>
<script src="{launcher}" data-lang="{lang}" defer></script>
</body>
</html>
"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        launcher = query.get("launcher", [""])[0]
        lang = query.get("lang", ["fr"])[0]
        body = PAGE.format(launcher=html.escape(launcher), lang=html.escape(lang)).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        pass  # quiet test output


@dataclass(frozen=True)
class CitySite:
    port: int

    @property
    def allowed_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def refused_origin(self) -> str:
        return f"http://localhost:{self.port}"

    def page(self, origin: str, launcher_url: str, lang: str = "fr") -> str:
        """The page at `origin`, loading the launcher from `launcher_url` with `data-lang`."""
        return f"{origin}/?{urllib.parse.urlencode({'launcher': launcher_url, 'lang': lang})}"


@contextmanager
def running_city_site() -> Iterator[CitySite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield CitySite(int(server.server_address[1]))
    finally:
        server.shutdown()
        server.server_close()
