"""Configuration: one struct, filled from defaults < environment < command-line flags.

``SETTINGS`` is the single table of what can be configured: the README's configuration
table is generated from it (``python -m server.config``) and a test keeps them equal.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["SETTINGS", "Config", "Setting", "load_config", "resolve_console_password", "resolve_secret"]


class Config(msgspec.Struct, kw_only=True):
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: str = "groupcast-data"
    redis_url: str = ""
    redis_prefix: str = "gc:"
    sdkappid: int = 1400000000
    secret_key: str = ""
    admin_identifier: str = "administrator"
    console_password: str = ""
    max_devices_per_user: int = 8
    heartbeat_interval: int = 25
    idle_timeout: int = 75
    login_timeout: int = 10
    max_frame_bytes: int = 65536
    rate_limit: float = 50.0
    rate_burst: int = 100
    send_buffer_bytes: int = 4 * 1024 * 1024
    daily_group_limit: int = 10000
    max_groups_per_user: int = 1000
    max_message_bytes: int = 12000
    recall_window: int = 120
    group_custom_fields: str = ""
    member_custom_fields: str = ""
    demo: bool = False
    log_level: str = "info"

    @property
    def group_custom_keys(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.group_custom_fields.split(",") if k.strip())

    @property
    def member_custom_keys(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.member_custom_fields.split(",") if k.strip())


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


@dataclass(frozen=True)
class Setting:
    field: str
    env: str
    flag: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "GROUPCAST_HOST", "--host", "Interface to listen on."),
    Setting("port", "GROUPCAST_PORT", "--port", "TCP port for `/ws`, `/v4`, `/console`, `/healthz`, `/metrics`."),
    Setting("data_dir", "GROUPCAST_DATA_DIR", "--data-dir", "Where the embedded store and generated secrets live."),
    Setting(
        "redis_url",
        "GROUPCAST_REDIS_URL",
        "--redis-url",
        "Use Redis for state and fan-out (`redis://host:6379/0`); empty = embedded SQLite + in-process bus.",
    ),
    Setting(
        "redis_prefix",
        "GROUPCAST_REDIS_PREFIX",
        None,
        "Prefix of every Redis key and channel (several deployments can share one Redis).",
    ),
    Setting("sdkappid", "GROUPCAST_SDKAPPID", None, "The app ID (integer) that UserSigs must carry."),
    Setting(
        "secret_key",
        "GROUPCAST_SECRET_KEY",
        None,
        "Key that signs UserSigs. Empty: generated on first start into `<data-dir>/secret.key` (mode 0600). Give every node of a Redis deployment the same key.",
    ),
    Setting("admin_identifier", "GROUPCAST_ADMIN_IDENTIFIER", None, "The app admin account (REST API, console)."),
    Setting(
        "console_password",
        "GROUPCAST_CONSOLE_PASSWORD",
        None,
        "Password of the admin console at `/console` (signing in as the admin identifier). Empty: generated on first start into `<data-dir>/console.password` (mode 0600). Give every node behind one address the same password.",
    ),
    Setting(
        "max_devices_per_user",
        "GROUPCAST_MAX_DEVICES_PER_USER",
        None,
        "Devices one user may have online at once, across all nodes.",
    ),
    Setting(
        "heartbeat_interval",
        "GROUPCAST_HEARTBEAT_INTERVAL",
        None,
        "Seconds between client heartbeats (told to the client at login).",
    ),
    Setting(
        "idle_timeout",
        "GROUPCAST_IDLE_TIMEOUT",
        None,
        "Seconds without any client frame before the session is closed (4001).",
    ),
    Setting(
        "login_timeout",
        "GROUPCAST_LOGIN_TIMEOUT",
        None,
        "Seconds a new connection has to log in before it is closed (4000).",
    ),
    Setting(
        "max_frame_bytes",
        "GROUPCAST_MAX_FRAME_BYTES",
        None,
        "Largest client frame; bigger ones close the session (1009).",
    ),
    Setting(
        "rate_limit",
        "GROUPCAST_RATE_LIMIT",
        None,
        "Sustained client frames per second per session; floods close it (4002).",
    ),
    Setting(
        "rate_burst", "GROUPCAST_RATE_BURST", None, "Frames a session may send in a burst above the sustained rate."
    ),
    Setting(
        "send_buffer_bytes",
        "GROUPCAST_SEND_BUFFER_BYTES",
        None,
        "Outgoing bytes buffered per connection before a slow consumer is closed (4003).",
    ),
    Setting(
        "daily_group_limit",
        "GROUPCAST_DAILY_GROUP_LIMIT",
        None,
        "Net groups the app may create per UTC day (created minus dismissed); past it creation is refused (10006).",
    ),
    Setting(
        "max_groups_per_user", "GROUPCAST_MAX_GROUPS_PER_USER", None, "Groups one user may belong to (10037 past it)."
    ),
    Setting(
        "max_message_bytes",
        "GROUPCAST_MAX_MESSAGE_BYTES",
        None,
        "Largest message: UTF-8 bytes of the encoded body plus cloudCustomData (80002 past it).",
    ),
    Setting(
        "recall_window",
        "GROUPCAST_RECALL_WINDOW",
        None,
        "Seconds a sender may recall their own message (owners and admins: any time).",
    ),
    Setting(
        "group_custom_fields",
        "GROUPCAST_GROUP_CUSTOM_FIELDS",
        None,
        "Declared group custom field keys, comma-separated (at most 10; letters, digits, `_`; under 16 bytes). Others are refused.",
    ),
    Setting(
        "member_custom_fields",
        "GROUPCAST_MEMBER_CUSTOM_FIELDS",
        None,
        "Declared member custom field keys, comma-separated (at most 5).",
    ),
    Setting(
        "demo",
        "GROUPCAST_DEMO",
        "--demo",
        "Demo mode: the page at `/demo` gets a UserSig from the server for any user ID it names. For trying groupcast on your own machine; never enable it in production (anyone could sign in as anyone).",
    ),
    Setting("log_level", "GROUPCAST_LOG_LEVEL", "--log-level", "critical, error, warning, info or debug."),
)


def load_config(environ: dict[str, str] | None = None, **flags: Any) -> Config:
    """Defaults, then ``GROUPCAST_*`` variables, then flags that are not None.
    Exits with a message naming the bad value when one does not parse."""
    env = os.environ if environ is None else environ
    types = {f.name: f.type for f in msgspec.structs.fields(Config)}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env in env:
            raw = env[setting.env]
            try:
                values[setting.field] = msgspec.convert(raw, types[setting.field], strict=False)
            except msgspec.ValidationError:
                raise SystemExit(f"{setting.env}={raw!r} is not a valid {types[setting.field].__name__}") from None
    values.update({k: v for k, v in flags.items() if v is not None})
    config = Config(**values)
    if config.log_level.lower() not in LOG_LEVELS:
        raise SystemExit(f"log level {config.log_level!r} is not one of {', '.join(LOG_LEVELS)}")
    for keys, most, env_name in (
        (config.group_custom_keys, 10, "GROUPCAST_GROUP_CUSTOM_FIELDS"),
        (config.member_custom_keys, 5, "GROUPCAST_MEMBER_CUSTOM_FIELDS"),
    ):
        bad = sorted(k for k in keys if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", k))
        if bad or len(keys) > most:
            raise SystemExit(f"{env_name}: at most {most} keys of 1-15 letters, digits or _ (bad: {bad or 'too many'})")
    return config


def _generate(path: Path, value: str) -> bool:
    """Write ``value`` to ``path`` (mode 0600) unless the file exists; True if this call
    wrote it. Written aside, then linked into place: a crash never leaves a partial file,
    and of two first starts at once (a node and `groupcast usersig`) one value wins."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)
    except FileExistsError:
        return False  # another process was first: use its value
    finally:
        os.unlink(tmp)
    return True


