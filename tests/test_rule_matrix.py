"""The rule matrix: every group type x operation x actor -> expected outcome and events.

One table (``MATRIX``) says, per operation and group type, what each actor gets: "ok" (or
a named success: see ``EVENTS``) or the name of the refusing ``ErrorCode``. ``EVENTS``
says what each success delivers. Both are written from the requirement (the issue text
and ../shared/reference/group-system.md, "Decisions", section 1.3 and section 3.5; where
that file says "groupcast follows SEED" the seed rule is used), not read off
``server/groups/rules.py``. Cells where the code disagrees with the requirement are
``xfail(strict=True)`` with the reason.

Every case gets a fresh group (owner; admins ``a`` and ``b`` where the type has admins;
members ``m`` (the member actor), ``t`` (the target member) and ``w`` (a witness); a
registered non-member ``n`` to invite; a registered outsider ``x`` as the non-member
actor; AVChatRoom: owner, ``n`` and ``x`` only) on one shared sqlite server, with unique
user names. It logs every one of them in (the target on two devices), performs the op,
checks the outcome, then checks that exactly the expected pushes reached exactly the
expected devices, and that the group changed exactly as the op says (a refusal: not at
all). The app admin acts through the service layer, never a device.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from protocol.client import Client
from protocol.errors import ErrorCode, GroupcastError
from protocol.groups import (
    AddGroupMember,
    ChangeGroupOwner,
    CreateGroup,
    DeleteGroupMember,
    DismissGroup,
    GetGroupApplicationList,
    GetGroupMemberList,
    GetGroupProfile,
    GroupSystemNotice,
    GroupTip,
    JoinGroup,
    MemberChange,
    NewMember,
    ProfileChange,
    QuitGroup,
    SetGroupMemberMuteTime,
    SetGroupMemberNameCard,
    SetGroupMemberRole,
    UpdateGroupProfile,
)
from protocol.groups import NoticeType as N
from protocol.groups import TipType as T
from protocol.messages import Request
from server import accounts
from server.config import Config
from server.ops import OPS, Actor, Ctx
from server.store import Account

from .conftest import SDKAPPID, SECRET, Running, start_in_process, wait

ParameterSet = type(pytest.param())


def xfail(expected: str, reason: str) -> Any:
    """A cell where the code disagrees with the requirement: ``expected`` is the requirement."""
    return pytest.param(expected, marks=pytest.mark.xfail(strict=True, reason=reason))


NA = None  # no such actor in this type (Work and AVChatRoom have no admins; AVChatRoom stores no members)

# Disputed cells: the requirement, marked as failing today (strict: a fix makes them fail until unmarked).
AV_OWNER_QUIT = "OWNER_CANNOT_QUIT"  # spec: 10009 for an owner quitting any non-Work group
AV_ENTERS = "enters"  # the live room: entered by the session (tests/test_rooms.py checks the audience)
OUTSIDER_CARD = "NO_PERMISSION"  # spec 7.1: 10007 for every permission refusal

# fmt: off
# Columns: owner, admin, member, outsider (a registered non-member), app admin (service layer).
# NA: no such actor in the type. Upper-case names (AV_..., OUTSIDER_CARD): disputed cells, above.
# Outcomes: "ok" (or a named success, see EVENTS) or the refusing ErrorCode's name.
MATRIX: dict[str, dict[str, tuple[Any, ...]]] = {
    # addGroupMember of the registered non-member n. Work: members invite, the invitee consents
    # (pendency item + notice 12); Public, Meeting: the app admin only; AVChatRoom: anyone, the
    # invitee is only told (notice 12, no pendency item); Community: members add directly.
    # Work by the app admin: the spec does not say whether REST adds need consent; added directly.
    "invite": {
        "Work":       ("asked",            NA,               "asked",          "NO_PERMISSION",        "invited"),
        "Public":     ("NO_PERMISSION",    "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "invited"),
        "Meeting":    ("NO_PERMISSION",    "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "invited"),
        "AVChatRoom": ("told",             NA,               NA,               "told",                 "told"),
        "Community":  ("invited",          "invited",        "invited",        "NO_PERMISSION",        "invited"),
    },
    # joinGroup by the actor, at the type's default join option: Public NeedPermission (the Tencent
    # REST default), Meeting FreeAccess, AVChatRoom FreeAccess; Work refuses; Community joins at once.
    # Members applying are told AlreadyInGroup. The app admin has no device to join with.
    "apply": {
        "Work":       ("already",          NA,               "already",        "NO_PERMISSION",        NA),
        "Public":     ("already",          "already",        "already",        "waits",                NA),
        "Meeting":    ("already",          "already",        "already",        "joined",               NA),
        "AVChatRoom": (AV_ENTERS,          NA,               NA,               AV_ENTERS,              NA),
        "Community":  ("already",          "already",        "already",        "joined",               NA),
    },
    # deleteGroupMember of the plain member t. Work: the owner only (no admins); others: owner or
    # admin. AVChatRoom keeps no member to remove.
    "kick member": {
        "Work":       ("ok",               NA,               "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Public":     ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": (NA,                 NA,               NA,               NA,                     NA),
        "Community":  ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # deleteGroupMember of the admin b: an admin cannot remove another admin.
    "kick admin": {
        "Work":       (NA,                 NA,               NA,               NA,                     NA),
        "Public":     ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": (NA,                 NA,               NA,               NA,                     NA),
        "Community":  ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # quitGroup by the actor: the owner of a non-Work group must transfer first (10009).
    "quit": {
        "Work":       ("ok",               NA,               "ok",             "NO_PERMISSION",        NA),
        "Public":     ("OWNER_CANNOT_QUIT","ok",             "ok",             "NO_PERMISSION",        NA),
        "Meeting":    ("OWNER_CANNOT_QUIT","ok",             "ok",             "NO_PERMISSION",        NA),
        "AVChatRoom": (AV_OWNER_QUIT,      NA,               NA,               "NO_PERMISSION",        NA),
        "Community":  ("OWNER_CANNOT_QUIT","ok",             "ok",             "NO_PERMISSION",        NA),
    },
    # setGroupMemberRole(t, Admin): the owner (and the app admin) only; Work and AVChatRoom have no
    # admins (AVChatRoom target: n).
    "set admin": {
        "Work":       ("NO_PERMISSION",    NA,               "NO_PERMISSION",  "NO_PERMISSION",        "NO_PERMISSION"),
        "Public":     ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": ("NO_PERMISSION",    NA,               NA,               "NO_PERMISSION",        "NO_PERMISSION"),
        "Community":  ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # setGroupMemberMuteTime(t, 600 s): not in Work; owner or admin elsewhere. AVChatRoom: the owner
    # alone mutes, but its audience (online membership) is not implemented yet: only refusals tested.
    "mute member": {
        "Work":       ("NO_PERMISSION",    NA,               "NO_PERMISSION",  "NO_PERMISSION",        "NO_PERMISSION"),
        "Public":     ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": (NA,                 NA,               NA,               "NO_PERMISSION",        NA),
        "Community":  ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # updateGroupProfile(name): Work any member; Public, Meeting (decision), Community owner and
    # admins; AVChatRoom the owner; the app admin everywhere.
    "edit profile": {
        "Work":       ("ok",               NA,               "ok",             "NO_PERMISSION",        "ok"),
        "Public":     ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": ("ok",               NA,               NA,               "NO_PERMISSION",        "ok"),
        "Community":  ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # updateGroupProfile(muteAllMembers): no muting in Work; elsewhere as muting members.
    "mute all": {
        "Work":       ("NO_PERMISSION",    NA,               "NO_PERMISSION",  "NO_PERMISSION",        "NO_PERMISSION"),
        "Public":     ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": ("ok",               NA,               NA,               "NO_PERMISSION",        "ok"),
        "Community":  ("ok",               "ok",             "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # dismissGroup: Work nobody over WebSocket (the app admin only); others the owner (+ app admin).
    "dismiss": {
        "Work":       ("NO_PERMISSION",    NA,               "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Public":     ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": ("ok",               NA,               NA,               "NO_PERMISSION",        "ok"),
        "Community":  ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # changeGroupOwner(t; AVChatRoom: n): the owner or the app admin, every type (seed).
    "transfer": {
        "Work":       ("ok",               NA,               "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Public":     ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
        "AVChatRoom": ("ok",               NA,               NA,               "NO_PERMISSION",        "ok"),
        "Community":  ("ok",               "NO_PERMISSION",  "NO_PERMISSION",  "NO_PERMISSION",        "ok"),
    },
    # getGroupProfile: members always; non-members where the profile is public (every type but Work).
    "get profile": {
        "Work":       ("ok",               NA,               "ok",             "NO_PERMISSION",        "ok"),
        "Public":     ("ok",               "ok",             "ok",             "ok",                   "ok"),
        "Meeting":    ("ok",               "ok",             "ok",             "ok",                   "ok"),
        "AVChatRoom": ("ok",               NA,               NA,               "ok",                   "ok"),
        "Community":  ("ok",               "ok",             "ok",             "ok",                   "ok"),
    },
    # getGroupMemberList: members (and the app admin); AVChatRoom keeps no member records.
    "get member list": {
        "Work":       ("ok",               NA,               "ok",             "NO_PERMISSION",        "ok"),
        "Public":     ("ok",               "ok",             "ok",             "NO_PERMISSION",        "ok"),
        "Meeting":    ("ok",               "ok",             "ok",             "NO_PERMISSION",        "ok"),
        "AVChatRoom": ("NO_PERMISSION",    NA,               NA,               "NO_PERMISSION",        "NO_PERMISSION"),
        "Community":  ("ok",               "ok",             "ok",             "NO_PERMISSION",        "ok"),
    },
    # setGroupMemberNameCard of oneself: any member; not AVChatRoom (no member records).
    "set own name card": {
        "Work":       ("ok",               NA,               "ok",             OUTSIDER_CARD,          NA),
        "Public":     ("ok",               "ok",             "ok",             OUTSIDER_CARD,          NA),
        "Meeting":    ("ok",               "ok",             "ok",             OUTSIDER_CARD,          NA),
        "AVChatRoom": ("NO_PERMISSION",    NA,               NA,               "NO_PERMISSION",        NA),
        "Community":  ("ok",               "ok",             "ok",             OUTSIDER_CARD,          NA),
    },
}

# What each success delivers (a refusal delivers nothing): (tip, notices).
#   tip: the GroupTip type that every member after the op gets on every device (None: no tip);
#   notices: GroupSystemNotice type by recipient, on every device: "target" (the user the op is
#   about), "actor", "deciders" (owner and admins), "members" (every member before the op).
# Every other device gets no group push at all.
EVENTS: dict[str, dict[str, tuple[T | None, dict[str, N]]]] = {
    "invite": {
        "invited": (T.MEMBER_JOIN,            {"target": N.INVITED}),         # added at once, joinType Invited
        "asked":   (None,                     {"target": N.INVITE_REQUEST}),  # + a pendency item for the invitee
        "told":    (None,                     {"target": N.INVITE_REQUEST}),  # no pendency item, no member added
    },
    "apply": {
        "joined":  (T.MEMBER_JOIN,            {}),                            # joinType Apply
        "waits":   (None,                     {"deciders": N.JOIN_REQUEST}),  # + a pendency item for each decider
        "already": (None,                     {}),                            # AlreadyInGroup
        "enters":  (None,                     {}),                            # the live room (not checked further)
    },
    "kick member":       {"ok": (T.MEMBER_KICKED,          {"target": N.KICKED})},
    "kick admin":        {"ok": (T.MEMBER_KICKED,          {"target": N.KICKED})},
    "quit":              {"ok": (T.MEMBER_QUIT,            {"actor": N.QUIT})},
    "set admin":         {"ok": (T.SET_ADMIN,              {"target": N.SET_ADMIN})},
    "mute member":       {"ok": (T.MEMBER_PROFILE_UPDATED, {})},
    "edit profile":      {"ok": (T.GROUP_PROFILE_UPDATED,  {})},
    "mute all":          {"ok": (T.GROUP_PROFILE_UPDATED,  {})},
    "dismiss":           {"ok": (None,                     {"members": N.DISMISSED})},
    "transfer":          {"ok": (T.GROUP_PROFILE_UPDATED,  {})},  # the new owner in the profile
    "get profile":       {"ok": (None,                     {})},
    "get member list":   {"ok": (None,                     {})},
    "set own name card": {"ok": (T.MEMBER_PROFILE_UPDATED, {})},  # spec silent: a member-profile tip
}
# fmt: on

TYPES = ("Work", "Public", "Meeting", "AVChatRoom", "Community")
ACTORS = ("owner", "admin", "member", "outsider", "app admin")
ACTOR_ROLE = {"owner": "o", "admin": "a", "member": "m", "outsider": "x", "app admin": None}
CAST = {
    "Work": ("o", "m", "t", "w", "n", "x"),
    "Public": ("o", "a", "b", "m", "t", "w", "n", "x"),
    "Meeting": ("o", "a", "b", "m", "t", "w", "n", "x"),
    "AVChatRoom": ("o", "n", "x"),
    "Community": ("o", "a", "b", "m", "t", "w", "n", "x"),
}
INITIAL_ROLE = {"a": "Admin", "b": "Admin", "m": "Member", "t": "Member", "w": "Member"}
TARGET = {"invite": "n", "kick member": "t", "kick admin": "b", "set admin": "t", "mute member": "t", "transfer": "t"}
MUTE_SECONDS = 600


def _cases() -> list[ParameterSet]:
    cases = []
    for operation, row in MATRIX.items():
        for group_type in TYPES:
            for actor, cell in zip(ACTORS, row[group_type], strict=True):
                if cell is NA:
                    continue
                expected, marks = (cell.values[0], cell.marks) if isinstance(cell, ParameterSet) else (cell, ())
                case_id = f"{operation}-{group_type}-{actor}".replace(" ", "_")
                cases.append(pytest.param(operation, group_type, actor, expected, marks=marks, id=case_id))
    return cases


CASES = _cases()


# -- the shared server and one case's cast ------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def matrix_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    """One sqlite server for the whole matrix (cases use their own users and groups)."""
    data_dir: Path = tmp_path_factory.mktemp("matrix")
    config = Config(
        host="127.0.0.1", port=0, data_dir=str(data_dir), sdkappid=SDKAPPID, secret_key=SECRET, log_level="warning"
    )
    running, server, task = await start_in_process(config)
    yield running
    await running.close_clients()
    server.should_exit = True
    await asyncio.wait_for(task, wait(15))


@dataclass
class Case:
    operation: str
    type: str
    actor: str
    expected: str
    users: dict[str, str]  # cast role -> user ID
    group_id: str = ""
    devices: dict[str, list[Client]] = field(default_factory=dict)  # user ID -> logged-in devices

    @property
    def actor_id(self) -> str | None:
        role = ACTOR_ROLE[self.actor]
        return None if role is None else self.users[role]

    @property
    def target_id(self) -> str | None:
        role = TARGET.get(self.operation)
        if role == "t" and "t" not in self.users:  # AVChatRoom: transfer to the registered n
            role = "n"
        return None if role is None else self.users.get(role)


@pytest_asyncio.fixture(loop_scope="module")
async def cases(matrix_server: Running) -> AsyncIterator[list[Case]]:
    """Holds the case of a test; closes its devices afterwards."""
    held: list[Case] = []
    yield held
    for case in held:
        for client in itertools.chain.from_iterable(case.devices.values()):
            await client.close()
            matrix_server.clients.remove(client)


_serial = itertools.count(1)


def admin_ctx(node: Any) -> Ctx:
    return Ctx(node, Actor(user_id="administrator", is_admin=True))


async def stage(server: Running, operation: str, group_type: str, actor: str, expected: str) -> Case:
    """A fresh group of ``group_type`` with its cast registered and logged in."""
    serial = next(_serial)
    users = {role: f"rm{serial}{role}" for role in CAST[group_type]}
    case = Case(operation, group_type, actor, expected, users)
    await accounts.import_accounts(server.node, [Account(user_id=u) for u in users.values()])
    members = [NewMember(user_id=users[r], role=INITIAL_ROLE[r]) for r in CAST[group_type] if r in INITIAL_ROLE]
    created = await OPS[CreateGroup](
        Ctx(server.node, Actor(user_id=users["o"])), CreateGroup(name="Matrix", type=group_type, member_list=members)
    )
    case.group_id = created.group_id
    target = case.target_id
    logins = [(u, u == target) for u in users.values()]
    clients = await asyncio.gather(
        *(server.login(u) for u, _ in logins), *(server.login(u) for u, two in logins if two)
    )
    for client in clients:
        case.devices.setdefault(client.user_id, []).append(client)
    return case


def request_of(case: Case) -> Request:
    gid, target = case.group_id, case.target_id or "-"
    requests: dict[str, Request] = {
        "invite": AddGroupMember(group_id=gid, user_id_list=[target]),
        "apply": JoinGroup(group_id=gid),
        "kick member": DeleteGroupMember(group_id=gid, user_id_list=[target]),
        "kick admin": DeleteGroupMember(group_id=gid, user_id_list=[target]),
        "quit": QuitGroup(group_id=gid),
        "set admin": SetGroupMemberRole(group_id=gid, user_id=target, role="Admin"),
        "mute member": SetGroupMemberMuteTime(group_id=gid, user_id=target, mute_time=MUTE_SECONDS),
        "edit profile": UpdateGroupProfile(group_id=gid, name="Renamed"),
        "mute all": UpdateGroupProfile(group_id=gid, mute_all_members=True),
        "dismiss": DismissGroup(group_id=gid),
        "transfer": ChangeGroupOwner(group_id=gid, new_owner_id=target),
        "get profile": GetGroupProfile(group_id=gid),
        "get member list": GetGroupMemberList(group_id=gid, count=100),
        "set own name card": SetGroupMemberNameCard(group_id=gid, name_card="Card"),
    }
    return requests[case.operation]


async def perform(server: Running, case: Case) -> Any:
    """The op, by the actor's device, or by the app admin through the service layer."""
    request = request_of(case)
    if case.actor_id is None:
        return await OPS[type(request)](admin_ctx(server.node), request)
    return await case.devices[case.actor_id][0].request(request)


