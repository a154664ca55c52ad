"""``groupcast serve`` and ``groupcast usersig``."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from protocol import usersig

from .config import load_config, resolve_console_password, resolve_secret

__all__ = ["main"]


def _serve(args: argparse.Namespace) -> int:
    from .gateway.uvicorn_ws import UnsupportedVersion, check_versions

    try:
        check_versions()
    except UnsupportedVersion as refused:
        print(f"groupcast: {refused}", file=sys.stderr)
        return 2
    from .app import GatewayServer, GroupcastApp, uvicorn_config

    config = load_config(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        redis_url=args.redis_url,
        log_level=args.log_level,
        demo=args.demo,
    )
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if config.redis_url and not config.secret_key:
        print(
            "groupcast: warning: no GROUPCAST_SECRET_KEY with Redis; every node needs the same key",
            file=sys.stderr,
        )
    resolve_secret(config, announce=True)
    resolve_console_password(config, announce=True)  # tells where a generated one is kept
    if config.demo:
        print(
            f"groupcast: DEMO MODE: http://{config.host}:{config.port}/demo signs in any user without a password."
            " Never enable it in production.",
            file=sys.stderr,
        )
    app = GroupcastApp(config)
    # uvicorn handles SIGINT and SIGTERM itself (sessions get 1001, the store is flushed),
    # then re-raises the signal under the handler it found, so that the process would die
    # of it (status -15, or a KeyboardInterrupt traceback). A graceful stop is a success:
    # leave a handler that ignores that replay, and exit 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stopped)
    GatewayServer(uvicorn_config(app, config)).run()
    return 0


def _stopped(signum: int, frame: object) -> None:
    """The signal uvicorn replays after its graceful shutdown: nothing left to do."""


def _usersig(args: argparse.Namespace) -> int:
    config = load_config(data_dir=args.data_dir)
    print(usersig.sign(resolve_secret(config, announce=True), config.sdkappid, args.user, args.expire))
    return 0


def _seconds(text: str) -> int:
    """A positive number of seconds (argparse ``type``)."""
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="groupcast", description="Real-time group messaging server.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run a gateway node")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default 8080)")
    serve.add_argument("--data-dir", help="embedded store and generated secrets (default ./groupcast-data)")
    serve.add_argument("--redis-url", help="redis://host:port/db: state and fan-out in Redis")
    serve.add_argument("--log-level", help="critical, error, warning, info, debug")
    serve.add_argument(
        "--demo",
        action="store_true",
        default=None,
        help="demo mode: /demo gets a UserSig for any user (never in production)",
    )
    serve.set_defaults(run=_serve)

    sig = sub.add_parser("usersig", help="print a UserSig for a user")
    sig.add_argument("user")
    sig.add_argument(
        "--expire", type=_seconds, default=usersig.DEFAULT_EXPIRE, help="validity in seconds (default 180 days)"
    )
    sig.add_argument("--data-dir", help="where the generated secret is kept (default ./groupcast-data)")
    sig.set_defaults(run=_usersig)

    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
