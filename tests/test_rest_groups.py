"""The group management REST APIs (rest-api.md section 6, and change_group_owner of 7.6)
over real HTTP, on both stores, with WebSocket devices watching the effects live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from protocol.groups import GroupSystemNotice, NoticeType, TipType

from .conftest import Running, bus_fence, notice, tip
from .rest_client import Rest

G = "group_open_http_svc/"
BASE_FIELDS = {
    "GroupId",
    "ErrorCode",
    "ErrorInfo",
    "Type",
    "Name",
    "Introduction",
    "Notification",
    "FaceUrl",
    "Owner_Account",
    "CreateTime",
    "InfoSeq",
    "LastInfoTime",
    "LastMsgTime",
    "NextMsgSeq",
    "MemberNum",
    "MaxMemberNum",
    "ApplyJoinOption",
    "MuteAllMember",
    "ShutUpAllMember",
    "Appid",
    "AppDefinedData",
    "MemberList",
}
MEMBER_FIELDS = {
    "Member_Account",
    "Role",
    "JoinTime",
    "MsgSeq",
    "MsgFlag",
    "LastSendMsgTime",
    "NameCard",
    "MuteUntil",
    "ShutUpUntil",
    "AppMemberDefinedData",
}


@pytest_asyncio.fixture
async def server(serve: Any, backend: str) -> Running:
    """A server on each backend, with declared group ("level", "topic") and member ("badge") custom fields."""
    return await serve(backend, group_custom_fields="level,topic", member_custom_fields="badge")  # type: ignore[no-any-return]


@pytest_asyncio.fixture
async def rest(server: Running) -> AsyncIterator[Rest]:
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        yield Rest(server, http)


async def accounts(rest: Rest, *users: str) -> None:
    await rest.ok("im_open_login_svc/multiaccount_import", {"Accounts": list(users)})


async def create(rest: Rest, **body: Any) -> str:
    body.setdefault("Type", "Public")
    body.setdefault("Name", "a group")
    return str((await rest.ok(G + "create_group", body))["GroupId"])


async def info(rest: Rest, group_id: str, response_filter: dict[str, Any] | None = None) -> dict[str, Any]:
    """The get_group_info entry of one group (which must have been found)."""
    body: dict[str, Any] = {"GroupIdList": [group_id]}
    if response_filter is not None:
        body["ResponseFilter"] = response_filter
    entry: dict[str, Any] = (await rest.ok(G + "get_group_info", body))["GroupInfo"][0]
    assert (entry["GroupId"], entry["ErrorCode"], entry["ErrorInfo"]) == (group_id, 0, ""), entry
    return entry


async def app_groups(rest: Rest, **body: Any) -> tuple[list[str], int, int]:
    """One get_appid_group_list page: (IDs, TotalCount, Next)."""
    answer = await rest.ok(G + "get_appid_group_list", body)
    return [item["GroupId"] for item in answer["GroupIdList"]], answer["TotalCount"], answer["Next"]


# -- create_group ---------------------------------------------------------------------------


async def test_create_group_with_owner_and_members_reaches_devices(rest: Rest) -> None:
    """create_group adds the owner and the members at once; the owner's device hears of it, members list it."""
    await accounts(rest, "alice", "bob", "carol")
    alice = await rest.server.login("alice")
    bob = await rest.server.login("bob")
    gid = await create(
        rest,
        Owner_Account="alice",
        Type="Public",
        Name="Hiking club",
        Introduction="hills",
        ApplyJoinOption="FreeAccess",
        MaxMemberCount="200",
        AppDefinedData=[{"Key": "level", "Value": "3"}],
        MemberList=[
            {"Member_Account": "bob", "Role": "Admin", "AppMemberDefinedData": [{"Key": "badge", "Value": "gold"}]},
            {"Member_Account": "carol", "JoinTime": 5, "UnreadMsgNum": 0},
        ],
    )
    assert gid.startswith("@TGS#2")
    created = await notice(alice, NoticeType.CREATED)
    assert (created.group_id, created.group_name, created.operator_id) == (gid, "Hiking club", "")
    listed = await bob.get_group_list()
    assert [g.group_id for g in listed.group_list] == [gid]
    assert listed.group_list[0].self_info is not None and listed.group_list[0].self_info.role == "Admin"

    entry = await info(rest, gid)
    assert set(entry) == BASE_FIELDS
    assert (entry["Type"], entry["Name"], entry["Introduction"], entry["Owner_Account"]) == (
        "Public",
        "Hiking club",
        "hills",
        "alice",
    )
    assert (entry["MemberNum"], entry["MaxMemberNum"], entry["ApplyJoinOption"]) == (3, 200, "FreeAccess")
    assert (entry["MuteAllMember"], entry["ShutUpAllMember"], entry["Appid"]) == (
        "Off",
        "Off",
        rest.server.config.sdkappid,
    )
    assert entry["AppDefinedData"] == [{"Key": "level", "Value": "3"}]
    assert entry["CreateTime"] > 0 and entry["NextMsgSeq"] == 1
    members = {m["Member_Account"]: m for m in entry["MemberList"]}
    assert all(set(m) == MEMBER_FIELDS for m in members.values())
    assert {u: m["Role"] for u, m in members.items()} == {"alice": "Owner", "bob": "Admin", "carol": "Member"}
    assert members["bob"]["AppMemberDefinedData"] == [{"Key": "badge", "Value": "gold"}]
    assert members["carol"]["JoinTime"] == entry["CreateTime"] and members["carol"]["MuteUntil"] == 0