# -- what the group looks like ------------------------------------------------------------------


async def snapshot(server: Running, case: Case) -> dict[str, Any] | None:
    """The group as the app admin sees it, and each cast user's pending items for it; None: gone."""
    node, gid = server.node, case.group_id
    try:
        profile = (await OPS[GetGroupProfile](admin_ctx(node), GetGroupProfile(group_id=gid))).group
    except GroupcastError as gone:
        assert gone.code == ErrorCode.GROUP_NOT_FOUND, gone
        return None
    members: dict[str, tuple[str, str, bool]] = {}
    if case.type != "AVChatRoom":
        listed = await OPS[GetGroupMemberList](admin_ctx(node), GetGroupMemberList(group_id=gid, count=100))
        members = {m.user_id: (m.role, m.name_card, m.mute_until > 0) for m in listed.member_list}
    pending = {}
    for user in case.users.values():
        items = await OPS[GetGroupApplicationList](Ctx(node, Actor(user_id=user)), GetGroupApplicationList())
        pending[user] = sorted(
            (a.application_type, a.from_user, a.to_user)
            for a in items.application_list
            if a.group_id == gid and a.handle_status == 0
        )
    return {
        "name": profile.name,
        "owner": profile.owner_id,
        "member count": profile.member_count,
        "mute all": profile.mute_all_members,
        "info seq": profile.info_sequence,
        "members": members,
        "pending": pending,
    }


