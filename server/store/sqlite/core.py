"""What every aggregate of the embedded store shares: the database thread, and the two
pieces of state kept in memory (presence and audience counts: on one node they live
exactly as long as the sessions they describe)."""

from __future__ import annotations

from pathlib import Path

from ..records import DeviceRecord
from .schema import SCHEMA
from .thread import DatabaseThread

__all__ = ["SqliteCore"]


class SqliteCore:
    """The base of every aggregate's class (see the package docstring)."""

    def __init__(self, data_dir: str) -> None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self._db = DatabaseThread(str(Path(data_dir) / "groupcast.db"), SCHEMA)
        self._devices: dict[str, dict[str, DeviceRecord]] = {}  # user -> device ID -> entry
        self._audience: dict[str, dict[str, tuple[int, float]]] = {}  # room -> node -> (count, as of)