async def test_create_group_defaults_and_aliases(rest: Rest) -> None:
    """Work/Meeting are answered as Private/ChatRoom; empty strings are unset; no owner is an ownerless group;
    a cap above the type's ceiling is lowered to it; a Work group takes its members without their consent."""
    await accounts(rest, "alice", "bob")
    work = await create(
        rest,
        Type="Work",
        GroupId="",
        Owner_Account="",
        ApplyJoinOption="",
        MaxMemberCount=500,
        MemberList=[{"Member_Account": "alice"}, {"Member_Account": "bob", "Role": ""}],
    )
    assert work.startswith("@TGS#1")
    entry = await info(rest, work)
    assert (entry["Type"], entry["Owner_Account"], entry["MemberNum"], entry["MaxMemberNum"]) == ("Private", "", 2, 200)
    assert {m["Role"] for m in entry["MemberList"]} == {"Member"}
    meeting = await create(rest, Type="Meeting", GroupId="standup")
    assert meeting == "standup"
    assert (await info(rest, meeting, {"GroupBaseInfoFilter": ["Type", "ApplyJoinOption"]}))["Type"] == "ChatRoom"
    room = await create(rest, Type="AVChatRoom", Owner_Account="alice", MaxMemberCount=500)
    room_info = await info(rest, room)
    assert (room_info["Type"], room_info["MaxMemberNum"], room_info["MemberList"]) == ("AVChatRoom", 0, [])
    community = await create(rest, Type="Community", Owner_Account="bob")
    assert community.startswith("@TGS#_@TGS#c")


async def test_create_group_refusals(rest: Rest) -> None:
    """Unknown accounts (10019), too many members (10005), a missing or unknown type, bad fields (10004), members
    of an AVChatRoom (10007) and taken or invalid IDs (10021, 10025, 10015) are refused and create nothing."""
    await accounts(rest, "alice", "bob")
    mine = await create(rest, Owner_Account="alice", GroupId="mine")
    refusals: list[tuple[dict[str, Any], int]] = [
        ({"Owner_Account": "ghost"}, 10019),
        ({"MemberList": [{"Member_Account": "ghost"}]}, 10019),
        ({"MemberList": [{"Member_Account": f"u{i}"} for i in range(101)]}, 10005),
        ({"Type": ""}, 10004),
        ({"Type": "BChatRoom"}, 10004),
        ({"Name": ""}, 10004),
        ({"Name": "x" * 31}, 10004),
        ({"MemberList": [{"Member_Account": "bob", "Role": "Owner"}]}, 10004),
        ({"MemberList": [{"Member_Account": ""}]}, 10004),
        ({"Type": "Work", "MemberList": [{"Member_Account": "bob", "Role": "Admin"}]}, 10004),
        ({"Type": "AVChatRoom", "MemberList": [{"Member_Account": "bob"}]}, 10007),
        ({"AppDefinedData": [{"Key": "undeclared", "Value": "1"}]}, 10004),
        ({"SupportTopic": 1, "Type": "Community"}, 10004),
        ({"MaxMemberCount": -1}, 10004),
        ({"GroupId": "@TGS#mine"}, 10015),
        ({"GroupId": mine, "Owner_Account": "bob"}, 10021),
        ({"GroupId": mine, "Owner_Account": "alice"}, 10025),
    ]
    for fields, code in refusals:
        await rest.fail(G + "create_group", {"Type": "Public", "Name": "x", **fields}, code)
    assert (await app_groups(rest))[:2] == ([mine], 1)