def expected_state(case: Case, outcome: str, before: dict[str, Any]) -> dict[str, Any] | None:
    """``before`` changed as a successful op changes it (the requirement, written out)."""
    after = copy.deepcopy(before)
    members, actor, target = after["members"], case.actor_id or "", case.target_id or ""
    op = case.operation
    if op == "invite" and outcome == "invited":
        members[target] = ("Member", "", False)
        after["member count"] += 1
    elif op == "invite" and outcome == "asked":
        after["pending"][target].append((1, actor, target))
    elif op == "apply" and outcome == "joined":
        members[actor] = ("Member", "", False)
        after["member count"] += 1
    elif op == "apply" and outcome == "waits":
        for user, (role, _, _) in before["members"].items():
            if role in ("Owner", "Admin"):
                after["pending"][user].append((0, actor, ""))
    elif op in ("kick member", "kick admin"):
        del members[target]
        after["member count"] -= 1
    elif op == "quit":
        if members.pop(actor)[0] == "Owner":
            after["owner"] = ""  # a Work group without owner
        after["member count"] -= 1
    elif op == "set admin":
        members[target] = ("Admin", *members[target][1:])
    elif op == "mute member":
        members[target] = (*members[target][:2], True)
    elif op == "edit profile":
        after["name"] = "Renamed"
    elif op == "mute all":
        after["mute all"] = True
    elif op == "dismiss":
        return None
    elif op == "transfer":
        if members:
            members[before["owner"]] = ("Member", *members[before["owner"]][1:])
            members[target] = ("Owner", *members[target][1:])
        after["owner"] = target
    elif op == "set own name card":
        members[actor] = (members[actor][0], "Card", members[actor][2])
    for user in after["pending"]:
        after["pending"][user].sort()
    return after


