"""The command line: ``groupcast serve`` and ``groupcast usersig`` as real processes,
and the configuration rules (defaults < ``GROUPCAST_*`` < flags)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from protocol import usersig
from protocol.client import Client
from protocol.errors import CloseCode
from server.cli import main
from server.config import SETTINGS, Config, load_config, markdown_table, resolve_secret

from .conftest import ROOT, SDKAPPID, free_port, groupcast_env, stop_process, wait


def keyless_env(config: Config, **extra: str) -> dict[str, str]:
    """The environment of a node that must find or generate its own secret key."""
    env = groupcast_env(config, **extra)
    env.pop("GROUPCAST_SECRET_KEY", None)
    return env


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=wait(20)
    )


def key_file(config: Config) -> Path:
    return Path(config.data_dir) / "secret.key"


async def log_in(url: str, user_id: str, sig: str) -> Client:
    client = Client(url, sdk_app_id=SDKAPPID, user_id=user_id, user_sig=sig, device_id="cli-test", reconnect=False)
    await client.connect()
    return client


def test_usersig_prints_a_token_for_the_generated_key(make_config: Any) -> None:
    """``groupcast usersig`` generates the data dir's key once and prints tokens it verifies."""
    config = make_config(secret_key="")
    env = keyless_env(config)
    first = run_cli("server", "usersig", "alice", "--expire", "600", "--data-dir", config.data_dir, env=env)
    assert first.returncode == 0, first.stderr
    secret = key_file(config).read_text().strip()
    assert len(secret) == 64
    assert stat.S_IMODE(key_file(config).stat().st_mode) == 0o600
    token = first.stdout.strip()
    assert first.stdout == token + "\n", "stdout is the token alone, for $(groupcast usersig ...)"
    sig = usersig.verify(secret, SDKAPPID, "alice", token)
    assert (sig.identifier, sig.sdkappid, sig.expire) == ("alice", SDKAPPID, 600)
    assert "secret.key" in first.stderr

    again = run_cli("server", "usersig", "bob", "--data-dir", config.data_dir, env=env)
    assert again.returncode == 0, again.stderr
    assert key_file(config).read_text().strip() == secret
    assert usersig.verify(secret, SDKAPPID, "bob", again.stdout.strip()).expire == usersig.DEFAULT_EXPIRE
    assert again.stderr == ""