# -- get_appid_group_list -------------------------------------------------------------------


async def test_get_appid_group_list_pages_by_next(rest: Rest) -> None:
    """Limit/Next page every group in creation order with the full TotalCount; Next is 0 at the end; GroupType
    filters (and changes TotalCount); dismissed groups leave the list."""
    created = [await create(rest, Type="Work" if i % 2 else "Public", Name=f"g{i}") for i in range(5)]
    everything = await app_groups(rest)
    assert everything == (created, 5, 0)
    seen: list[str] = []
    cursor = 0
    while True:
        ids, total, cursor = await app_groups(rest, Limit="2", Next=cursor, GroupType="")
        assert total == 5 and len(ids) <= 2
        seen += ids
        if cursor == 0:
            break
    assert seen == created
    ids, total, cursor = await app_groups(rest, Limit=2, GroupType="Private")
    assert (ids, total, cursor) == ([created[1], created[3]], 2, 0)
    assert await app_groups(rest, GroupType="Work") == ([created[1], created[3]], 2, 0)
    assert await app_groups(rest, Type="Public") == ([created[0], created[2], created[4]], 3, 0)
    assert await app_groups(rest, GroupType="BChatRoom") == ([], 0, 0)
    ids, total, cursor = await app_groups(rest, Limit=1, GroupType="Public")
    assert (ids, total) == ([created[0]], 3) and cursor > 0
    await rest.ok(G + "destroy_group", {"GroupId": created[2]})
    assert await app_groups(rest, Next=cursor, GroupType="Public") == ([created[4]], 2, 0)
    await rest.fail(G + "get_appid_group_list", {"GroupType": "Secret"}, 10004)
    await rest.fail(G + "get_appid_group_list", {"Limit": 10_001}, 10004)
    await rest.fail(G + "get_appid_group_list", {"Next": -1}, 10004)


# -- get_group_info -------------------------------------------------------------------------


async def test_get_group_info_response_filters(rest: Rest) -> None:
    """A ResponseFilter returns only what its filters name; legacy names select both spellings; custom keys filter."""
    await accounts(rest, "alice", "bob")
    gid = await create(
        rest,
        Owner_Account="alice",
        AppDefinedData=[{"Key": "level", "Value": "3"}, {"Key": "topic", "Value": "hills"}],
        MemberList=[{"Member_Account": "bob", "AppMemberDefinedData": [{"Key": "badge", "Value": "gold"}]}],
    )
    entry = await info(
        rest,
        gid,
        {
            "GroupBaseInfoFilter": ["Type", "MemberNum", "ShutUpAllMember", "Bogus"],
            "MemberInfoFilter": ["Role", "ShutUpUntil", "Account"],
        },
    )
    assert entry == {
        "GroupId": gid,
        "ErrorCode": 0,
        "ErrorInfo": "",
        "Type": "Public",
        "MemberNum": 2,
        "MuteAllMember": "Off",
        "ShutUpAllMember": "Off",
        "MemberList": [
            {"Member_Account": "alice", "Role": "Owner", "MuteUntil": 0, "ShutUpUntil": 0},
            {"Member_Account": "bob", "Role": "Member", "MuteUntil": 0, "ShutUpUntil": 0},
        ],
    }
    assert await info(rest, gid, {"GroupBaseInfoFilter": ["Name"]}) == {
        "GroupId": gid,
        "ErrorCode": 0,
        "ErrorInfo": "",
        "Name": "a group",
    }
    custom = await info(
        rest, gid, {"AppDefinedDataFilter_Group": ["topic"], "AppDefinedDataFilter_GroupMember": ["badge"]}
    )
    assert custom["AppDefinedData"] == [{"Key": "topic", "Value": "hills"}]
    assert custom["MemberList"] == [
        {"Member_Account": "alice", "AppMemberDefinedData": []},
        {"Member_Account": "bob", "AppMemberDefinedData": [{"Key": "badge", "Value": "gold"}]},
    ]
    assert await info(rest, gid, {}) == {"GroupId": gid, "ErrorCode": 0, "ErrorInfo": ""}


