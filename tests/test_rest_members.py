"""The v4 REST member APIs (rest-api.md section 7) over real HTTP, on both stores, and
what members' WebSocket devices see of them live."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from protocol.chat import GroupReadUpdated
from protocol.client import Client, RequestError
from protocol.errors import ErrorCode
from protocol.groups import GroupSystemNotice, GroupTip, NoticeType, TipType
from server import accounts
from server.store import Account

from .conftest import Running, bus_fence, clock_past, notice, tip, wait
from .rest_client import Rest

SVC = "group_open_http_svc"
FOREVER = 4294967295


@pytest_asyncio.fixture
async def rest(serve: Any, backend: str) -> AsyncIterator[Rest]:
    """A server on ``backend`` with member custom fields ``title`` and ``level``."""
    server = await serve(backend, member_custom_fields="title,level")
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        yield Rest(server, http)


async def register(server: Running, *users: str) -> None:
    await accounts.import_accounts(server.node, [Account(user_id=u) for u in users])


async def make_group(owner: Client, kind: str, *members: str, admins: tuple[str, ...] = (), **fields: Any) -> str:
    member_list = [{"userID": u, "role": "Admin" if u in admins else "Member"} for u in members]
    return (await owner.create_group("club", kind, member_list=member_list, **fields)).group_id  # type: ignore[arg-type]


async def quiet(server: Running, client: Client, kind: type[Any], operation: int | None = None) -> None:
    """Assert no push of ``kind`` (and ``operation``) has come, once all published has."""
    await bus_fence(server, client)
    got = [p for p in client.drain_pushes() if isinstance(p, kind)]
    if operation is not None:
        got = [p for p in got if p.operation_type == operation]
    assert not got, got


async def members_of(rest: Rest, gid: str, **body: Any) -> dict[str, Any]:
    return await rest.ok(f"{SVC}/get_group_member_info", {"GroupId": gid, **body})


# -- add_group_member ------------------------------------------------------------------------


async def test_add_group_member_results_and_live_events(rest: Rest) -> None:
    """Added users get Result 1 and notice 7 live; members get a join tip; a member
    already there gets Result 2; duplicates are answered once."""
    server = rest.server
    await register(server, "wit", "dave", "erin")
    owner = await server.login("olga")
    gid = await make_group(owner, "Public", "wit")
    wit = await server.login("wit")
    dave = await server.login("dave")
    answer = await rest.ok(
        f"{SVC}/add_group_member",
        {
            "GroupId": gid,
            "MemberList": [{"Member_Account": "dave"}, {"Member_Account": "wit"}, {"Member_Account": "dave"}],
        },
    )
    assert answer["MemberList"] == [{"Member_Account": "dave", "Result": 1}, {"Member_Account": "wit", "Result": 2}]
    invited = await notice(dave, NoticeType.INVITED)
    assert (invited.group_id, invited.operator_id) == (gid, "")
    for device in (wit, owner, dave):
        joined = await tip(device, TipType.MEMBER_JOIN)
        assert (joined.user_id_list, joined.join_type, joined.member_count) == (["dave"], "Invited", 3)
    roles = await rest.ok(f"{SVC}/get_role_in_group", {"GroupId": gid, "User_Account": ["dave"]})
    assert roles["UserIdList"] == [{"Member_Account": "dave", "Role": "Member"}]

    work = await make_group(owner, "Work")
    direct = await rest.ok(f"{SVC}/add_group_member", {"GroupId": work, "MemberList": [{"Member_Account": "erin"}]})
    assert direct["MemberList"] == [{"Member_Account": "erin", "Result": 1}]  # the app admin needs no consent


async def test_add_group_member_silence(rest: Rest) -> None:
    """With Silence 1 the added user still gets notice 7 but the group gets no tip (none stored)."""
    server = rest.server
    await register(server, "wit", "sid")
    owner = await server.login("olga")
    gid = await make_group(owner, "Public", "wit")
    wit = await server.login("wit")
    sid = await server.login("sid")
    before = await server.node.store.get_group(gid)
    await rest.ok(f"{SVC}/add_group_member", {"GroupId": gid, "Silence": 1, "MemberList": [{"Member_Account": "sid"}]})
    assert (await notice(sid, NoticeType.INVITED)).group_id == gid
    await quiet(server, wit, GroupTip)
    after = await server.node.store.get_group(gid)
    assert (after.next_msg_seq, after.member_count) == (before.next_msg_seq, 3)


async def test_add_group_member_refusals(serve: Any, backend: str) -> None:
    """Unregistered users (10019), over 300 accounts (10005), AVChatRoom (10007), a missing
    group (10010) and an empty list (10004) are refused, adding nobody; a user in too many
    groups gets Result 0."""
    server = await serve(backend, max_groups_per_user=2)
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        rest = Rest(server, http)
        await register(server, "ann", "busy")
        owner = await server.login("olga")
        gid = await make_group(owner, "Public")
        path = f"{SVC}/add_group_member"
        mixed = [{"Member_Account": "ann"}, {"Member_Account": "ghost"}]
        answer = await rest.fail(path, {"GroupId": gid, "MemberList": mixed}, 10019)
        assert "ghost" in answer["ErrorInfo"]
        many = [{"Member_Account": f"u{i}"} for i in range(301)]
        await rest.fail(path, {"GroupId": gid, "MemberList": many}, 10005)
        await rest.fail(path, {"GroupId": gid, "MemberList": []}, 10004)
        await rest.fail(path, {"MemberList": [{"Member_Account": "ann"}]}, 10004)
        await rest.fail(path, {"GroupId": "@TGS#2NOSUCH", "MemberList": [{"Member_Account": "ann"}]}, 10010)
        live = await make_group(owner, "AVChatRoom")
        await rest.fail(path, {"GroupId": live, "MemberList": [{"Member_Account": "ann"}]}, 10007)
        assert (await server.node.store.get_group(gid)).member_count == 1

        busy = await server.login("busy")
        await make_group(busy, "Public")
        await make_group(busy, "Public")
        answer = await rest.ok(path, {"GroupId": gid, "MemberList": [{"Member_Account": "busy"}]})
        assert answer["MemberList"] == [{"Member_Account": "busy", "Result": 0}]


# -- delete_group_member -----------------------------------------------------------------------


async def test_delete_group_member_live_and_silence(rest: Rest) -> None:
    """The removed user's devices get notice 4 with the reason; the others a tip unless
    Silence is 1; non-members are ignored."""
    server = rest.server
    await register(server, "max", "sam", "wit")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "max", "sam", "wit")
    max_phone = await server.login("max", "phone")
    max_web = await server.login("max", "web")
    sam = await server.login("sam")
    wit = await server.login("wit")
    path = f"{SVC}/delete_group_member"
    await rest.ok(path, {"GroupId": gid, "MemberToDel_Account": ["max", "stranger"], "Reason": "spam"})
    for device in (max_phone, max_web):
        kicked = await notice(device, NoticeType.KICKED)
        assert (kicked.group_id, kicked.handle_message, kicked.operator_id) == (gid, "spam", "")
    gone = await tip(wit, TipType.MEMBER_KICKED)
    assert (gone.user_id_list, gone.member_count) == (["max"], 3)

    await rest.ok(path, {"GroupId": gid, "MemberToDel_Account": ["sam"], "Silence": 1})
    assert (await notice(sam, NoticeType.KICKED)).group_id == gid
    await quiet(server, wit, GroupTip, TipType.MEMBER_KICKED)
    await rest.ok(path, {"GroupId": gid, "MemberToDel_Account": ["nobody"]})  # only non-members: still success
    roles = await rest.ok(f"{SVC}/get_role_in_group", {"GroupId": gid, "User_Account": ["max", "sam", "wit"]})
    assert [r["Role"] for r in roles["UserIdList"]] == ["NotMember", "NotMember", "Member"]


async def test_delete_group_member_refusals(rest: Rest) -> None:
    """Removing the owner (10004, nobody removed), any AVChatRoom call (10004), a missing
    group (10010) and an empty list (10004) are refused."""
    server = rest.server
    await register(server, "ann")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "ann")
    path = f"{SVC}/delete_group_member"
    await rest.fail(path, {"GroupId": gid, "MemberToDel_Account": ["ann", "kim"]}, 10004)
    assert (await server.node.store.get_group(gid)).member_count == 2
    live = await make_group(owner, "AVChatRoom")
    await rest.fail(path, {"GroupId": live, "MemberToDel_Account": ["ann"]}, 10004)
    await rest.fail(path, {"GroupId": "nope", "MemberToDel_Account": ["ann"]}, 10010)
    await rest.fail(path, {"GroupId": gid, "MemberToDel_Account": []}, 10004)


# -- get_group_member_info ---------------------------------------------------------------------


async def test_get_group_member_info_fields_and_filters(rest: Rest) -> None:
    """Without filters every 3.4 field comes (MuteUntil and ShutUpUntil both); filters pick
    fields, roles and custom keys; the owner comes first."""
    server = rest.server
    await register(server, "amy", "bob")
    owner = await server.login("zed")
    gid = await make_group(owner, "Public", "amy", "bob", admins=("bob",))
    await owner.set_group_member_custom_field(gid, {"title": "boss", "level": "9"})
    answer = await members_of(rest, gid)
    assert answer["MemberNum"] == 3 and "Next" not in answer
    assert [m["Member_Account"] for m in answer["MemberList"]] == ["zed", "amy", "bob"]
    zed = answer["MemberList"][0]
    assert set(zed) == {
        "Member_Account", "Role", "JoinTime", "MsgSeq", "MsgFlag", "LastSendMsgTime", "NameCard",
        "MuteUntil", "ShutUpUntil", "AppMemberDefinedData",
    }  # fmt: skip
    assert (zed["Role"], zed["MsgFlag"], zed["MuteUntil"], zed["ShutUpUntil"]) == ("Owner", "AcceptAndNotify", 0, 0)
    assert zed["AppMemberDefinedData"] == [{"Key": "level", "Value": "9"}, {"Key": "title", "Value": "boss"}]
    assert abs(zed["JoinTime"] - time.time()) < 60

    picked = await members_of(
        rest,
        gid,
        MemberInfoFilter=["Role", "ShutUpUntil"],
        MemberRoleFilter=["Owner", "Admin"],
        AppDefinedDataFilter_GroupMember=["title"],
    )
    assert picked["MemberList"] == [
        {"Member_Account": "zed", "Role": "Owner", "MuteUntil": 0, "ShutUpUntil": 0,
         "AppMemberDefinedData": [{"Key": "title", "Value": "boss"}]},
        {"Member_Account": "bob", "Role": "Admin", "MuteUntil": 0, "ShutUpUntil": 0, "AppMemberDefinedData": []},
    ]  # fmt: skip
    assert picked["MemberNum"] == 3
    only = await members_of(rest, gid, MemberInfoFilter=["NameCard"], MemberRoleFilter=["Member"])
    assert only["MemberList"] == [{"Member_Account": "amy", "NameCard": ""}]
    await rest.fail(f"{SVC}/get_group_member_info", {"GroupId": gid, "MemberRoleFilter": ["Boss"]}, 10004)


async def test_get_group_member_info_paging(rest: Rest) -> None:
    """Limit/Offset pages and Community's Next cursor each cover the members once, owner
    first; Community refuses Offset and foreign cursors; AVChatRoom is 10007."""
    server = rest.server
    users = [f"m{i}" for i in range(7)]
    await register(server, *users)
    owner = await server.login("zz")  # sorts after everyone who joined with it
    gid = await make_group(owner, "Public", *users)
    everyone = [m["Member_Account"] for m in (await members_of(rest, gid))["MemberList"]]
    assert everyone == ["zz", *users]
    seen: list[str] = []
    for offset in range(0, 9, 3):
        page = await members_of(rest, gid, Limit=3, Offset=offset, MemberInfoFilter=["Role"])
        seen += [m["Member_Account"] for m in page["MemberList"]]
        assert page["MemberNum"] == 8
    assert seen == everyone
    second = await members_of(rest, gid, Limit=1, Offset=1, MemberRoleFilter=["Owner", "Member"])
    assert [m["Member_Account"] for m in second["MemberList"]] == ["m0"]

    club = await make_group(owner, "Community", *users)
    cursor, pages, walked = "", 0, []
    while True:
        page = await members_of(rest, club, Limit=3, Next=cursor, MemberInfoFilter=[])
        assert isinstance(page["Next"], str) and page["MemberNum"] == 8
        walked += [m["Member_Account"] for m in page["MemberList"]]
        pages += 1
        cursor = page["Next"]
        if cursor == "":
            break
    assert (walked, pages) == (everyone, 3)
    assert (await members_of(rest, club))["Next"] == ""  # one default page of up to 100
    path = f"{SVC}/get_group_member_info"
    await rest.fail(path, {"GroupId": club, "Offset": 3}, 10004)
    await rest.fail(path, {"GroupId": club, "Next": "garbage"}, 10004)
    await rest.fail(path, {"GroupId": gid, "Limit": -1}, 10004)
    live = await make_group(owner, "AVChatRoom")
    await rest.fail(path, {"GroupId": live}, 10007)
    await rest.fail(path, {"GroupId": "nope"}, 10010)


# -- modify_group_member_info --------------------------------------------------------------------


async def test_modify_group_member_info(rest: Rest) -> None:
    """Role, name card, custom fields, receive option and mute (legacy ShutUpTime) change
    together, with the notices and tips their ops send."""
    server = rest.server
    await register(server, "ann", "wit")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "ann", "wit")
    ann = await server.login("ann")
    wit = await server.login("wit")
    await rest.ok(
        f"{SVC}/modify_group_member_info",
        {
            "GroupId": gid,
            "Member_Account": "ann",
            "Role": "Admin",
            "NameCard": "Ann (guide)",
            "MsgFlag": "AcceptNotNotify",
            "AppMemberDefinedData": [{"Key": "title", "Value": "guide"}],
            "ShutUpTime": 600,
        },
    )
    assert (await notice(ann, NoticeType.SET_ADMIN)).operator_id == ""
    assert (await tip(wit, TipType.SET_ADMIN)).user_id_list == ["ann"]
    muted = await tip(wit, TipType.MEMBER_PROFILE_UPDATED)
    assert (muted.member_list[0].user_id, muted.member_list[0].mute_time) == ("ann", 600)
    carded = await tip(wit, TipType.MEMBER_PROFILE_UPDATED)
    assert carded.member_list[0].name_card == "Ann (guide)"
    assert (await notice(ann, NoticeType.REMIND_TYPE_CHANGED)).message_remind_type == "AcceptNotNotify"
    info = await members_of(rest, gid, MemberRoleFilter=["Admin"], AppDefinedDataFilter_GroupMember=["title"])
    ann_info = info["MemberList"][0]
    assert (ann_info["Role"], ann_info["NameCard"], ann_info["MsgFlag"]) == ("Admin", "Ann (guide)", "AcceptNotNotify")
    assert ann_info["AppMemberDefinedData"] == [{"Key": "title", "Value": "guide"}]
    assert 500 < ann_info["MuteUntil"] - time.time() <= 600 and ann_info["ShutUpUntil"] == ann_info["MuteUntil"]
    await rest.ok(
        f"{SVC}/modify_group_member_info", {"GroupId": gid, "Member_Account": "ann", "MuteTime": 0, "Role": ""}
    )
    assert (await members_of(rest, gid, MemberRoleFilter=["Admin"]))["MemberList"][0]["MuteUntil"] == 0


async def test_modify_group_member_info_refusals(rest: Rest) -> None:
    """Non-members and bad values are 10004; the owner's role, Private mutes and
    AVChatRoom are 10007; a refused call changes nothing."""
    server = rest.server
    await register(server, "ann")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "ann")
    path = f"{SVC}/modify_group_member_info"
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ghost", "NameCard": "x"}, 10004)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "kim", "Role": "Member"}, 10007)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ann", "Role": "Owner"}, 10004)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ann", "MsgFlag": "Loud"}, 10004)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ann"}, 10004)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ann", "MuteTime": -1}, 10004)
    fields = {"AppMemberDefinedData": [{"Key": "secret", "Value": "1"}], "NameCard": "changed", "Role": "Admin"}
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ann", **fields}, 10004)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ann", "NameCard": "n" * 51}, 10004)
    ann = (await members_of(rest, gid, MemberRoleFilter=["Member"]))["MemberList"][0]
    assert (ann["Role"], ann["NameCard"]) == ("Member", "")
    work = await make_group(owner, "Work", "ann")
    await rest.fail(path, {"GroupId": work, "Member_Account": "ann", "MuteTime": 60}, 10007)
    await rest.fail(path, {"GroupId": work, "Member_Account": "ann", "Role": "Admin"}, 10007)
    live = await make_group(owner, "AVChatRoom")
    await rest.fail(path, {"GroupId": live, "Member_Account": "ann", "NameCard": "x"}, 10007)


# -- get_role_in_group ---------------------------------------------------------------------------


async def test_get_role_in_group(rest: Rest) -> None:
    """Each user's role in request order, NotMember for others; AVChatRoom 10007, over
    500 users or none 10004, a missing group 10010."""
    server = rest.server
    await register(server, "ann", "bob")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "ann", "bob", admins=("ann",))
    path = f"{SVC}/get_role_in_group"
    answer = await rest.ok(path, {"GroupId": gid, "User_Account": ["bob", "kim", "zed", "ann"]})
    assert answer["UserIdList"] == [
        {"Member_Account": "bob", "Role": "Member"},
        {"Member_Account": "kim", "Role": "Owner"},
        {"Member_Account": "zed", "Role": "NotMember"},
        {"Member_Account": "ann", "Role": "Admin"},
    ]
    live = await make_group(owner, "AVChatRoom")
    await rest.fail(path, {"GroupId": live, "User_Account": ["kim"]}, 10007)
    await rest.fail(path, {"GroupId": gid, "User_Account": [f"u{i}" for i in range(501)]}, 10004)
    await rest.fail(path, {"GroupId": gid, "User_Account": []}, 10004)
    await rest.fail(path, {"GroupId": "nope", "User_Account": ["kim"]}, 10010)


# -- forbid_send_msg and the muted list --------------------------------------------------------------


async def test_forbid_send_msg_mutes_live(rest: Rest) -> None:
    """A REST mute refuses the member's next sendGroupMessage with 10017 and tips the group;
    ShutUpTime 0 lifts it; 4294967295 mutes for good."""
    server = rest.server
    await register(server, "bob", "wit")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "bob", "wit")
    bob = await server.login("bob")
    wit = await server.login("wit")
    await bob.send_group_message(gid, "before")
    body = {"GroupId": gid, "Members_Account": ["bob"], "MuteTime": "3600"}  # numeric strings are numbers
    await rest.ok(f"{SVC}/forbid_send_msg", body)
    muted = await tip(wit, TipType.MEMBER_PROFILE_UPDATED)
    assert (muted.member_list[0].user_id, muted.member_list[0].mute_time) == ("bob", 3600)
    with pytest.raises(RequestError) as caught:
        await bob.send_group_message(gid, "muted?")
    assert caught.value.code == ErrorCode.MUTED

    await rest.ok(f"{SVC}/forbid_send_msg", {"GroupId": gid, "Members_Account": ["bob"], "ShutUpTime": 0})
    await bob.send_group_message(gid, "free again")
    await rest.ok(f"{SVC}/forbid_send_msg", {"GroupId": gid, "Members_Account": ["bob", "wit"], "MuteTime": FOREVER})
    listed = await rest.ok(f"{SVC}/get_group_muted_account", {"GroupId": gid})
    assert sorted(listed["MutedAccountList"], key=lambda m: m["Member_Account"]) == [
        {"Member_Account": "bob", "MutedUntil": FOREVER},
        {"Member_Account": "wit", "MutedUntil": FOREVER},
    ]
    info = await members_of(rest, gid, MemberInfoFilter=["MuteUntil"], MemberRoleFilter=["Member"])
    assert {m["ShutUpUntil"] for m in info["MemberList"]} == {FOREVER}
    with pytest.raises(RequestError) as caught:
        await wit.send_group_message(gid, "muted for good")
    assert caught.value.code == ErrorCode.MUTED


async def test_forbid_send_msg_refusals(rest: Rest) -> None:
    """Private groups 10007; non-members, a missing MuteTime, a negative one and an
    empty list 10004; a missing group 10010; nothing is muted."""
    server = rest.server
    await register(server, "bob")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "bob")
    work = await make_group(owner, "Work", "bob")
    path = f"{SVC}/forbid_send_msg"
    await rest.fail(path, {"GroupId": work, "Members_Account": ["bob"], "MuteTime": 60}, 10007)
    await rest.fail(path, {"GroupId": gid, "Members_Account": ["bob", "ghost"], "MuteTime": 60}, 10004)
    await rest.fail(path, {"GroupId": gid, "Members_Account": ["bob"]}, 10004)
    await rest.fail(path, {"GroupId": gid, "Members_Account": ["bob"], "MuteTime": -5}, 10004)
    await rest.fail(path, {"GroupId": gid, "Members_Account": [], "MuteTime": 60}, 10004)
    await rest.fail(path, {"GroupId": "nope", "Members_Account": ["bob"], "MuteTime": 60}, 10010)
    assert (await rest.ok(f"{SVC}/get_group_muted_account", {"GroupId": gid}))["MutedAccountList"] == []


async def test_muted_list_current_and_legacy_paths(rest: Rest) -> None:
    """The current path answers MutedAccountList/MutedUntil, the legacy get_group_shutted_uin
    ShuttedUinList/ShuttedUntil; expired mutes are left out; a missing group is 10010."""
    server = rest.server
    await register(server, "bob", "cy")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "bob", "cy")
    await rest.ok(f"{SVC}/forbid_send_msg", {"GroupId": gid, "Members_Account": ["bob"], "ShutUpTime": 100})
    await rest.ok(f"{SVC}/forbid_send_msg", {"GroupId": gid, "Members_Account": ["cy"], "MuteTime": 1})
    await clock_past(int(time.time()) + 1)  # cy's mute (1 s from a whole second) has ended
    current = await rest.ok(f"{SVC}/get_group_muted_account", {"GroupId": gid})
    assert set(current) == {"ActionStatus", "ErrorCode", "ErrorInfo", "GroupId", "MutedAccountList"}
    [item] = current["MutedAccountList"]
    assert item["Member_Account"] == "bob" and 90 < item["MutedUntil"] - time.time() <= 100
    legacy = await rest.ok(f"{SVC}/get_group_shutted_uin", {"GroupId": gid})
    assert set(legacy) == {"ActionStatus", "ErrorCode", "ErrorInfo", "GroupId", "ShuttedUinList"}
    assert legacy["ShuttedUinList"] == [{"Member_Account": "bob", "ShuttedUntil": item["MutedUntil"]}]
    work = await make_group(owner, "Work", "bob")
    assert (await rest.ok(f"{SVC}/get_group_shutted_uin", {"GroupId": work}))["ShuttedUinList"] == []
    await rest.fail(f"{SVC}/get_group_muted_account", {"GroupId": "nope"}, 10010)
    await rest.fail(f"{SVC}/get_group_shutted_uin", {"GroupId": "nope"}, 10010)
    room = (await owner.create_group("Live", "AVChatRoom")).group_id
    await rest.ok(f"{SVC}/forbid_send_msg", {"GroupId": room, "Members_Account": ["cy"], "MuteTime": 60})
    [muted] = (await rest.ok(f"{SVC}/get_group_muted_account", {"GroupId": room}))["MutedAccountList"]
    assert muted["Member_Account"] == "cy" and muted["MutedUntil"] > time.time()


# -- import_group_member ---------------------------------------------------------------------------


async def test_import_group_member(rest: Rest) -> None:
    """Imported members keep their JoinTime and Admin role, nobody is notified; members
    already there get Result 2; unregistered users and join times outside the group's
    life get Result 0."""
    server = rest.server
    await register(server, "bob", "cy", "dee", "eve", "wit")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "wit")
    wit = await server.login("wit")
    bob = await server.login("bob")
    created = (await server.node.store.get_group(gid)).created_at
    answer = await rest.ok(
        f"{SVC}/import_group_member",
        {
            "GroupId": gid,
            "MemberList": [
                {"Member_Account": "bob", "Role": "Admin", "JoinTime": created, "UnreadMsgNum": 2},
                {"Member_Account": "cy"},
                {"Member_Account": "wit"},
                {"Member_Account": "dee", "JoinTime": created - 10},
                {"Member_Account": "eve", "JoinTime": int(time.time()) + 3600},
                {"Member_Account": "ghost"},
            ],
        },
    )
    assert [(m["Member_Account"], m["Result"]) for m in answer["MemberList"]] == [
        ("bob", 1), ("cy", 1), ("wit", 2), ("dee", 0), ("eve", 0), ("ghost", 0),
    ]  # fmt: skip
    info = await members_of(rest, gid, MemberInfoFilter=["Role", "JoinTime"], MemberRoleFilter=["Admin"])
    assert info["MemberList"] == [{"Member_Account": "bob", "Role": "Admin", "JoinTime": created}]
    assert info["MemberNum"] == 4
    await quiet(server, wit, GroupTip)
    await quiet(server, bob, GroupSystemNotice)


async def test_import_group_member_refusals(rest: Rest) -> None:
    """More than 300 members is 10005, AVChatRoom 10007, an admin in a Private group or
    an Owner role 10004, a missing group 10010; nobody is imported."""
    server = rest.server
    await register(server, "bob")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public")
    path = f"{SVC}/import_group_member"
    await rest.fail(path, {"GroupId": gid, "MemberList": [{"Member_Account": f"u{i}"} for i in range(301)]}, 10005)
    await rest.fail(path, {"GroupId": gid, "MemberList": [{"Member_Account": "bob", "Role": "Owner"}]}, 10004)
    work = await make_group(owner, "Work")
    await rest.fail(path, {"GroupId": work, "MemberList": [{"Member_Account": "bob", "Role": "Admin"}]}, 10004)
    live = await make_group(owner, "AVChatRoom")
    await rest.fail(path, {"GroupId": live, "MemberList": [{"Member_Account": "bob"}]}, 10007)
    await rest.fail(path, {"GroupId": "nope", "MemberList": [{"Member_Account": "bob"}]}, 10010)
    assert (await server.node.store.get_group(gid)).member_count == 1
    assert (await server.node.store.get_group(work)).member_count == 1


# -- set_unread_msg_num ------------------------------------------------------------------------------


async def test_set_unread_msg_num(rest: Rest) -> None:
    """The member's read position becomes the last seq minus UnreadMsgNum: their devices
    hear the new count; ChatRoom and AVChatRoom succeed without effect; a non-member is
    10004, a missing group 10010."""
    server = rest.server
    await register(server, "bob")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "bob")
    bob = await server.login("bob")
    for i in range(5):
        await owner.send_group_message(gid, f"m{i}")
    [counts] = await bob.get_unread_counts()
    assert counts.unread_count == 5
    path = f"{SVC}/set_unread_msg_num"
    await rest.ok(path, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 2})
    update = await bob.next_push(GroupReadUpdated, timeout=wait(5))
    assert (update.group_id, update.read_seq, update.unread_count) == (gid, counts.last_seq - 2, 2)
    assert [c.unread_count for c in await bob.get_unread_counts()] == [2]
    await rest.ok(path, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 0})
    assert [c.unread_count for c in await bob.get_unread_counts()] == [0]
    info = await members_of(rest, gid, MemberInfoFilter=["MsgSeq"], MemberRoleFilter=["Member"])
    assert info["MemberList"] == [{"Member_Account": "bob", "MsgSeq": counts.last_seq}]

    chat = await make_group(owner, "ChatRoom", "bob")
    await rest.ok(path, {"GroupId": chat, "Member_Account": "bob", "UnreadMsgNum": 1})
    live = await make_group(owner, "AVChatRoom")
    await rest.ok(path, {"GroupId": live, "Member_Account": "bob", "UnreadMsgNum": 1})
    await rest.fail(path, {"GroupId": gid, "Member_Account": "ghost", "UnreadMsgNum": 1}, 10004)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": -1}, 10004)
    await rest.fail(path, {"GroupId": gid, "Member_Account": "bob"}, 10004)
    await rest.fail(path, {"GroupId": "nope", "Member_Account": "bob", "UnreadMsgNum": 1}, 10010)


async def test_set_unread_msg_num_can_raise_the_count(rest: Rest) -> None:
    """Raising a member's unread count (capped at the message count) lowers their read position."""
    server = rest.server
    await register(server, "bob")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public", "bob")
    bob = await server.login("bob")
    for i in range(3):
        await owner.send_group_message(gid, f"m{i}")
    await rest.ok(f"{SVC}/set_unread_msg_num", {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 0})
    await rest.ok(f"{SVC}/set_unread_msg_num", {"GroupId": gid, "Member_Account": "bob", "UnreadMsgNum": 99})
    assert [c.unread_count for c in await bob.get_unread_counts()] == [3]


async def test_import_group_member_unread_count(rest: Rest) -> None:
    """An imported member starts with UnreadMsgNum messages unread (capped at the message count)."""
    server = rest.server
    await register(server, "bob")
    owner = await server.login("kim")
    gid = await make_group(owner, "Public")
    for i in range(3):
        await owner.send_group_message(gid, f"m{i}")
    body = {"GroupId": gid, "MemberList": [{"Member_Account": "bob", "UnreadMsgNum": 2}]}
    await rest.ok(f"{SVC}/import_group_member", body)
    bob = await server.login("bob")
    assert [c.unread_count for c in await bob.get_unread_counts()] == [2]