def check_result(case: Case, outcome: str, result: Any, before: dict[str, Any]) -> None:
    op, target = case.operation, case.target_id
    if op == "invite":
        added = {"invited": result.success_user_id_list, "asked": result.pending_user_id_list}
        assert added.get(outcome, result.pending_user_id_list) == [target], result
    elif op == "apply":
        status = {"joined": "JoinedSuccess", "waits": "WaitAdminApproval", "already": "AlreadyInGroup"}
        assert result.status == status.get(outcome, "JoinedSuccess"), result
    elif op == "get profile":
        assert (result.group.group_id, result.group.owner_id) == (case.group_id, case.users["o"])
        if case.type != "AVChatRoom":  # a member sees their own membership; others do not
            assert (result.group.self_info is not None) == (case.actor_id in before["members"]), result.group
    elif op == "get member list":
        assert {m.user_id for m in result.member_list} == set(before["members"]), result
        assert result.member_count == before["member count"]


# -- what reached the devices --------------------------------------------------------------------


def tip_detail(case: Case) -> dict[str, Any]:
    """The fields of the tip that say what happened."""
    actor, target = case.actor_id or "", case.target_id or ""
    return {
        "invite": {"user_id_list": [target], "join_type": "Invited"},
        "apply": {"user_id_list": [actor], "join_type": "Apply"},
        "kick member": {"user_id_list": [target]},
        "kick admin": {"user_id_list": [target]},
        "quit": {"user_id_list": [actor]},
        "set admin": {"user_id_list": [target]},
        "mute member": {"member_list": [MemberChange(user_id=target, mute_time=MUTE_SECONDS)]},
        "edit profile": {"new_group_profile": ProfileChange(name="Renamed")},
        "mute all": {"new_group_profile": ProfileChange(mute_all_members=True)},
        "transfer": {"new_group_profile": ProfileChange(owner_id=target)},
        "set own name card": {"member_list": [MemberChange(user_id=actor, name_card="Card")]},
    }[case.operation]