async def test_first_serve_generates_the_key_and_restart_reuses_it(make_config: Any, processes: Any) -> None:
    """A keyless first start writes ``secret.key`` (0600) and says how to get a token, and
    where the generated console password is and the address to use it at; a restart
    keeps the key and says nothing of it."""
    config = make_config(secret_key="", console_password="")
    node = processes(config, env=keyless_env(config))
    path = key_file(config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip()
    output = node.output()
    assert "groupcast usersig" in output
    assert f"generated the admin console's password in {Path(config.data_dir) / 'console.password'}" in output
    assert f"{node.running.http_url}/console" in output
    token = usersig.sign(secret, SDKAPPID, "alice", 3600)
    client = await log_in(node.running.ws_url, "alice", token)
    await client.close()
    assert await asyncio.to_thread(stop_process, node) == 0

    again = processes(config, env=keyless_env(config))
    assert path.read_text().strip() == secret
    assert "generated" not in again.output()
    client = await log_in(again.running.ws_url, "alice", token)
    await client.close()


def test_flags_override_environment(make_config: Any, processes: Any, tmp_path: Path) -> None:
    """``--port``, ``--data-dir`` and ``--log-level`` win over their ``GROUPCAST_*`` variables."""
    config = make_config(secret_key="")
    env_port = free_port()
    env_dir = tmp_path / "from-env"
    env = keyless_env(config, GROUPCAST_PORT=str(env_port), GROUPCAST_DATA_DIR=str(env_dir), GROUPCAST_LOG_LEVEL="info")
    node = processes(config, "--log-level", "warning", env=env)  # --port and --data-dir come from the fixture
    response = httpx.get(f"{node.running.http_url}/healthz", timeout=wait(5))
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", env_port), timeout=1):
        pass
    assert key_file(config).exists() and (Path(config.data_dir) / "groupcast.db").exists()
    assert not env_dir.exists()
    assert "INFO" not in node.output()


def test_load_config_layers() -> None:
    """Defaults, then the environment, then flags that are not None; bad values name the variable."""
    env = {"GROUPCAST_PORT": "9001", "GROUPCAST_RATE_LIMIT": "2.5", "GROUPCAST_HOST": "0.0.0.0"}
    config = load_config(env, port=9002, host=None, data_dir="d")
    assert (config.port, config.host, config.rate_limit, config.data_dir) == (9002, "0.0.0.0", 2.5, "d")
    assert config.sdkappid == Config().sdkappid
    with pytest.raises(SystemExit, match="GROUPCAST_PORT='eighty' is not a valid int"):
        load_config({"GROUPCAST_PORT": "eighty"})
    with pytest.raises(SystemExit, match="log level 'loud' is not one of"):
        load_config({}, log_level="loud")


def test_usersig_refuses_a_non_positive_expiry(capsys: pytest.CaptureFixture[str]) -> None:
    """``--expire 0`` is a usage error, not a token that is born expired."""
    with pytest.raises(SystemExit) as exit_info:
        main(["usersig", "alice", "--expire", "0"])
    assert exit_info.value.code == 2
    assert "positive number of seconds" in capsys.readouterr().err


def test_concurrent_first_uses_agree_on_one_key(make_config: Any) -> None:
    """Several processes generating the key at once all end up with the one in the file."""
    config = make_config(secret_key="")
    barrier = threading.Barrier(16)

    def first_use() -> str:
        barrier.wait()
        return resolve_secret(config)

    with ThreadPoolExecutor(16) as pool:
        keys = set(pool.map(lambda _: first_use(), range(16)))
    assert keys == {key_file(config).read_text().strip()}
    assert len(keys.pop()) == 64
    assert [p.name for p in Path(config.data_dir).iterdir()] == ["secret.key"]


def test_empty_key_file_is_refused(make_config: Any) -> None:
    """An empty ``secret.key`` stops the program instead of signing with an empty key."""
    config = make_config(secret_key="")
    Path(config.data_dir).mkdir(parents=True)
    key_file(config).write_text("\n")
    with pytest.raises(SystemExit, match="secret.key is empty"):
        resolve_secret(config)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_signal_closes_sessions_and_flushes_the_store(make_config: Any, processes: Any, sig: int) -> None:
    """On SIGTERM or SIGINT a logged-in client gets 1001, the process exits 0 and the WAL is checkpointed."""
    config = make_config()
    node = processes(config)
    client = await log_in(node.running.ws_url, "alice", node.running.sig("alice"))
    db = Path(config.data_dir) / "groupcast.db"
    wal = Path(f"{db}-wal")
    assert db.exists() and wal.stat().st_size > 0, "the login registered alice: a commit in the WAL"

    stopping = asyncio.create_task(asyncio.to_thread(stop_process, node, sig))
    async with asyncio.timeout(wait(15)):
        assert await client.wait_closed() == CloseCode.GOING_AWAY
    assert await stopping == 0, node.output()
    await client.close()

    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT user_id FROM accounts").fetchall() == [("alice",)]
    conn.close()
    assert "Traceback" not in node.output()


def test_config_module_prints_every_variable() -> None:
    """``python -m server.config`` prints the table, which names every ``GROUPCAST_*`` the code reads."""
    printed = run_cli("server.config", env=dict(os.environ))
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == markdown_table() + "\n"
    assert printed.stderr == ""
    listed = set(re.findall(r"`(GROUPCAST_[A-Z_]+)`", printed.stdout))
    assert listed == {s.env for s in SETTINGS}
    read = {
        name
        for path in [*ROOT.joinpath("server").rglob("*.py"), *ROOT.joinpath("protocol").rglob("*.py")]
        for name in re.findall(r"GROUPCAST_[A-Z_]+[A-Z]", path.read_text())
    }
    assert read <= listed


def test_readme_table_is_current() -> None:
    """README.md holds the configuration table exactly as ``python -m server.config`` prints it."""
    assert markdown_table() in ROOT.joinpath("README.md").read_text()
