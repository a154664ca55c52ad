"""The asyncio Python client SDK.

    async with Client("ws://127.0.0.1:8080/ws", sdk_app_id=1400000000,
                      user_id="alice", user_sig=sig, device_id="laptop") as chat:
        await chat.heartbeat()
        async for push in chat.pushes():
            print(push)

``connect()`` opens the socket and logs in; the client then sends heartbeats by itself,
and, when the server closes with a code that allows it (see
:func:`protocol.errors.should_reconnect`) or the network drops, reconnects with
exponential backoff and logs in again. Requests in flight when the connection drops
fail with :class:`ConnectionLost`. Each op has one method returning its typed result;
a refusal raises :class:`RequestError` carrying the server's code and message.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal, TypeVar

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from . import chat as C
from . import groups as G
from .codec import JSON, MSGPACK, Codec
from .errors import GroupcastError, should_reconnect
from .messages import Heartbeat, HeartbeatResult, Login, LoginResult, Logout, Platform, Push, Reply, Request

__all__ = ["Client", "ConnectionLost", "RequestError"]

log = logging.getLogger("groupcast.client")
T = TypeVar("T")


class RequestError(GroupcastError):
    """The server refused a request."""


class ConnectionLost(ConnectionError):
    """The connection dropped before the reply arrived; the request may or may not have run."""


class Client:
    def __init__(
        self,
        url: str,
        *,
        sdk_app_id: int,
        user_id: str,
        user_sig: str,
        device_id: str,
        platform: Platform = "Unknown",
        msgpack: bool = False,
        reconnect: bool = True,
        heartbeat: bool = True,
        request_timeout: float = 10.0,
        notice_seq: int | None = None,
        sync_groups: bool = True,
    ) -> None:
        self.url = url
        self.user_id = user_id
        self.user_sig = user_sig
        self.device_id = device_id
        self._login = Login(
            sdk_app_id=sdk_app_id, user_id=user_id, user_sig=user_sig, device_id=device_id, platform=platform
        )
        self.codec: Codec = MSGPACK if msgpack else JSON
        self.reconnect = reconnect
        self.heartbeat_enabled = heartbeat
        self.request_timeout = request_timeout
        self.session: LoginResult | None = None
        # The last system notice seen; None: start from the server's latest at login.
        self.notice_seq = notice_seq
        self._syncing: asyncio.Task[None] | None = None
        # The last group message or tip seen per group (its history seq). Filled from the
        # joined-group list at the first login; gaps and reconnects sync from it.
        self.sync_groups = sync_groups
        self.group_seqs: dict[str, int] = {}
        self._quiet_groups: set[str] = set()  # receive option Discard: nothing to sync
        self._group_syncs: dict[str, asyncio.Task[None]] = {}
        self.rooms: set[str] = set()  # live rooms entered: entered again after a reconnect
        self._sent: dict[str, set[int]] = {}  # seqs of our own messages not yet passed
        self.close_code: int | None = None
        self.close_reason = ""
        self.on_connected: list[Callable[[LoginResult], Any]] = []
        self._ws: ClientConnection | None = None
        self._seq = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Reply]] = {}
        self._pushes: asyncio.Queue[Push] = asyncio.Queue()
        self._stray: asyncio.Queue[Reply] = asyncio.Queue()
        self._backlog: list[Push] = []  # received, skipped over by next_push()
        self._tasks: list[asyncio.Task[Any]] = []
        self._closing = False
        self._connected = asyncio.Event()
        self._gone = asyncio.Event()

    # -- lifetime ---------------------------------------------------------------------

    async def __aenter__(self) -> Client:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> LoginResult:
        """Open the connection and log in; raises :class:`RequestError` if refused."""
        result = await self._open()
        self._tasks.append(asyncio.create_task(self._supervise()))
        return result

    async def _open(self) -> LoginResult:
        ws = await connect(self.url, subprotocols=[self.codec.subprotocol], compression=None, max_size=None)  # type: ignore[list-item]
        self._ws = ws
        self.close_code = None
        self._gone.clear()
        reader = asyncio.create_task(self._read(ws))
        try:
            self.session = await self.request(self._login)
        except BaseException:
            reader.cancel()
            await ws.close()
            raise
        self._tasks = [t for t in self._tasks if not t.done()] + [reader]
        self._connected.set()
        if self.notice_seq is None:
            self.notice_seq = self.session.notification_seq
        elif self.session.notification_seq > self.notice_seq:
            await self.sync_notices()
        if self.sync_groups:
            await self._sync_joined_groups()
        for room in list(self.rooms):  # a live room's audience is in memory: enter again
            try:
                await self.join_group(room)
            except RequestError as exc:
                log.warning("could not enter room %s again: %s", room, exc)
                self.rooms.discard(room)
        for callback in self.on_connected:
            outcome = callback(self.session)
            if asyncio.iscoroutine(outcome):
                await outcome
        return self.session

    async def close(self) -> None:
        """Close for good: no reconnect."""
        self._closing = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._ws is not None:
            await self._ws.close()
        self._fail_pending()

    async def wait_closed(self) -> int | None:
        """Wait until the server closes the connection; returns its close code."""
        await self._gone.wait()
        return self.close_code

    async def _supervise(self) -> None:
        """Heartbeats while connected; reconnection with backoff when dropped."""
        attempt = 0
        while not self._closing:
            heartbeat = asyncio.create_task(self._heartbeat()) if self.heartbeat_enabled else None
            await self._gone.wait()
            if heartbeat is not None:
                heartbeat.cancel()
            self._connected.clear()
            self._fail_pending()
            if (
                self._closing
                or not self.reconnect
                or (self.close_code is not None and not should_reconnect(self.close_code))
            ):
                return
            while not self._closing:
                delay = min(30.0, 0.2 * 2**attempt) * (0.5 + random.random() / 2)
                attempt += 1
                await asyncio.sleep(delay)
                try:
                    await self._open()
                except (TimeoutError, OSError, ConnectionClosed, ConnectionLost) as exc:
                    log.info("reconnect failed: %s", exc)
                    continue
                except RequestError as exc:
                    log.warning("login refused on reconnect: %s", exc)
                    return
                attempt = 0
                break

    async def _heartbeat(self) -> None:
        interval = self.session.heartbeat_interval if self.session else 25
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(ConnectionLost, RequestError, asyncio.TimeoutError):
                await self.heartbeat()

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for data in ws:
                frame = self.codec.decode_server(data)
                if isinstance(frame, Reply):
                    waiter = self._pending.pop(frame.seq, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(frame)
                    else:
                        self._stray.put_nowait(frame)
                elif isinstance(frame, G.GroupSystemNotice):
                    self._on_notice(frame)
                elif isinstance(frame, C.GroupMessage | G.GroupTip) and frame.seq:
                    self._on_group_entry(frame)
                else:
                    self._pushes.put_nowait(frame)  # type: ignore[arg-type]
        except ConnectionClosed:
            pass
        finally:
            received = ws.protocol.close_rcvd
            if received is not None:
                self.close_code, self.close_reason = received.code, received.reason
            else:
                self.close_code, self.close_reason = 1006, "connection lost"
            self._fail_pending()
            self._gone.set()

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for waiter in pending.values():
            if not waiter.done():
                waiter.set_exception(ConnectionLost(f"connection closed ({self.close_code})"))

    # -- system notices: nothing lost, nothing twice ----------------------------------

    def _on_notice(self, notice: G.GroupSystemNotice) -> None:
        if notice.operation_type in (G.NoticeType.KICKED, G.NoticeType.DISMISSED):
            self.rooms.discard(notice.group_id)  # do not enter it again on reconnect
        elif notice.operation_type == G.NoticeType.REMIND_TYPE_CHANGED:
            quiet = notice.message_remind_type == "Discard"
            (self._quiet_groups.add if quiet else self._quiet_groups.discard)(notice.group_id)
        if notice.seq == 0:  # live-only (an AVChatRoom's audience): no sequence to keep
            self._pushes.put_nowait(notice)
            return
        seen = self.notice_seq or 0
        if notice.seq <= seen:
            return  # already delivered (by a sync)
        if notice.seq == seen + 1:
            self.notice_seq = notice.seq
            self._pushes.put_nowait(notice)
        elif self._syncing is None or self._syncing.done():
            # A gap: fetch everything after the last one seen (this one included).
            self._syncing = asyncio.create_task(self.sync_notices())

    async def sync_notices(self) -> None:
        """Fetch the notices after :attr:`notice_seq` and deliver them, in order, once."""
        while True:
            page = await self.request(G.SyncNotifications(after_seq=self.notice_seq or 0))
            for notice in page.notices:
                if notice.seq > (self.notice_seq or 0):
                    self.notice_seq = notice.seq
                    self._pushes.put_nowait(notice)
            # Also covers a live notice dropped (as a gap) while this sync ran.
            if page.complete and page.last_seq <= (self.notice_seq or 0):
                return

    # -- group history: every message once, in order -------------------------------------

    def _on_group_entry(self, entry: C.GroupMessage | G.GroupTip) -> None:
        group_id = entry.group_id
        seen = self.group_seqs.get(group_id)
        if seen is None or entry.seq == seen + 1 or group_id in self._quiet_groups:
            # (Discard: messages are not pushed, so gaps are expected and not fetched.)
            self._deliver(group_id, entry)
        elif entry.seq > seen + 1:
            self._sync_group_soon(group_id)  # a gap: fetch it, this one included
        # entry.seq <= seen: already delivered

    def _deliver(self, group_id: str, entry: C.GroupMessage | G.GroupTip) -> None:
        self.group_seqs[group_id] = max(entry.seq, self.group_seqs.get(group_id, 0))
        sent = self._sent.get(group_id)
        if sent is not None and entry.seq in sent:
            sent.discard(entry.seq)  # our own message, fetched with a gap: not a push
            return
        self._pushes.put_nowait(entry)

    def _sync_group_soon(self, group_id: str) -> None:
        running = self._group_syncs.get(group_id)
        if running is None or running.done():
            self._group_syncs[group_id] = asyncio.create_task(self.sync_group(group_id))

    async def sync_group(self, group_id: str) -> None:
        """Fetch the group's history after :attr:`group_seqs` and deliver it, in order, once."""
        while True:
            after = self.group_seqs.get(group_id, 0)
            page = await self.request(C.GetGroupHistory(group_id=group_id, after_seq=after, count=100))
            for entry in page.messages:
                if entry.seq > self.group_seqs.get(group_id, 0):
                    self._deliver(group_id, entry)
            if page.is_completed:
                return

    async def _sync_joined_groups(self) -> None:
        """At login: learn where each joined group stands; after a reconnect, fetch what
        was said meanwhile."""
        offset = 0
        while True:
            page = await self.get_group_list(offset=offset)
            for group in page.group_list:
                latest = group.next_message_seq - 1
                if group.self_info is not None and group.self_info.message_remind_type == "Discard":
                    self._quiet_groups.add(group.group_id)
                    self.group_seqs[group.group_id] = latest
                elif group.group_id not in self.group_seqs:
                    self.group_seqs[group.group_id] = latest  # new to this client: start now
                elif self.group_seqs[group.group_id] < latest:
                    self._sync_group_soon(group.group_id)
            if not page.next_offset:
                return
            offset = page.next_offset

    # -- requests ---------------------------------------------------------------------

    async def request(self, request: Request) -> Any:
        """Send ``request`` and return its typed result; raise :class:`RequestError`."""
        ws = self._ws
        if ws is None:
            raise ConnectionLost("not connected")
        request.seq = next(self._seq)
        waiter: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending[request.seq] = waiter
        try:
            await ws.send(self.codec.encode(request), text=not self.codec.binary)
        except ConnectionClosed:
            self._pending.pop(request.seq, None)
            raise ConnectionLost("connection closed") from None
        reply = await asyncio.wait_for(waiter, self.request_timeout)
        if reply.code != 0:
            raise RequestError(reply.code, reply.message)
        result_type = type(request).result
        if result_type is None or reply.data is None:
            return reply.data
        return msgspec.convert(reply.data, result_type)

    async def send_raw(self, data: str | bytes) -> Reply:
        """Send a frame as is and return the next reply that matches no request
        (the answer to a raw frame). For tests and debugging."""
        assert self._ws is not None
        await self._ws.send(data)
        async with asyncio.timeout(self.request_timeout):
            return await self._stray.get()

    async def heartbeat(self) -> HeartbeatResult:
        return await self.request(Heartbeat())  # type: ignore[no-any-return]

    # -- groups (one method per op; see docs/protocol.md) ------------------------------

    async def create_group(self, name: str, type: G.GroupTypeName = "Work", **fields: Any) -> G.CreateGroupResult:
        return await self.request(G.CreateGroup(name=name, type=type, **fields))  # type: ignore[no-any-return]

    async def dismiss_group(self, group_id: str) -> None:
        await self.request(G.DismissGroup(group_id=group_id))

    async def change_group_owner(self, group_id: str, new_owner_id: str) -> None:
        await self.request(G.ChangeGroupOwner(group_id=group_id, new_owner_id=new_owner_id))

    async def get_group_profile(self, group_id: str, custom_fields: list[str] | None = None) -> G.GroupProfile:
        result = await self.request(G.GetGroupProfile(group_id=group_id, group_custom_field_filter=custom_fields or []))
        return result.group  # type: ignore[no-any-return]

    async def update_group_profile(self, group_id: str, **fields: Any) -> G.GroupProfile:
        result = await self.request(G.UpdateGroupProfile(group_id=group_id, **fields))
        return result.group  # type: ignore[no-any-return]

    async def get_group_list(self, offset: int = 0, count: int = 100) -> G.GroupList:
        return await self.request(G.GetGroupList(offset=offset, count=count))  # type: ignore[no-any-return]

    async def join_group(self, group_id: str, apply_message: str = "") -> G.JoinGroupResult:
        result: G.JoinGroupResult = await self.request(G.JoinGroup(group_id=group_id, apply_message=apply_message))
        if result.type == "AVChatRoom":
            self.rooms.add(group_id)
        return result

    async def quit_group(self, group_id: str) -> None:
        await self.request(G.QuitGroup(group_id=group_id))
        self.rooms.discard(group_id)

    async def add_group_member(self, group_id: str, user_ids: list[str]) -> G.AddGroupMemberResult:
        return await self.request(G.AddGroupMember(group_id=group_id, user_id_list=user_ids))  # type: ignore[no-any-return]

    async def delete_group_member(self, group_id: str, user_ids: list[str], reason: str = "") -> None:
        await self.request(G.DeleteGroupMember(group_id=group_id, user_id_list=user_ids, reason=reason))

    async def get_group_member_list(self, group_id: str, offset: int = 0, count: int = 15) -> G.GroupMemberList:
        return await self.request(G.GetGroupMemberList(group_id=group_id, offset=offset, count=count))  # type: ignore[no-any-return]

    async def get_group_member_profile(
        self, group_id: str, user_ids: list[str], custom_fields: list[str] | None = None
    ) -> list[G.GroupMember]:
        request = G.GetGroupMemberProfile(
            group_id=group_id, user_id_list=user_ids, member_custom_field_filter=custom_fields or []
        )
        return (await self.request(request)).member_list  # type: ignore[no-any-return]

    async def set_group_member_role(self, group_id: str, user_id: str, role: str) -> None:
        await self.request(G.SetGroupMemberRole(group_id=group_id, user_id=user_id, role=role))  # type: ignore[arg-type]

    async def set_group_member_mute_time(self, group_id: str, user_id: str, mute_time: int) -> None:
        await self.request(G.SetGroupMemberMuteTime(group_id=group_id, user_id=user_id, mute_time=mute_time))

    async def set_group_member_name_card(self, group_id: str, name_card: str, user_id: str | None = None) -> None:
        await self.request(G.SetGroupMemberNameCard(group_id=group_id, name_card=name_card, user_id=user_id))

    async def set_group_member_custom_field(
        self, group_id: str, fields: dict[str, str], user_id: str | None = None
    ) -> None:
        pairs = [G.CustomField(key=k, value=v) for k, v in fields.items()]
        await self.request(G.SetGroupMemberCustomField(group_id=group_id, member_custom_field=pairs, user_id=user_id))

    async def set_message_remind_type(self, group_id: str, remind_type: str) -> None:
        await self.request(G.SetMessageRemindType(group_id=group_id, message_remind_type=remind_type))  # type: ignore[arg-type]
        if remind_type == "Discard":
            self._quiet_groups.add(group_id)
        else:
            self._quiet_groups.discard(group_id)

    async def get_group_application_list(self) -> G.GroupApplicationList:
        return await self.request(G.GetGroupApplicationList())  # type: ignore[no-any-return]

    async def set_group_application_read(self) -> None:
        await self.request(G.SetGroupApplicationRead())

    async def handle_group_application(self, application_id: str, agree: bool, message: str = "") -> None:
        action: Literal["Agree", "Reject"] = "Agree" if agree else "Reject"
        await self.request(
            G.HandleGroupApplication(application_id=application_id, handle_action=action, handle_message=message)
        )

    # -- messages ------------------------------------------------------------------------

    async def send_group_message(
        self, group_id: str, body: list[C.MsgElement] | str, random: int | None = None, **fields: Any
    ) -> C.SendGroupMessageResult:
        """Send ``body`` (elements, or a plain text). Pass the same ``random`` to retry."""
        if isinstance(body, str):
            body = [C.TextElem(msg_content=C.TextContent(text=body))]
        random = secrets.randbelow(2**32) if random is None else random
        result = await self.request(C.SendGroupMessage(group_id=group_id, random=random, msg_body=body, **fields))
        if result.seq:
            if self.group_seqs.get(group_id, 0) == result.seq - 1:
                self.group_seqs[group_id] = result.seq  # our own message: no gap to fill
            elif result.seq > self.group_seqs.get(group_id, 0):
                self._sent.setdefault(group_id, set()).add(result.seq)
        return result  # type: ignore[no-any-return]

    async def get_group_history(
        self, group_id: str, *, after_seq: int | None = None, before_seq: int | None = None, count: int = 20
    ) -> C.GroupHistory:
        request = C.GetGroupHistory(group_id=group_id, after_seq=after_seq, before_seq=before_seq, count=count)
        return await self.request(request)  # type: ignore[no-any-return]

    async def recall_group_message(self, group_id: str, seq: int, reason: str = "") -> None:
        await self.request(C.RecallGroupMessage(group_id=group_id, msg_seq=seq, reason=reason))

    async def set_group_read_seq(self, group_id: str, seq: int) -> C.UnreadCount:
        return await self.request(C.SetGroupReadSeq(group_id=group_id, msg_seq=seq))  # type: ignore[no-any-return]

    async def get_unread_counts(self) -> list[C.UnreadCount]:
        return (await self.request(C.GetUnreadCounts())).groups  # type: ignore[no-any-return]

    async def get_online_member_count(self, group_id: str) -> int:
        return (await self.request(C.GetOnlineMemberCount(group_id=group_id))).member_count  # type: ignore[no-any-return]

    async def logout(self) -> None:
        self._closing = True
        with contextlib.suppress(ConnectionLost):
            await self.request(Logout())
        await self.close()

    # -- pushes -----------------------------------------------------------------------

    async def pushes(self) -> AsyncIterator[Push]:
        """Every push, in arrival order, across reconnects."""
        while True:
            if self._backlog:
                yield self._backlog.pop(0)
            else:
                yield await self._pushes.get()

    async def next_push(self, kind: type[T] | None = None, timeout: float = 5.0) -> T:
        """The next push of type ``kind`` (any type if None); TimeoutError if none comes.
        Pushes of other types stay queued, in order, for later calls."""
        async with asyncio.timeout(timeout):
            index = 0
            while True:
                while index < len(self._backlog):
                    push = self._backlog[index]
                    if kind is None or isinstance(push, kind):
                        del self._backlog[index]
                        return push  # type: ignore[return-value]
                    index += 1
                self._backlog.append(await self._pushes.get())

    def drain_pushes(self) -> list[Push]:
        """Pushes received and not yet consumed, without waiting."""
        out, self._backlog = self._backlog, []
        while not self._pushes.empty():
            out.append(self._pushes.get_nowait())
        return out
