"""The group system end to end over /ws, on both stores, with several devices per user."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.client import RequestError
from protocol.errors import ErrorCode
from protocol.groups import GroupSystemNotice, GroupTip, NoticeType, TipType
from server import accounts
from server.store import Account

from .conftest import Running, notice, tip, wait


async def refused(code: ErrorCode, call: Any) -> RequestError:
    with pytest.raises(RequestError) as caught:
        await call
    assert caught.value.code == code, caught.value
    return caught.value


async def register(server: Running, *users: str) -> None:
    await accounts.import_accounts(server.node, [Account(user_id=u, nick=u.title()) for u in users])


async def test_create_syncs_devices_and_lists(server: Running) -> None:
    """Creating a group tells the creator's other devices; members see it in their list
    with their own membership; a Work profile is for members only."""
    phone = await server.login("alice", "phone")
    laptop = await server.login("alice", "laptop")
    await register(server, "bob", "carol")
    created = await phone.create_group("Project X", "Work", member_list=[{"userID": "bob"}])
    gid = created.group_id
    assert gid.startswith("@TGS#1") and created.group.type == "Private"
    assert created.group.self_info is not None and created.group.self_info.role == "Owner"
    for device in (laptop, phone):  # every device keeps the same notice sequence
        sync = await notice(device, NoticeType.CREATED)
        assert sync.group_id == gid and sync.group_name == "Project X"

    bob = await server.login("bob")
    listed = await bob.get_group_list()
    assert [g.group_id for g in listed.group_list] == [gid] and listed.total == 1
    assert listed.group_list[0].self_info is not None and listed.group_list[0].self_info.role == "Member"
    assert (await bob.get_group_profile(gid)).member_count == 2
    carol = await server.login("carol")
    await refused(ErrorCode.NO_PERMISSION, carol.get_group_profile(gid))
    await refused(ErrorCode.GROUP_NOT_FOUND, carol.get_group_profile("@TGS#1NOSUCHGRP"))


async def test_create_validation(serve: Any, backend: str) -> None:
    """Bad names, IDs, types, members and fields are refused with their codes, creating nothing."""
    server = await serve(backend, group_custom_fields="level,topic")
    alice = await server.login("alice")
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("x" * 31, "Public"))
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("é" * 16, "Public"))  # 32 bytes
    await alice.create_group("é" * 15, "Public")  # 30 bytes
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("   ", "Public"))
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("ok", "Public", introduction="i" * 241))
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("ok", "Public", notification="n" * 301))
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("ok", "Public", avatar="a" * 101))
    await refused(ErrorCode.INVALID_GROUP_ID, alice.create_group("ok", "Public", group_id="@TGS#mine"))
    await refused(ErrorCode.INVALID_GROUP_ID, alice.create_group("ok", "Public", group_id="x" * 49))
    await refused(ErrorCode.INVALID_GROUP_ID, alice.create_group("ok", "Public", group_id="tab\there"))
    await refused(ErrorCode.INVALID_GROUP_ID, alice.create_group("ok", "Community", group_id="club"))
    assert (await alice.create_group("ok", "Community", group_id="@TGS#_club")).group_id == "@TGS#_club"
    await refused(ErrorCode.USER_NOT_FOUND, alice.create_group("ok", "Public", member_list=[{"userID": "ghost"}]))
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("ok", "Work", join_option="FreeAccess"))
    await refused(ErrorCode.NO_PERMISSION, alice.create_group("ok", "AVChatRoom", member_list=[{"userID": "alice2"}]))
    fields = [{"key": "rank", "value": "1"}]
    await refused(ErrorCode.INVALID_PARAMETER, alice.create_group("ok", "Public", group_custom_field=fields))
    with_fields = await alice.create_group("ok", "Public", group_custom_field=[{"key": "level", "value": "7"}])
    profile = await alice.get_group_profile(with_fields.group_id, ["level"])
    assert [(f.key, f.value) for f in profile.group_custom_field] == [("level", "7")]
    assert (await alice.get_group_profile(with_fields.group_id)).group_custom_field == []
    mine = await alice.create_group("mine", "Public", group_id="my-club")
    await refused(ErrorCode.GROUP_ID_OWNED, alice.create_group("again", "Public", group_id=mine.group_id))
    bob = await server.login("bob")
    await refused(ErrorCode.GROUP_ID_TAKEN, bob.create_group("again", "Public", group_id=mine.group_id))
    assert (await alice.create_group("legacy", "ChatRoom")).group.type == "ChatRoom"
    assert (await alice.create_group("meeting", "Meeting")).group.type == "ChatRoom"


async def test_daily_creation_cap(serve: Any, backend: str) -> None:
    """Past the daily net creation cap creation is refused with 10006; a dismissal frees a slot."""
    server = await serve(backend, daily_group_limit=2)
    alice = await server.login("alice")
    first = await alice.create_group("one", "Public")
    await alice.create_group("two", "Public")
    await refused(ErrorCode.RATE_LIMITED, alice.create_group("three", "Public"))
    await alice.dismiss_group(first.group_id)
    await alice.create_group("three", "Public")


async def test_apply_with_approval(server: Running) -> None:
    """An application to a NeedPermission group reaches the owner and admins (all their
    devices); the first decision wins; the applicant hears it; members get a join tip."""
    owner_phone = await server.login("olga", "phone")
    owner_web = await server.login("olga", "web")
    await register(server, "adam")
    gid = (
        await owner_phone.create_group("Readers", "Public", member_list=[{"userID": "adam", "role": "Admin"}])
    ).group_id
    adam = await server.login("adam")
    pete = await server.login("pete", "phone")
    pete_web = await server.login("pete", "web")

    result = await pete.join_group(gid, "let me in")
    assert result.status == "WaitAdminApproval"
    assert (await pete.join_group(gid)).status == "WaitAdminApproval"  # no second application
    for device in (owner_phone, owner_web, adam):
        request = await notice(device, NoticeType.JOIN_REQUEST)
        assert (request.group_id, request.operator_id, request.handle_message) == (gid, "pete", "let me in")
    pending = await adam.get_group_application_list()
    assert pending.unread_count == 1 and len(pending.application_list) == 1
    item = pending.application_list[0]
    assert (item.from_user, item.application_type, item.handle_status, item.request_msg) == ("pete", 0, 0, "let me in")
    await adam.set_group_application_read()
    assert (await adam.get_group_application_list()).unread_count == 0

    await adam.handle_group_application(item.application_id, True, "welcome")
    await refused(ErrorCode.ALREADY_HANDLED, owner_phone.handle_group_application(item.application_id, False))
    for device in (pete, pete_web):
        accepted = await notice(device, NoticeType.JOIN_ACCEPTED)
        assert (accepted.operator_id, accepted.handle_message) == ("adam", "welcome")
    for device in (owner_phone, adam, pete):
        joined = await tip(device, TipType.MEMBER_JOIN)
        assert (joined.user_id_list, joined.join_type, joined.member_count) == (["pete"], "Apply", 3)
    handled = (await owner_phone.get_group_application_list()).application_list[0]
    assert (handled.handle_status, handled.handle_result) == (1, 1)
    assert (await adam.get_group_application_list()).application_list[0].handle_status == 2

    quinn = await server.login("quinn")
    await quinn.join_group(gid)
    app_id = (await notice(adam, NoticeType.JOIN_REQUEST)).application_id
    await owner_phone.handle_group_application(app_id, False, "not now")
    refusal = await notice(quinn, NoticeType.JOIN_REFUSED)
    assert refusal.handle_message == "not now"
    await refused(ErrorCode.NO_PERMISSION, quinn.get_group_member_list(gid))
    await refused(ErrorCode.NO_PERMISSION, pete.handle_group_application(app_id, True))


async def test_join_options_and_types(server: Running) -> None:
    """FreeAccess joins at once, DisableApply refuses, Work refuses applications,
    Community joins at once whatever; joining twice says AlreadyInGroup."""
    owner = await server.login("owen")
    public = (await owner.create_group("free", "Public", join_option="FreeAccess")).group_id
    closed = (await owner.create_group("closed", "Public", join_option="DisableApply")).group_id
    work = (await owner.create_group("work", "Work")).group_id
    community = (await owner.create_group("club", "Community")).group_id
    meeting = (await owner.create_group("meet", "Meeting")).group_id
    joe = await server.login("joe")
    assert (await joe.join_group(public)).status == "JoinedSuccess"
    assert (await tip(owner, TipType.MEMBER_JOIN)).user_id_list == ["joe"]
    assert (await joe.join_group(public)).status == "AlreadyInGroup"
    await refused(ErrorCode.NO_PERMISSION, joe.join_group(closed))
    await refused(ErrorCode.NO_PERMISSION, joe.join_group(work))
    assert (await joe.join_group(community)).status == "JoinedSuccess"
    assert (await joe.join_group(meeting)).status == "JoinedSuccess"
    assert sorted(g.group_id for g in (await joe.get_group_list()).group_list) == sorted([public, community, meeting])
    meeting_self = (await joe.get_group_profile(meeting)).self_info
    assert meeting_self is not None and meeting_self.message_remind_type == "AcceptNotNotify"


async def test_work_invitation_needs_consent(server: Running) -> None:
    """In Work a member's invitation waits for the invitee: accepting joins (inviter told,
    members get a join tip), refusing tells the inviter."""
    await register(server, "mia")
    owner = await server.login("wendy")
    gid = (await owner.create_group("Team", "Work", member_list=[{"userID": "mia"}])).group_id
    mia = await server.login("mia")
    ivan_phone = await server.login("ivan", "phone")
    ivan_web = await server.login("ivan", "web")
    result = await mia.add_group_member(gid, ["ivan", "nobody-here"])
    assert (result.pending_user_id_list, result.failure_user_id_list) == (["ivan"], ["nobody-here"])
    for device in (ivan_phone, ivan_web):
        invite = await notice(device, NoticeType.INVITE_REQUEST)
        assert (invite.operator_id, invite.group_id) == ("mia", gid)
    item = (await ivan_web.get_group_application_list()).application_list[0]
    assert (item.application_type, item.from_user, item.to_user) == (1, "mia", "ivan")
    await refused(ErrorCode.NO_PERMISSION, owner.handle_group_application(item.application_id, True))
    await ivan_phone.handle_group_application(item.application_id, True)
    assert (await notice(mia, NoticeType.INVITE_ACCEPTED)).operator_id == "ivan"
    joined = await tip(owner, TipType.MEMBER_JOIN)
    assert (joined.user_id_list, joined.join_type, joined.operator_id) == (["ivan"], "Invited", "mia")
    assert (await ivan_web.get_group_profile(gid)).member_count == 3

    zoe = await server.login("zoe")
    await owner.add_group_member(gid, ["zoe"])
    app_id = (await notice(zoe, NoticeType.INVITE_REQUEST)).application_id
    await zoe.handle_group_application(app_id, False, "no thanks")
    assert (await notice(owner, NoticeType.INVITE_REFUSED)).handle_message == "no thanks"
    await refused(ErrorCode.NO_PERMISSION, zoe.get_group_profile(gid))


async def test_direct_invitations(server: Running) -> None:
    """Community members add people directly (notice 7, join tip "Invited"); in Public
    only the app admin may invite."""
    owner = await server.login("cora")
    club = (await owner.create_group("club", "Community")).group_id
    nina = await server.login("nina")
    result = await owner.add_group_member(club, ["nina", "cora"])
    assert (result.success_user_id_list, result.existed_user_id_list) == (["nina"], ["cora"])
    assert (await notice(nina, NoticeType.INVITED)).operator_id == "cora"
    joined = await tip(nina, TipType.MEMBER_JOIN)
    assert (joined.join_type, joined.user_id_list) == ("Invited", ["nina"])
    public = (await owner.create_group("pub", "Public")).group_id
    await refused(ErrorCode.NO_PERMISSION, owner.add_group_member(public, ["nina"]))


async def test_kick_and_quit(server: Running) -> None:
    """A kicked user hears it on every device and the others get a tip; admins cannot
    kick the owner or admins; a quitter hears it, the others get a tip; a Public owner
    cannot quit."""
    await register(server, "amy", "max", "sam")
    owner = await server.login("kim")
    members = [{"userID": "amy", "role": "Admin"}, {"userID": "max"}, {"userID": "sam"}]
    gid = (await owner.create_group("Club", "Public", member_list=members)).group_id
    amy = await server.login("amy")
    max_phone = await server.login("max", "phone")
    max_web = await server.login("max", "web")
    sam = await server.login("sam")

    await refused(ErrorCode.NO_PERMISSION, sam.delete_group_member(gid, ["max"]))
    await refused(ErrorCode.NO_PERMISSION, amy.delete_group_member(gid, ["kim"]))
    await refused(ErrorCode.INVALID_PARAMETER, amy.delete_group_member(gid, ["max", "stranger"]))
    await amy.delete_group_member(gid, ["max"], "spam")
    for device in (max_phone, max_web):
        kicked = await notice(device, NoticeType.KICKED)
        assert (kicked.operator_id, kicked.handle_message) == ("amy", "spam")
    for device in (owner, sam):
        gone = await tip(device, TipType.MEMBER_KICKED)
        assert (gone.user_id_list, gone.member_count) == (["max"], 3)
    await max_web.heartbeat()  # the tip went to every local member at once: a round trip is a fence
    assert not [p for p in max_web.drain_pushes() if isinstance(p, GroupTip)]

    await sam.quit_group(gid)
    assert (await notice(sam, NoticeType.QUIT)).group_id == gid
    assert (await tip(amy, TipType.MEMBER_QUIT)).user_id_list == ["sam"]
    await refused(ErrorCode.NO_PERMISSION, sam.quit_group(gid))
    await refused(ErrorCode.OWNER_CANNOT_QUIT, owner.quit_group(gid))

    work = (await owner.create_group("Work", "Work", member_list=[{"userID": "amy"}])).group_id
    await owner.quit_group(work)
    assert (await amy.get_group_profile(work)).owner_id == ""


async def test_dismiss(server: Running) -> None:
    """Dismissing tells every member on every device and deletes the group; Work groups
    cannot be dismissed over WebSocket; only the owner dismisses."""
    await register(server, "bea", "cal")
    owner = await server.login("dora")
    gid = (await owner.create_group("Temp", "Meeting", member_list=[{"userID": "bea"}, {"userID": "cal"}])).group_id
    bea = await server.login("bea")
    cal_phone = await server.login("cal", "phone")
    cal_web = await server.login("cal", "web")
    await refused(ErrorCode.NO_PERMISSION, bea.dismiss_group(gid))
    await owner.dismiss_group(gid)
    for device in (owner, bea, cal_phone, cal_web):
        dismissed = await notice(device, NoticeType.DISMISSED)
        assert (dismissed.group_id, dismissed.group_name, dismissed.operator_id) == (gid, "Temp", "dora")
    await refused(ErrorCode.GROUP_NOT_FOUND, bea.get_group_profile(gid))
    assert (await bea.get_group_list()).total == 0
    work = (await owner.create_group("Work", "Work", member_list=[{"userID": "bea"}])).group_id
    await refused(ErrorCode.NO_PERMISSION, owner.dismiss_group(work))


async def test_profile_changes(serve: Any, backend: str) -> None:
    """Profile edits follow the type's permissions and reach the members as tips."""
    server = await serve(backend, group_custom_fields="topic")
    await register(server, "ann", "ben")
    owner = await server.login("eva")
    gid = (
        await owner.create_group("Pub", "Public", member_list=[{"userID": "ann", "role": "Admin"}, {"userID": "ben"}])
    ).group_id
    ann = await server.login("ann")
    ben = await server.login("ben")
    await refused(ErrorCode.NO_PERMISSION, ben.update_group_profile(gid, name="mine"))
    profile = await ann.update_group_profile(gid, name="Renamed", notification="hello", mute_all_members=True)
    assert (profile.name, profile.notification, profile.mute_all_members) == ("Renamed", "hello", True)
    changed = await tip(ben, TipType.GROUP_PROFILE_UPDATED)
    assert changed.new_group_profile is not None
    assert (changed.new_group_profile.name, changed.new_group_profile.introduction) == ("Renamed", None)
    assert changed.operator_id == "ann"
    await refused(ErrorCode.INVALID_PARAMETER, ann.update_group_profile(gid, name="n" * 31))
    await refused(ErrorCode.INVALID_PARAMETER, ann.update_group_profile(gid))
    await refused(
        ErrorCode.INVALID_PARAMETER, ann.update_group_profile(gid, group_custom_field=[{"key": "x", "value": "1"}])
    )
    await ann.update_group_profile(gid, group_custom_field=[{"key": "topic", "value": "books"}])
    assert (await tip(ben, TipType.GROUP_PROFILE_UPDATED)).new_group_profile.group_custom_field[0].value == "books"  # type: ignore[union-attr]
    assert (await ben.get_group_profile(gid)).info_sequence >= 2

    work = (await owner.create_group("W", "Work", member_list=[{"userID": "ben"}])).group_id
    await ben.update_group_profile(work, introduction="anyone edits a Work profile")
    await refused(ErrorCode.NO_PERMISSION, ben.update_group_profile(work, mute_all_members=True))
    await refused(ErrorCode.INVALID_PARAMETER, owner.update_group_profile(work, join_option="FreeAccess"))

    ann.drain_pushes()
    await owner.change_group_owner(gid, "ben")
    assert (await tip(ann, TipType.GROUP_PROFILE_UPDATED)).new_group_profile.owner_id == "ben"  # type: ignore[union-attr]
    assert (await ben.get_group_profile(gid)).self_info.role == "Owner"  # type: ignore[union-attr]
    assert (await owner.get_group_profile(gid)).self_info.role == "Member"  # type: ignore[union-attr]
    await refused(ErrorCode.NO_PERMISSION, owner.change_group_owner(gid, "eva"))