async def test_get_group_info_per_group_errors(rest: Rest) -> None:
    """Each requested ID gets its own entry, in request order, with GroupId and its ErrorCode (10010, 10015);
    an empty or over-long GroupIdList is refused."""
    gid = await create(rest)
    answer = await rest.ok(G + "get_group_info", {"GroupIdList": ["nope", gid, "tab\there", gid]})
    entries = answer["GroupInfo"]
    assert [(e["GroupId"], e["ErrorCode"]) for e in entries] == [
        ("nope", 10010),
        (gid, 0),
        ("tab\there", 10015),
        (gid, 0),
    ]
    assert all(e["ErrorInfo"] for e in entries if e["ErrorCode"]) and set(entries[0]) == {
        "GroupId",
        "ErrorCode",
        "ErrorInfo",
    }
    await rest.fail(G + "get_group_info", {"GroupIdList": []}, 10004)
    await rest.fail(G + "get_group_info", {"GroupIdList": [gid] * 51}, 10004)
    await rest.fail(G + "get_group_info", {}, 10004)


async def test_get_group_info_refuses_answers_over_the_limits(rest: Rest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A group too big to list gets 10018 in its entry (its profile alone still reads); an answer over 1 MB is 10018."""
    from server.rest import groups

    await accounts(rest, "alice", "bob")
    gid = await create(rest, Owner_Account="alice", MemberList=[{"Member_Account": "bob"}])
    monkeypatch.setattr(groups, "MEMBER_LIST_MAX", 1)
    answer = await rest.ok(G + "get_group_info", {"GroupIdList": [gid]})
    assert (answer["GroupInfo"][0]["GroupId"], answer["GroupInfo"][0]["ErrorCode"]) == (gid, 10018)
    assert (await info(rest, gid, {"GroupBaseInfoFilter": ["MemberNum"]}))["MemberNum"] == 2
    monkeypatch.setattr(groups, "MEMBER_LIST_MAX", 10)
    monkeypatch.setattr(groups, "RESPONSE_BYTES", 300)
    await rest.fail(G + "get_group_info", {"GroupIdList": [gid]}, 10018)
    monkeypatch.setattr(groups, "RESPONSE_BYTES", 40)  # refused before the members are read
    await rest.fail(G + "get_group_info", {"GroupIdList": [gid], "ResponseFilter": {"MemberInfoFilter": []}}, 10018)


# -- modify_group_base_info -------------------------------------------------------------------


async def test_modify_group_base_info_reaches_members(rest: Rest) -> None:
    """Profile, mute-all (legacy name), member cap and custom fields change; members' devices get a tip of type 6."""
    await accounts(rest, "alice", "bob")
    gid = await create(
        rest,
        Owner_Account="alice",
        MemberList=[{"Member_Account": "bob"}],
        AppDefinedData=[{"Key": "level", "Value": "3"}, {"Key": "topic", "Value": "hills"}],
    )
    bob = await rest.server.login("bob")
    await rest.ok(
        G + "modify_group_base_info",
        {
            "GroupId": gid,
            "Name": "Renamed",
            "Notification": "Meet at 8:00",
            "ShutUpAllMember": "On",
            "MaxMemberNum": "300",
            "ApplyJoinOption": "DisableApply",
            "AppDefinedData": [{"Key": "level", "Value": "4"}, {"Key": "topic", "Value": ""}],
            "InviteJoinOption": "FreeAccess",
        },
    )
    changed = await tip(bob, TipType.GROUP_PROFILE_UPDATED)
    profile = changed.new_group_profile
    assert profile is not None and changed.operator_id == ""
    assert (profile.name, profile.notification, profile.mute_all_members, profile.join_option) == (
        "Renamed",
        "Meet at 8:00",
        True,
        "DisableApply",
    )
    assert [(f.key, f.value) for f in profile.group_custom_field or []] == [("level", "4"), ("topic", "")]
    entry = await info(rest, gid)
    assert (entry["Name"], entry["Notification"], entry["MaxMemberNum"], entry["ApplyJoinOption"]) == (
        "Renamed",
        "Meet at 8:00",
        300,
        "DisableApply",
    )
    assert (entry["MuteAllMember"], entry["ShutUpAllMember"]) == ("On", "On")
    assert entry["AppDefinedData"] == [{"Key": "level", "Value": "4"}]
    assert entry["InfoSeq"] == 1 and entry["NextMsgSeq"] == 2  # the tip took a seq
    await rest.ok(G + "modify_group_base_info", {"GroupId": gid, "MuteAllMember": "Off", "Notification": ""})
    entry = await info(rest, gid, {"GroupBaseInfoFilter": ["MuteAllMember", "Notification"]})
    assert (entry["MuteAllMember"], entry["Notification"]) == ("Off", "")
    room = await create(rest, Type="AVChatRoom", Owner_Account="alice")
    await rest.ok(G + "modify_group_base_info", {"GroupId": room, "MaxMemberNum": 50})  # ignored there
    entry = await info(rest, room, {"GroupBaseInfoFilter": ["MaxMemberNum", "InfoSeq"]})
    assert (entry["MaxMemberNum"], entry["InfoSeq"]) == (0, 0)


async def test_modify_group_base_info_refusals(rest: Rest) -> None:
    """Unknown or missing groups, bad values, caps out of range and changes the type refuses change nothing."""
    await accounts(rest, "alice", "bob")
    gid = await create(rest, Owner_Account="alice", MemberList=[{"Member_Account": "bob"}])
    work = await create(rest, Type="Private")
    community = await create(rest, Type="Community")
    refusals: list[tuple[dict[str, Any], int]] = [
        ({"GroupId": "nope", "Name": "x"}, 10010),
        ({"Name": "x"}, 10004),
        ({"GroupId": gid}, 10004),
        ({"GroupId": gid, "Name": ""}, 10004),
        ({"GroupId": gid, "MuteAllMember": "Maybe"}, 10004),
        ({"GroupId": gid, "MuteAllMember": "On", "ShutUpAllMember": "Off"}, 10004),
        ({"GroupId": gid, "MaxMemberNum": 1}, 10004),
        ({"GroupId": gid, "MaxMemberNum": 2001}, 10004),
        ({"GroupId": gid, "AppDefinedData": [{"Key": "undeclared", "Value": "1"}]}, 10004),
        ({"GroupId": work, "ShutUpAllMember": "On"}, 10007),
        ({"GroupId": community, "ApplyJoinOption": "FreeAccess"}, 10004),
    ]
    for body, code in refusals:
        await rest.fail(G + "modify_group_base_info", body, code)
    entry = await info(rest, gid)
    assert (entry["Name"], entry["MaxMemberNum"], entry["InfoSeq"], entry["MuteAllMember"]) == (
        "a group",
        2000,
        0,
        "Off",
    )


# -- destroy_group ----------------------------------------------------------------------------


async def test_destroy_group_reaches_members(rest: Rest) -> None:
    """destroy_group dismisses the group: every member's device gets the dismissed notice; it is gone after (10010)."""
    await accounts(rest, "alice", "bob")
    gid = await create(rest, Type="Private", Owner_Account="alice", MemberList=[{"Member_Account": "bob"}])
    alice, bob = await rest.server.login("alice"), await rest.server.login("bob")
    await rest.ok(G + "destroy_group", {"GroupId": gid})
    for device in (alice, bob):
        dismissed = await notice(device, NoticeType.DISMISSED)
        assert (dismissed.group_id, dismissed.group_name, dismissed.operator_id) == (gid, "a group", "")
    assert (await bob.get_group_list()).group_list == []
    await rest.fail(G + "destroy_group", {"GroupId": gid}, 10010)
    answer = await rest.ok(G + "get_group_info", {"GroupIdList": [gid]})
    assert answer["GroupInfo"][0]["ErrorCode"] == 10010
    await rest.fail(G + "destroy_group", {}, 10004)
    await rest.fail(G + "destroy_group", {"GroupId": "x" * 49}, 10015)


# -- get_joined_group_list ----------------------------------------------------------------------


async def test_get_joined_group_list(rest: Rest) -> None:
    """A user's groups by ID: Limit/Offset pages with the full TotalCount, GroupType filters, AVChatRoom groups only
    with WithHugeGroups 1, base and self fields only when filtered; an unknown user has none."""
    await accounts(rest, "alice", "bob")
    groups = sorted(
        [
            await create(
                rest, Type="Public", Owner_Account="alice", MemberList=[{"Member_Account": "bob", "Role": "Admin"}]
            ),
            await create(rest, Type="Work", Owner_Account="alice", MemberList=[{"Member_Account": "bob"}]),
            await create(rest, Type="Community", Owner_Account="bob", Name="club"),
        ]
    )
    room = await create(rest, Type="AVChatRoom", Owner_Account="bob")
    await create(rest, Type="Public", Owner_Account="alice")  # not bob's

    answer = await rest.ok(G + "get_joined_group_list", {"Member_Account": "bob"})
    assert answer["TotalCount"] == 3 and answer["GroupIdList"] == [{"GroupId": g} for g in groups]
    page = await rest.ok(G + "get_joined_group_list", {"Member_Account": "bob", "Limit": "2", "Offset": 1})
    assert page["TotalCount"] == 3 and [g["GroupId"] for g in page["GroupIdList"]] == groups[1:]
    page = await rest.ok(G + "get_joined_group_list", {"Member_Account": "bob", "Limit": 2, "Offset": 3})
    assert (page["TotalCount"], page["GroupIdList"]) == (3, [])
    huge = await rest.ok(G + "get_joined_group_list", {"Member_Account": "bob", "WithHugeGroups": 1})
    assert huge["TotalCount"] == 4 and [g["GroupId"] for g in huge["GroupIdList"]] == sorted([*groups, room])
    hidden = await rest.ok(G + "get_joined_group_list", {"Member_Account": "bob", "GroupType": "AVChatRoom"})
    assert (hidden["TotalCount"], hidden["GroupIdList"]) == (0, [])
    rooms = await rest.ok(
        G + "get_joined_group_list",
        {
            "Member_Account": "bob",
            "GroupType": "AVChatRoom",
            "WithHugeGroups": 1,
            "ResponseFilter": {"SelfInfoFilter": ["Role"]},
        },
    )
    assert rooms["GroupIdList"] == [{"GroupId": room, "SelfInfo": {"Role": "Owner"}}]
    filtered = await rest.ok(
        G + "get_joined_group_list",
        {
            "Member_Account": "bob",
            "GroupType": "Community",
            "ResponseFilter": {
                "GroupBaseInfoFilter": ["Type", "Name"],
                "SelfInfoFilter": ["Role", "JoinTime", "MsgFlag"],
            },
        },
    )
    (item,) = filtered["GroupIdList"]
    assert filtered["TotalCount"] == 1 and set(item) == {"GroupId", "Type", "Name", "SelfInfo"}
    assert (item["Type"], item["Name"], item["SelfInfo"]["Role"], item["SelfInfo"]["MsgFlag"]) == (
        "Community",
        "club",
        "Owner",
        "AcceptAndNotify",
    )
    assert set(item["SelfInfo"]) == {"Role", "JoinTime", "MsgFlag"} and item["SelfInfo"]["JoinTime"] > 0
    work = await rest.ok(G + "get_joined_group_list", {"Member_Account": "bob", "GroupType": "Work"})
    assert work["TotalCount"] == 1
    ghost = await rest.ok(G + "get_joined_group_list", {"Member_Account": "ghost"})
    assert (ghost["TotalCount"], ghost["GroupIdList"]) == (0, [])
    await rest.fail(G + "get_joined_group_list", {}, 10004)
    await rest.fail(G + "get_joined_group_list", {"Member_Account": "bob", "Limit": 5001}, 10004)
    await rest.fail(G + "get_joined_group_list", {"Member_Account": "bob", "GroupType": "Secret"}, 10004)


# -- import_group --------------------------------------------------------------------------------


async def test_import_group_keeps_create_time_and_notifies_nobody(rest: Rest) -> None:
    """import_group creates the group with its CreateTime (the owner joined then) and sends no notice."""
    await accounts(rest, "alice")
    alice = await rest.server.login("alice")
    imported = (
        await rest.ok(
            G + "import_group",
            {
                "Type": "Private",
                "GroupId": "legacy-42",
                "Name": "Old team",
                "Owner_Account": "alice",
                "CreateTime": "1600000000",
            },
        )
    )["GroupId"]
    assert imported == "legacy-42"
    entry = await info(rest, imported)
    assert (entry["Type"], entry["CreateTime"], entry["Owner_Account"], entry["MemberNum"]) == (
        "Private",
        1600000000,
        "alice",
        1,
    )
    assert entry["MemberList"][0]["JoinTime"] == 1600000000
    generated = (await rest.ok(G + "import_group", {"Type": "Public", "Name": "new"}))["GroupId"]
    assert (await info(rest, generated))["CreateTime"] > 1600000000
    await bus_fence(rest.server, alice)
    assert not [p for p in alice.drain_pushes() if isinstance(p, GroupSystemNotice)]
    assert await rest.server.node.store.last_notice_seq("alice") == 0
    assert (await app_groups(rest))[0] == ["legacy-42", generated]


async def test_import_group_refusals(rest: Rest) -> None:
    """AVChatRoom (10007), a taken ID whoever holds it (10021), unknown owners (10019), future times and bad fields
    (10004) are refused."""
    await accounts(rest, "alice")
    await rest.ok(G + "import_group", {"Type": "Public", "Name": "x", "GroupId": "taken", "Owner_Account": "alice"})
    refusals: list[tuple[dict[str, Any], int]] = [
        ({"Type": "AVChatRoom"}, 10007),
        ({"GroupId": "taken", "Owner_Account": "alice"}, 10021),
        ({"GroupId": "taken"}, 10021),
        ({"Owner_Account": "ghost"}, 10019),
        ({"CreateTime": 4_000_000_000}, 10004),
        ({"Type": ""}, 10004),
        ({"Name": ""}, 10004),
    ]
    for fields, code in refusals:
        await rest.fail(G + "import_group", {"Type": "Public", "Name": "x", **fields}, code)
    assert (await app_groups(rest))[:2] == (["taken"], 1)


# -- change_group_owner ---------------------------------------------------------------------------


async def test_change_group_owner_reaches_members(rest: Rest) -> None:
    """change_group_owner makes a member the owner and the old owner a Member; members get a tip naming the owner."""
    await accounts(rest, "alice", "bob", "carol")
    gid = await create(rest, Owner_Account="alice", MemberList=[{"Member_Account": "bob"}])
    bob = await rest.server.login("bob")
    await rest.ok(G + "change_group_owner", {"GroupId": gid, "NewOwner_Account": "bob"})
    changed = await tip(bob, TipType.GROUP_PROFILE_UPDATED)
    assert changed.new_group_profile is not None and changed.new_group_profile.owner_id == "bob"
    entry = await info(rest, gid, {"GroupBaseInfoFilter": ["Owner_Account"], "MemberInfoFilter": ["Role"]})
    assert entry["Owner_Account"] == "bob"
    assert {m["Member_Account"]: m["Role"] for m in entry["MemberList"]} == {"alice": "Member", "bob": "Owner"}
    ownerless = await create(rest, MemberList=[{"Member_Account": "carol"}])
    await rest.ok(G + "change_group_owner", {"GroupId": ownerless, "NewOwner_Account": "carol"})
    assert (await info(rest, ownerless, {"GroupBaseInfoFilter": ["Owner_Account"]}))["Owner_Account"] == "carol"
    room = await create(rest, Type="AVChatRoom", Owner_Account="alice")
    await rest.ok(G + "change_group_owner", {"GroupId": room, "NewOwner_Account": "carol"})
    assert (await info(rest, room, {"GroupBaseInfoFilter": ["Owner_Account"]}))["Owner_Account"] == "carol"


async def test_change_group_owner_refusals(rest: Rest) -> None:
    """Non-members and the current owner (10004), unknown accounts (10019), unknown groups (10010) are refused."""
    await accounts(rest, "alice", "bob", "carol")
    gid = await create(rest, Owner_Account="alice", MemberList=[{"Member_Account": "bob"}])
    refusals: list[tuple[dict[str, Any], int]] = [
        ({"GroupId": gid, "NewOwner_Account": "carol"}, 10004),
        ({"GroupId": gid, "NewOwner_Account": "alice"}, 10004),
        ({"GroupId": gid, "NewOwner_Account": "ghost"}, 10019),
        ({"GroupId": gid}, 10004),
        ({"GroupId": "nope", "NewOwner_Account": "bob"}, 10010),
        ({"NewOwner_Account": "bob"}, 10004),
    ]
    for body, code in refusals:
        await rest.fail(G + "change_group_owner", body, code)
    assert (await info(rest, gid, {"GroupBaseInfoFilter": ["Owner_Account"]}))["Owner_Account"] == "alice"
