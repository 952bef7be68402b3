"""What every page shares and needs no session: the interface language switch and the stylesheet.

Registered by `review.app.create_app`.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, file, redirect

from review.i18n import COOKIE, LANGUAGES
from review.web import HERE, STATIC_FILES, safe_next, set_cookie


async def switch_language(request: Request, code: str) -> HTTPResponse:
    response = redirect(safe_next(request.args.get("next")), status=303)
    if code in LANGUAGES:
        set_cookie(request, response, COOKIE, code, 365 * 24 * 3600)
    return response


async def static_file(request: Request) -> HTTPResponse:
    """The stylesheet and the script: public (the login page uses them), nothing secret in them."""
    return await file(HERE / "static" / STATIC_FILES[request.path], headers={"Cache-Control": "max-age=3600"})


def blueprint() -> Blueprint:
    routes = Blueprint("interface")
    routes.add_route(switch_language, "/lang/<code:str>", methods=["GET"])
    for path in STATIC_FILES:
        routes.add_route(static_file, path, methods=["GET"], name=path.rsplit("/", 1)[-1].replace(".", "_"))
    return routes