async def test_member_management(serve: Any, backend: str) -> None:
    """Roles, mutes, name cards, custom fields and the receive option, each with its
    permission and its tip or notice."""
    server = await serve(backend, member_custom_fields="title")
    await register(server, "abe", "bo", "cy")
    owner = await server.login("own")
    gid = (
        await owner.create_group("G", "Public", member_list=[{"userID": "abe"}, {"userID": "bo"}, {"userID": "cy"}])
    ).group_id
    abe = await server.login("abe")
    bo_phone = await server.login("bo", "phone")
    bo_web = await server.login("bo", "web")

    await refused(ErrorCode.NO_PERMISSION, abe.set_group_member_role(gid, "bo", "Admin"))
    await owner.set_group_member_role(gid, "abe", "Admin")
    assert (await notice(abe, NoticeType.SET_ADMIN)).operator_id == "own"
    assert (await tip(bo_phone, TipType.SET_ADMIN)).user_id_list == ["abe"]
    await refused(ErrorCode.NO_PERMISSION, owner.set_group_member_role(gid, "own", "Member"))

    await abe.set_group_member_mute_time(gid, "bo", 600)
    muted = await tip(bo_web, TipType.MEMBER_PROFILE_UPDATED)
    assert muted.member_list[0].user_id == "bo" and muted.member_list[0].mute_time == 600
    bo_profile = (await abe.get_group_member_profile(gid, ["bo"]))[0]
    assert bo_profile.mute_until > 0 and bo_profile.nick == "Bo"
    await refused(ErrorCode.NO_PERMISSION, abe.set_group_member_mute_time(gid, "own", 60))
    await refused(ErrorCode.NO_PERMISSION, bo_phone.set_group_member_mute_time(gid, "cy", 60))

    await bo_phone.set_group_member_name_card(gid, "Bobby")
    await refused(ErrorCode.NO_PERMISSION, bo_phone.set_group_member_name_card(gid, "X", user_id="cy"))
    await abe.set_group_member_name_card(gid, "C", user_id="cy")
    await refused(ErrorCode.INVALID_PARAMETER, bo_phone.set_group_member_name_card(gid, "n" * 51))
    await bo_phone.set_group_member_custom_field(gid, {"title": "reader"})
    await refused(ErrorCode.INVALID_PARAMETER, bo_phone.set_group_member_custom_field(gid, {"nope": "1"}))
    await refused(ErrorCode.INVALID_PARAMETER, bo_phone.set_group_member_custom_field(gid, {"title": "t" * 65}))
    bo = (await owner.get_group_member_profile(gid, ["bo"], ["title"]))[0]
    assert (bo.name_card, bo.member_custom_field[0].value, bo.message_remind_type) == ("Bobby", "reader", None)

    await bo_phone.set_message_remind_type(gid, "Discard")
    assert (await notice(bo_web, NoticeType.REMIND_TYPE_CHANGED)).message_remind_type == "Discard"
    mine = (await bo_web.get_group_member_profile(gid, ["bo"]))[0]
    assert mine.message_remind_type == "Discard"

    page = await owner.get_group_member_list(gid, 0, 2)
    rest = await owner.get_group_member_list(gid, page.next_offset, 2)
    assert page.member_count == 4 and page.next_offset == 2 and rest.next_offset == 0
    assert len({m.user_id for m in page.member_list + rest.member_list}) == 4