def expected_pushes(
    case: Case, outcome: str | None, before: dict[str, Any], after: dict[str, Any] | None
) -> dict[str, list[tuple[str, int]]]:
    """Per user: the group pushes each of their devices must get, sorted."""
    wanted: dict[str, set[tuple[str, int]]] = {user: set() for user in case.devices}
    if outcome is None:
        return {user: [] for user in wanted}
    tip_type, notices = EVENTS[case.operation][outcome]
    recipients = {
        "target": [case.target_id],
        "actor": [case.actor_id],
        "deciders": [u for u, (role, _, _) in before["members"].items() if role in ("Owner", "Admin")],
        # AVChatRoom stores no members: its owner stands for them (the audience hears it live).
        "members": list(before["members"]) or [before["owner"]],
    }
    for label, kind in notices.items():
        for user in recipients[label]:
            if user in wanted:
                wanted[user].add(("notice", int(kind)))
    if tip_type is not None and after is not None:
        for user in after["members"]:
            if user in wanted:
                wanted[user].add(("tip", int(tip_type)))
    return {user: sorted(pushes) for user, pushes in wanted.items()}


async def received(case: Case) -> dict[str, list[list[GroupSystemNotice | GroupTip]]]:
    """Every group push each device got, after a heartbeat round trip on each (the server
    writes a device's pushes and replies in order, so the heartbeat's reply comes last)."""
    devices = list(itertools.chain.from_iterable(case.devices.values()))
    await asyncio.gather(*(d.heartbeat() for d in devices))
    got: dict[str, list[list[GroupSystemNotice | GroupTip]]] = {}
    for user, clients in case.devices.items():
        got[user] = [[p for p in c.drain_pushes() if isinstance(p, GroupSystemNotice | GroupTip)] for c in clients]
    return got


