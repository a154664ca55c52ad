"""Accounts: a user must be registered before owning or joining a group.

The service layer behind ``im_open_login_svc`` (REST) and the console. Devices register
themselves by logging in with a valid UserSig (see :mod:`server.gateway.presence`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from protocol.errors import CloseCode, ErrorCode, GroupcastError

from .gateway.router import CloseDevice, user_channel
from .store import Account

if TYPE_CHECKING:
    from .node import Node

__all__ = ["check_accounts", "delete_accounts", "import_accounts", "validate_account", "validate_user_id"]

USER_ID = re.compile(r"[\x21-\x7e]{1,32}")
PROFILE_FIELD_BYTES = 500


def validate_user_id(user_id: str) -> str:
    if not isinstance(user_id, str) or not USER_ID.fullmatch(user_id):
        raise GroupcastError(
            ErrorCode.ACCOUNT_INVALID_PARAMETER,
            f"invalid user ID {user_id!r}: 1-32 printable ASCII characters, no spaces",
        )
    return user_id


def validate_account(account: Account) -> None:
    """Refuse (70402) an invalid user ID, nickname or face URL."""
    validate_user_id(account.user_id)
    for name, value in (("nick", account.nick), ("face URL", account.face_url)):
        if value is not None and len(value.encode()) > PROFILE_FIELD_BYTES:
            raise GroupcastError(
                ErrorCode.ACCOUNT_INVALID_PARAMETER,
                f"{name} of {account.user_id} is over {PROFILE_FIELD_BYTES} bytes",
            )


async def import_accounts(node: Node, accounts: Sequence[Account]) -> None:
    """Register accounts (all or none); existing ones keep their ID and get the new profile."""
    for account in accounts:
        validate_account(account)
    if accounts:
        await node.store.import_accounts(accounts, int(time.time()))


async def check_accounts(node: Node, user_ids: Sequence[str]) -> dict[str, bool]:
    """Whether each user ID is registered, in the order asked."""
    existing = await node.store.existing_accounts(user_ids)
    return {uid: uid in existing for uid in user_ids}


async def delete_accounts(node: Node, user_ids: Sequence[str]) -> dict[str, bool]:
    """Delete accounts; ``False`` for the ones that did not exist. Their devices are
    logged out everywhere (close code 4101)."""
    gone = await node.store.delete_accounts(user_ids)
    await node.router.publish(
        [user_channel(uid) for uid in gone],
        CloseDevice(device_id="", keep_session="", code=int(CloseCode.ACCOUNT_DELETED)),
    )
    return {uid: uid in gone for uid in user_ids}