def _kept(path: Path, setting: str) -> str:
    value = path.read_text().strip()
    if not value:
        raise SystemExit(f"groupcast: {path} is empty: delete it to generate a new one, or set {setting}")
    return value


def resolve_secret(config: Config, *, announce: bool = False) -> str:
    """The configured secret, or the one kept in ``<data-dir>/secret.key``, generated
    (mode 0600) on first use. Exits with a message if that file is empty."""
    if config.secret_key:
        return config.secret_key
    path = Path(config.data_dir) / "secret.key"
    if _generate(path, secrets.token_hex(32)) and announce:
        print(
            f"groupcast: generated a secret key in {path} (mode 0600).\n"
            f"  Get a UserSig for a user with:  groupcast usersig alice --data-dir {config.data_dir}",
            file=sys.stderr,
        )
    return _kept(path, "GROUPCAST_SECRET_KEY")


def resolve_console_password(config: Config, *, announce: bool = False) -> str:
    """The configured console password, or the one kept in ``<data-dir>/console.password``,
    generated (mode 0600) on first use, like the secret key."""
    if config.console_password:
        return config.console_password
    path = Path(config.data_dir) / "console.password"
    if _generate(path, secrets.token_urlsafe(18)) and announce:
        print(
            f"groupcast: generated the admin console's password in {path} (mode 0600).\n"
            f"  Open http://{config.host}:{config.port}/console and sign in as {config.admin_identifier!r}"
            f" with the password that  cat {path}  prints.",
            file=sys.stderr,
        )
    return _kept(path, "GROUPCAST_CONSOLE_PASSWORD")


def markdown_table() -> str:
    """The README's configuration table."""
    defaults = Config()
    rows = ["| Variable | Flag | Default | Meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = getattr(defaults, s.field)
        shown = f"`{default}`" if default != "" else "(empty)"
        rows.append(f"| `{s.env}` | {f'`{s.flag}`' if s.flag else ''} | {shown} | {s.help} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
