"""The Dockerfile and docker-compose.yml, checked statically: there is no Docker engine to
build or run them here. (`make lint` also runs hadolint on the Dockerfile.)

What this cannot show: that the base images still exist and build, that the image starts,
and that the compose healthchecks pass -- those need an engine.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.app import uvicorn_config
from server.config import SETTINGS, Config

from .conftest import ROOT, wait


def instructions(path: Path) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of a Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    return steps[starts[-1] :]


def exec_form(arguments: str) -> list[str]:
    words = yaml.safe_load(arguments)  # a JSON array is YAML too
    assert isinstance(words, list), f"use the exec form (a JSON array): {arguments}"
    return [str(w) for w in words]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions(ROOT / "Dockerfile")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def serve_flags() -> set[str]:
    """The flags ``groupcast serve`` accepts, from its own --help."""
    done = subprocess.run(
        [sys.executable, "-m", "server", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=wait(60),
        check=True,
    )
    return set(re.findall(r"(--[a-z-]+)", done.stdout))


def check_serve_command(words: list[str], flags: set[str]) -> dict[str, str]:
    """``groupcast serve --flag value ...`` with known flags; returns flag -> value."""
    assert words[:2] == ["groupcast", "serve"], words
    options = dict(zip(words[2::2], words[3::2], strict=True))
    assert set(options) <= flags, set(options) - flags
    return options


# -- Dockerfile ------------------------------------------------------------------------------


def test_image_installs_exactly_the_lock_with_the_pinned_uv(dockerfile: list[tuple[str, str]]) -> None:
    """Every install in the image is `uv sync --locked --no-dev` (hashes checked, no dev
    group), with the uv version pyproject.toml pins; pip installs nothing but that uv."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    required = project["tool"]["uv"]["required-version"]
    assert required.startswith("==")
    assert project["dependency-groups"]["dev"] == [f"uv{required}"]
    assert ("ARG", f"UV_VERSION={required[2:]}") in dockerfile
    runs = [arguments for word, arguments in dockerfile if word == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--locked" in r and "--no-dev" in r for r in syncs), syncs
    pips = [r for r in runs if "pip install" in r]
    assert pips == ['pip install "uv==${UV_VERSION}"'], pips


def test_image_sources_are_in_the_build_context(dockerfile: list[tuple[str, str]]) -> None:
    """What the image copies from the context exists and is not excluded by .dockerignore."""
    ignored = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip()]
    copied = [a.split()[:-1] for word, a in dockerfile if word == "COPY" and not a.startswith("--from")]
    sources = [s for group in copied for s in group]
    assert {"pyproject.toml", "uv.lock", "README.md", "protocol", "server"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source


def test_image_runs_as_a_numeric_non_root_user(dockerfile: list[tuple[str, str]]) -> None:
    stage = final_stage(dockerfile)
    users = [arguments for word, arguments in stage if word == "USER"]
    assert users, "the final stage sets no USER: the node would run as root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0 and (not gid or int(gid) != 0), users[-1]
    assert [word for word, _ in stage].index("USER") < [word for word, _ in stage].index("CMD")


def test_image_command_and_healthcheck_agree(dockerfile: list[tuple[str, str]], serve_flags: set[str]) -> None:
    """CMD is a valid `groupcast serve` listening on all interfaces at the EXPOSEd port,
    where the HEALTHCHECK asks /healthz."""
    stage = dict(final_stage(dockerfile))
    options = check_serve_command(exec_form(stage["CMD"]), serve_flags)
    assert options["--host"] == "0.0.0.0" and options["--port"] == stage["EXPOSE"]
    assert f"127.0.0.1:{options['--port']}/healthz" in stage["HEALTHCHECK"]
    assert options["--data-dir"] == stage["VOLUME"]


# -- docker-compose.yml ----------------------------------------------------------------------


def test_compose_nodes_run_valid_commands_on_the_redis_service(compose: dict[str, Any], serve_flags: set[str]) -> None:
    services = compose["services"]
    nodes = {name: s for name, s in services.items() if "build" in s}
    assert set(nodes) == {"node1", "node2"}
    for name, node in nodes.items():
        assert node["build"] == ".", name
        options = check_serve_command([str(w) for w in node["command"]], serve_flags)
        redis_host = re.fullmatch(r"redis://([a-z0-9-]+):6379/\d+", options["--redis-url"])
        assert redis_host and redis_host.group(1) in services, options["--redis-url"]
        assert node["depends_on"][redis_host.group(1)]["condition"] == "service_healthy"
        assert "healthcheck" in services[redis_host.group(1)]
        published = [str(p) for p in node["ports"]]
        assert all(p.startswith("127.0.0.1:") and p.endswith(f":{options['--port']}") for p in published), published


def test_compose_environment_names_real_settings(compose: dict[str, Any]) -> None:
    known = {s.env for s in SETTINGS}
    for name, service in compose["services"].items():
        if "build" in service:
            assert set(service["environment"]) <= known, (name, set(service["environment"]) - known)
            assert "GROUPCAST_SECRET_KEY" in service["environment"], "every node needs the same key"


def test_compose_leaves_time_to_drain(compose: dict[str, Any]) -> None:
    """Docker's stop grace period outlasts the server's graceful shutdown."""
    graceful = uvicorn_config(None, Config()).timeout_graceful_shutdown  # type: ignore[arg-type]
    for name, service in compose["services"].items():
        if "build" in service:
            grace = re.fullmatch(r"(\d+)s", service["stop_grace_period"])
            assert grace and int(grace.group(1)) > graceful, (name, service["stop_grace_period"])


def test_compose_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            assert source.startswith((".", "/")) or source in declared, volume
