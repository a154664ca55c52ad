"""The docs describe what the code does: every op, push, error code and close code."""

from __future__ import annotations

from pathlib import Path

from protocol.codec import PUSHES, REQUESTS
from protocol.errors import CloseCode, ErrorCode

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_protocol_doc_lists_every_op_push_and_code() -> None:
    """docs/protocol.md has a section per op and push and a row per error and close code."""
    text = (DOCS / "protocol.md").read_text()
    for request in REQUESTS:
        assert f"### `{request.__struct_config__.tag}`" in text, request
    for push in PUSHES:
        assert f"### `{push.__struct_config__.tag}`" in text, push
    for code in ErrorCode:
        assert f"| {int(code)} | {code.name} |" in text, code
    for close in CloseCode:
        assert f"| {int(close)} |" in text, close


def test_every_setting_is_configurable_and_documented() -> None:
    """Every Config field has a row in SETTINGS (its variable), and the README shows it."""
    import msgspec

    from server.config import SETTINGS, Config

    fields = {f.name for f in msgspec.structs.fields(Config)}
    assert fields == {s.field for s in SETTINGS}
    readme = (DOCS.parent / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme, setting.env