def check_push_details(case: Case, got: dict[str, list[list[GroupSystemNotice | GroupTip]]]) -> None:
    operator = case.actor_id or ""
    for pushes in itertools.chain.from_iterable(got.values()):
        for push in pushes:
            assert (push.group_id, push.operator_id) == (case.group_id, operator), push
            if isinstance(push, GroupTip):
                detail = tip_detail(case)
                assert {k: getattr(push, k) for k in detail} == detail, push


# -- the matrix ----------------------------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("operation", "group_type", "actor", "expected"), CASES)
async def test_rule_matrix(
    matrix_server: Running, cases: list[Case], operation: str, group_type: str, actor: str, expected: str
) -> None:
    """One cell of the matrix: the op's outcome, the pushes on every device, and the group afterwards."""
    case = await stage(matrix_server, operation, group_type, actor, expected)
    cases.append(case)
    before = await snapshot(matrix_server, case)
    assert before is not None
    try:
        result, refusal = await perform(matrix_server, case), None
    except GroupcastError as error:
        result, refusal = None, error
    refused = expected in ErrorCode.__members__
    if refused:
        assert refusal is not None, f"expected {expected}, got success: {result}"
        assert refusal.code == ErrorCode[expected], f"expected {expected}, got {refusal}"
    else:
        assert refusal is None, f"expected {expected}, got {refusal}"
        check_result(case, expected, result, before)
    if expected == "enters":  # the live room: membership not stored, events not yet specified
        return

    got = await received(case)
    after = await snapshot(matrix_server, case)
    outcome = None if refused else expected
    want = expected_pushes(case, outcome, before, after)
    kinds = {
        user: [
            sorted(("tip" if isinstance(p, GroupTip) else "notice", p.operation_type) for p in pushes) for pushes in per
        ]
        for user, per in got.items()
    }
    assert kinds == {user: [want[user]] * len(per) for user, per in got.items()}
    check_push_details(case, got)

    if refused:
        assert after == before, "a refusal changed the group"
        return
    wanted_state = expected_state(case, expected, before)
    if after is not None and wanted_state is not None:
        assert after["info seq"] >= before["info seq"]
        wanted_state["info seq"] = after["info seq"]
    assert after == wanted_state


def test_table_is_complete() -> None:
    """Every operation lists every group type with one cell per actor, and every success names its events."""
    assert all(set(row) == set(TYPES) for row in MATRIX.values())
    for operation, row in MATRIX.items():
        for cells in row.values():
            assert len(cells) == len(ACTORS)
            for cell in cells:
                value = cell.values[0] if isinstance(cell, ParameterSet) else cell
                assert value is NA or value in ErrorCode.__members__ or value in EVENTS[operation], value