async def test_group_full_and_groups_per_user(serve: Any, backend: str) -> None:
    """A full group refuses joins (10014); a user at the groups-per-user limit cannot join (10037)."""
    server = await serve(backend, max_groups_per_user=2)
    owner = await server.login("ola")
    small = (await owner.create_group("small", "Public", join_option="FreeAccess", max_member_num=2)).group_id
    joiner = await server.login("jo")
    await joiner.join_group(small)
    late = await server.login("late")
    await refused(ErrorCode.GROUP_FULL, late.join_group(small))
    other = (await owner.create_group("other", "Public", join_option="FreeAccess")).group_id
    await refused(ErrorCode.TOO_MANY_GROUPS, owner.create_group("third", "Public"))
    await joiner.join_group(other)
    third = (await late.create_group("third", "Public", join_option="FreeAccess")).group_id
    await refused(ErrorCode.TOO_MANY_GROUPS, joiner.join_group(third))


async def test_offline_device_catches_up(server: Running) -> None:
    """A device drops, three things happen to its user, and on reconnect it sees exactly
    those three notices, in order, once."""
    await register(server, "uma")
    owner = await server.login("oz")
    gid = (await owner.create_group("G", "Public", member_list=[{"userID": "uma"}])).group_id
    other = (await owner.create_group("H", "Public", member_list=[{"userID": "uma"}])).group_id
    phone = await server.login("uma", "phone")
    tablet = server.client("uma", "tablet")
    await tablet.connect()
    await tablet.close()  # the tablet goes offline, remembering its notice_seq

    await owner.set_group_member_role(gid, "uma", "Admin")
    await owner.set_group_member_role(gid, "uma", "Member")
    await owner.delete_group_member(other, ["uma"])
    live = [await phone.next_push(GroupSystemNotice, timeout=wait(5)) for _ in range(3)]

    back = server.client("uma", "tablet", notice_seq=tablet.notice_seq)
    await back.connect()  # which has synced the missed notices
    await back.heartbeat()  # and anything the server pushed since has arrived
    caught_up = [p for p in back.drain_pushes() if isinstance(p, GroupSystemNotice)]
    assert [n.operation_type for n in caught_up] == [NoticeType.SET_ADMIN, NoticeType.CANCELED_ADMIN, NoticeType.KICKED]
    assert [n.seq for n in caught_up] == [n.seq for n in live]
    assert caught_up[2].group_id == other


