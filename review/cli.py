"""Command line of the review app: `python -m review serve`, `python -m review users add|list|remove|password`, and
the privacy commands `purge` (`make purge`, run daily by cron or a systemd timer) and `forget` (`make forget`).

Accounts are made here, not on a sign-up page: the first admin is created by someone with access to the server.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pointe_claire import clock
from pointe_claire import settings as environment
from review import auth, retention
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
    purge = commands.add_parser("purge", help="delete conversations and review data older than RETENTION_DAYS")
    purge.add_argument("--dry-run", action="store_true", help="count per table what would be deleted; delete nothing")
    purge.add_argument("--days", type=int, help="keep this many days instead of RETENTION_DAYS")
    forget = commands.add_parser("forget", help="delete one resident's conversations (a request under Law 25)")
    forget.add_argument("--reference", required=True, help="the request's reference (a ticket number, no name)")
    forget.add_argument("--conversation", action="append", default=[], help="a conversation id (repeatable)")
    forget.add_argument("--channel", choices=retention.CHANNELS, help="with --platform-id: the resident's channel")
    forget.add_argument("--platform-id", default="", help="the id the channel gives the resident")
    forget.add_argument("--dry-run", action="store_true", help="count per table what would be deleted; delete nothing")
    args = parser.parse_args(argv)

    settings = Settings.from_environment()
    if args.command in ("purge", "forget"):
        return _privacy(args, settings)
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


def _privacy(args: argparse.Namespace, settings: Settings) -> int:
    """`purge` and `forget`: counts per table on standard output, a refusal on standard error (status 2)."""
    tracker = retention.writable_tracker(settings.tracker_db_url)
    review = review_engine(settings.review_db_url)
    operator = f"cli:{getpass.getuser()}"
    try:
        if args.command == "purge":
            days = settings.retention_days if args.days is None else args.days
            if days < 1:
                raise retention.RequestRefused("bad_days")
            now = clock.now()
            outcome = retention.purge(
                tracker, review, retention.cutoff(now, days), now.timestamp(), args.dry_run, operator
            )
            print(f"{'would delete' if args.dry_run else 'deleted'}, older than {days} days:")
        else:
            if not args.conversation and not args.channel:
                raise retention.RequestRefused("give --conversation or --channel with --platform-id")
            ids = list(args.conversation)
            if args.channel:
                ids += retention.conversations_of(tracker, review, args.channel, args.platform_id)
            how = f"platform_id:{args.channel}" if args.channel else "conversation"
            outcome = retention.forget(tracker, review, ids, args.reference, operator, args.dry_run, how)
            spooled = retention.drop_spooled(environment.text("ASSISTANT_SPOOL_DIR"), ids, args.dry_run)
            print(f"{'would delete' if args.dry_run else 'deleted'}: {outcome.conversations} conversation(s)")
            outcome.add("spool files", spooled)
    except retention.RequestRefused as refused:
        print(f"error: {refused.key}", file=sys.stderr)
        return 2
    finally:
        tracker.dispose()
        review.dispose()
    print("\n".join(outcome.lines()))
    return 0
