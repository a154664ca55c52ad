"""Logging devices in and out, across nodes.

Log in: register the account if it is new (a valid UserSig proves the app issued it,
as Tencent's SDK login does), claim the device slot in the store (the per-user device
limit holds across nodes; the same device ID logging in again takes over and its old
session is closed with 4100 wherever it is), subscribe this node to the user's channel,
reply, and tell the user's other devices (``deviceOnline``).

Log out (any end of a session): release the slot if this session still holds it,
drop the subscription when it was the user's last session here, and tell the others
(``deviceOffline``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from protocol.errors import CloseCode
from protocol.messages import DeviceInfo, DeviceOffline, DeviceOnline, Login, LoginResult

from ..ops import Actor
from ..store import Account, DeviceRecord
from .router import CloseDevice, user_channel

if TYPE_CHECKING:
    from ..node import Node
    from .session import Session

__all__ = ["Presence"]


class Presence:
    def __init__(self, node: Node) -> None:
        self.node = node
        # A device entry outlives its node by at most this long.
        self.ttl = float(max(node.config.idle_timeout, 3 * node.config.heartbeat_interval))

    def _record(self, session: Session) -> DeviceRecord:
        return DeviceRecord(
            device_id=session.device_id,
            platform=session.platform,
            login_time=session.login_time,
            session_id=session.id,
            expires_at=time.time() + self.ttl,
        )

    async def log_in(self, session: Session, request: Login) -> LoginResult:
        node = self.node
        now = int(time.time())
        await node.store.import_accounts([Account(user_id=request.user_id)], now)
        session.user_id = request.user_id
        session.device_id = request.device_id
        session.platform = request.platform
        session.login_time = now
        others = await node.store.claim_device(
            request.user_id, self._record(session), node.config.max_devices_per_user, time.time()
        )
        if node.registry.add_user_session(session):
            await node.router.user_online(session.user_id)
        session.actor = Actor(user_id=session.user_id, device_id=session.device_id, session_id=session.id)
        channel = [user_channel(session.user_id)]
        await node.router.publish(
            channel, CloseDevice(device_id=session.device_id, keep_session=session.id, code=int(CloseCode.REPLACED))
        )
        await node.router.to_users(
            [session.user_id],
            DeviceOnline(user_id=session.user_id, device_id=session.device_id, platform=session.platform),
            except_session=session.id,
        )
        return LoginResult(
            user_id=session.user_id,
            device_id=session.device_id,
            server_time=now,
            heartbeat_interval=node.config.heartbeat_interval,
            idle_timeout=node.config.idle_timeout,
            devices=[DeviceInfo(device_id=d.device_id, platform=d.platform, login_time=d.login_time) for d in others],
            notification_seq=await node.store.last_notice_seq(session.user_id),
        )

    async def log_out(self, session: Session) -> None:
        node = self.node
        session.closing = True
        await node.rooms.leave_all(session)
        indexed, last = node.registry.discard(session)
        if not indexed:
            return
        if last:
            await node.router.user_offline(session.user_id)
        await node.store.release_device(session.user_id, session.device_id, session.id)
        await node.router.to_users(
            [session.user_id], DeviceOffline(user_id=session.user_id, device_id=session.device_id)
        )

    async def refresh(self, sessions: Iterable[Session]) -> None:
        entries = [(s.user_id, self._record(s)) for s in sessions if s.logged_in and not s.closing]
        await self.node.store.refresh_devices(entries)
