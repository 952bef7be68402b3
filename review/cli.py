"""Command line of the review app: `python -m review serve` and `python -m review users add|list|remove|password`.

Accounts are made here, not on a sign-up page: the first admin is created by someone with access to the server.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from review import auth
from review.settings import Settings
from review.store import review_engine

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5006


def _read_password(from_stdin: bool) -> str:
    if from_stdin:  # for scripts and tests: the first line of standard input
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password / mot de passe: ")
    if getpass.getpass("Again / encore: ") != first:
        raise ValueError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m review", description="Staff transcript review app")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web app")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    users = commands.add_parser("users", help="manage staff accounts")
    user_commands = users.add_subparsers(dest="action", required=True)
    add = user_commands.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", choices=auth.ROLES, default="reviewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    password = user_commands.add_parser("password", help="set a new password (asks for it)")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true")
    remove = user_commands.add_parser("remove", help="delete an account and its sessions")
    remove.add_argument("name")
    user_commands.add_parser("list", help="list the accounts")
    args = parser.parse_args(argv)

    settings = Settings.from_environment()
    if args.command == "serve":
        from review.app import create_app  # Sanic and the templates only for the server

        app = create_app(settings)
        app.run(host=args.host, port=args.port, access_log=False, motd=False)
        return 0
    engine = review_engine(settings.review_db_url)
    try:
        if args.action == "add":
            user = auth.add_user(engine, args.name, _read_password(args.password_stdin), args.role)
            print(f"user {user.name} created ({user.role})")
        elif args.action == "password":
            if not auth.set_password(engine, args.name, _read_password(args.password_stdin)):
                raise ValueError(f"no user {args.name!r}")
            print(f"password of {args.name} changed")
        elif args.action == "remove":
            if not auth.remove_user(engine, args.name):
                raise ValueError(f"no user {args.name!r}")
            print(f"user {args.name} removed")
        else:
            for user in auth.list_users(engine):
                print(f"{user.name}\t{user.role}")
    except ValueError as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    return 0
