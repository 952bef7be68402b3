"""Staff accounts, for admins only: the list, adding an account, removing one (never one's own).

Registered by `review.app.create_app`. The first admin is made with `python -m review users add`.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from review import auth
from review.web import form_value, message_page, render, site_of

USER_NOTICES = frozenset({"user_added", "user_removed"})


def _users_view(request: Request, status: int = 200, notice: str = "", error_key: str = "") -> HTTPResponse:
    return render(
        request,
        "users.html",
        status=status,
        users=auth.list_users(site_of(request).review),
        roles=auth.ROLES,
        notice=notice if notice in USER_NOTICES else "",
        error_key=error_key,
    )


async def users_page(request: Request) -> HTTPResponse:
    if not request.ctx.session.user.is_admin:
        return message_page(request, "forbidden", 403)
    return _users_view(request, notice=str(request.args.get("done") or ""))


async def add_user(request: Request) -> HTTPResponse:
    if not request.ctx.session.user.is_admin:
        return message_page(request, "forbidden", 403)
    try:
        auth.add_user(
            site_of(request).review,
            form_value(request, "name"),
            form_value(request, "password"),
            form_value(request, "role"),
        )
    except auth.AccountRefused as refused:
        return _users_view(request, 400, error_key=f"refused_{refused.key}")
    return redirect("/users?done=user_added", status=303)


async def remove_user(request: Request) -> HTTPResponse:
    user = request.ctx.session.user
    if not user.is_admin:
        return message_page(request, "forbidden", 403)
    name = form_value(request, "name")
    if name == user.name:
        return _users_view(request, 400, error_key="cannot_remove_self")
    auth.remove_user(site_of(request).review, name)
    return redirect("/users?done=user_removed", status=303)


def blueprint() -> Blueprint:
    routes = Blueprint("users")
    routes.add_route(users_page, "/users", methods=["GET"])
    routes.add_route(add_user, "/users", methods=["POST"])
    routes.add_route(remove_user, "/users/remove", methods=["POST"])
    return routes