async def test_gap_in_live_notices_is_filled(server: Running) -> None:
    """A client that sees a notice skip a number fetches the gap, and nothing twice."""
    await register(server, "vic")
    owner = await server.login("wes")
    gid = (await owner.create_group("G", "Public", member_list=[{"userID": "vic"}])).group_id
    vic = await server.login("vic")
    await owner.set_group_member_role(gid, "vic", "Admin")
    await owner.set_group_member_role(gid, "vic", "Member")
    first = [await vic.next_push(GroupSystemNotice, timeout=wait(5)) for _ in range(2)]
    vic.notice_seq = first[0].seq - 1  # as if both had been lost on the way
    await owner.set_group_member_role(gid, "vic", "Admin")
    again = [await vic.next_push(GroupSystemNotice, timeout=wait(5)) for _ in range(3)]
    assert [n.seq for n in again] == [first[0].seq, first[1].seq, first[1].seq + 1]
    await vic.heartbeat()  # anything pushed before has arrived
    assert not [p for p in vic.drain_pushes() if isinstance(p, GroupSystemNotice)]


async def test_avchatroom_owner_manages_the_room(server: Running) -> None:
    """The AVChatRoom owner, known by ownerID alone, edits, transfers and dismisses;
    anyone may invite (the invitee is only told); member records do not exist."""
    await register(server, "heir")
    owner = await server.login("host")
    room = await owner.create_group("Live", "AVChatRoom")
    gid = room.group_id
    assert gid.startswith("@TGS#a") and room.group.member_count == 0 and room.group.owner_id == "host"
    assert (await owner.update_group_profile(gid, notification="on air")).notification == "on air"
    viewer = await server.login("viewer")
    await refused(ErrorCode.NO_PERMISSION, viewer.update_group_profile(gid, name="mine"))
    assert (await viewer.get_group_profile(gid)).name == "Live"  # public profile
    invited = await viewer.add_group_member(gid, ["heir", "ghost"])
    assert (invited.pending_user_id_list, invited.failure_user_id_list) == (["heir"], ["ghost"])
    heir = await server.login("heir")
    await refused(ErrorCode.NO_PERMISSION, heir.get_group_member_list(gid))
    await owner.change_group_owner(gid, "heir")
    assert (await heir.get_group_profile(gid)).owner_id == "heir"
    await refused(ErrorCode.NO_PERMISSION, owner.dismiss_group(gid))
    await heir.dismiss_group(gid)
    await refused(ErrorCode.GROUP_NOT_FOUND, heir.get_group_profile(gid))
