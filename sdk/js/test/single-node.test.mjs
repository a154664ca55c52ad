// groupcast-chat against one real groupcast node (embedded store): the Tencent-shaped API,
// its events and its refusals, as an app sees them.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import GroupcastChat, { ChatError, SDK_ERROR } from "../dist/index.js";
import {
  EVENT,
  TYPES,
  chat,
  cuttableWebSocket,
  destroyAll,
  inbox,
  next,
  online,
  startNode,
  texts,
  userSig,
} from "./helpers.mjs";

let node;
let unique = 0;
const id = (name) => `${name}${++unique}x${process.pid}`; // fresh users and groups per test

before(async () => {
  node = await startNode();
});

after(async () => {
  await destroyAll();
  await node.cleanup();
});

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

describe("names and values", () => {
  test("EVENT and TYPES carry Tencent's string values; default and named exports agree", async () => {
    const { GroupcastChat: named, EVENT: E, TYPES: T } = await import("../dist/index.js");
    assert.equal(named, GroupcastChat);
    assert.equal(E, GroupcastChat.EVENT);
    assert.equal(T.GRP_WORK, "Private");
    assert.equal(T.GRP_MEETING, "ChatRoom");
    assert.equal(T.GRP_COMMUNITY, "Community");
    assert.equal(T.MSG_GRP_SYS_NOTICE, "TIMGroupSystemNoticeElem");
    assert.equal(T.CONV_GROUP, "GROUP");
    assert.equal(T.NET_STATE_CONNECTED, "connected");
    assert.equal(E.SDK_READY, "sdkStateReady");
    assert.equal(E.MESSAGE_RECEIVED, "onMessageReceived");
    assert.equal(E.GROUP_LIST_UPDATED, "onGroupListUpdated");
    assert.equal(E.KICKED_OUT, "kickedOut");
  });

  test("create() refuses what cannot work, saying why", () => {
    assert.throws(() => GroupcastChat.create({ SDKAppID: 1 }), /url/);
    assert.throws(() => GroupcastChat.create({ url: node.url }), /SDKAppID/);
    assert.throws(() => GroupcastChat.create({ SDKAppID: 1, url: node.url, codec: "xml" }), /codec/);
    if (globalThis.WebSocket === undefined) {
      // Node 20: no global WebSocket, so the app passes one (the `ws` package's)
      assert.throws(() => GroupcastChat.create({ SDKAppID: 1, url: node.url }), /WebSocket/);
    }
  });
});

describe("login", () => {
  test("login connects, tells NET_STATE_CHANGE and SDK_READY, and resolves {code: 0}", async () => {
    const user = id("ann");
    const instance = chat({ url: node.url });
    const states = [];
    instance.on(EVENT.NET_STATE_CHANGE, (e) => states.push(e.data.state));
    const ready = next(instance, EVENT.SDK_READY);
    const result = await instance.login({ userID: user, userSig: userSig(user) });
    assert.deepEqual(result, { code: 0, data: { repeatLogin: false } });
    await ready;
    assert.equal(instance.isReady(), true);
    assert.equal(instance.getLoginUser(), user);
    assert.deepEqual(states, [TYPES.NET_STATE_CONNECTING, TYPES.NET_STATE_CONNECTED]);
    assert.deepEqual(await instance.login({ userID: user, userSig: userSig(user) }), {
      code: 0,
      data: { repeatLogin: true },
    });
    await instance.logout();
    assert.equal(instance.isReady(), false);
    const refused = await rejection(instance.getGroupList());
    assert.equal(refused.code, SDK_ERROR.NOT_LOGGED_IN);
  });

  test("a bad UserSig is refused with the server's code and message; nothing stays connected", async () => {
    const user = id("bad");
    const instance = chat({ url: node.url });
    const error = await rejection(instance.login({ userID: user, userSig: userSig(user, { secret: "other" }) }));
    assert.ok(error instanceof ChatError);
    assert.equal(error.code, 70009);
    assert.match(error.message, /signature/);
    assert.equal(instance.isReady(), false);
    const expired = await rejection(instance.login({ userID: user, userSig: userSig("someone-else") }));
    assert.equal(expired.code, 70013);
  });

  test("two instances of one user are two devices; the same deviceID takes over (KICKED_OUT)", async () => {
    const user = id("dev");
    const first = await online(user, { url: node.url });
    const second = await online(user, { url: node.url });
    assert.notEqual(first.deviceID, second.deviceID);
    assert.equal((await first.getGroupList()).code, 0); // still online
    const kicked = next(first, EVENT.KICKED_OUT);
    const notReady = next(first, EVENT.SDK_NOT_READY);
    await online(user, { url: node.url, deviceID: first.deviceID });
    assert.deepEqual(await kicked, { type: TYPES.KICKED_OUT_MULT_DEVICE });
    await notReady;
    assert.equal(first.isReady(), false);
    assert.equal((await second.getGroupList()).code, 0);
  });
});

describe("groups and messages", () => {
  test("members added at creation see GROUP_LIST_UPDATED, then chat in Tencent's shapes, all four kinds", async () => {
    const [alice, bob] = [id("alice"), id("bob")];
    const a = await online(alice, { url: node.url });
    const aPhone = await online(alice, { url: node.url });
    const b = await online(bob, { url: node.url, codec: "msgpack" });
    const bList = next(b, EVENT.GROUP_LIST_UPDATED, (list) => list.length === 1);
    const phoneList = next(aPhone, EVENT.GROUP_LIST_UPDATED, (list) => list.length === 1);
    const created = await a.createGroup({
      name: "Trip",
      type: TYPES.GRP_WORK,
      memberList: [{ userID: bob }],
    });
    assert.equal(created.code, 0);
    const group = created.data.group;
    assert.equal(group.type, TYPES.GRP_WORK);
    assert.equal(group.selfInfo.role, TYPES.GRP_MBR_ROLE_OWNER);
    const [listed] = await bList;
    assert.equal(listed.groupID, group.groupID);
    assert.equal(listed.selfInfo.role, TYPES.GRP_MBR_ROLE_MEMBER);
    assert.equal((await phoneList)[0].groupID, group.groupID);

    const bInbox = inbox(b);
    const phoneInbox = inbox(aPhone);
    const sent = [];
    for (const message of [
      a.createTextMessage({ to: group.groupID, conversationType: TYPES.CONV_GROUP, payload: { text: "hello" } }),
      a.createCustomMessage({
        to: group.groupID,
        conversationType: TYPES.CONV_GROUP,
        payload: { data: '{"poll":1}', description: "poll", extension: "x" },
      }),
      a.createFaceMessage({ to: group.groupID, conversationType: TYPES.CONV_GROUP, payload: { index: 3, data: "smile" } }),
      a.createLocationMessage({
        to: group.groupID,
        conversationType: TYPES.CONV_GROUP,
        payload: { description: "here", latitude: 48.8584, longitude: 2.2945 },
        cloudCustomData: "meta",
      }),
    ]) {
      assert.equal(message.status, "unSend");
      const result = await a.sendMessage(message);
      assert.equal(result.code, 0);
      assert.equal(result.data.message.status, "success");
      sent.push(result.data.message);
    }
    assert.deepEqual(
      sent.map((m) => m.sequence),
      [1, 2, 3, 4],
    );
    const got = await bInbox.until(4, (m) => m.to === group.groupID);
    assert.deepEqual(
      got.map((m) => [m.ID, m.type, m.payload, m.flow, m.from, m.conversationID, m.sequence]),
      sent.map((m) => [m.ID, m.type, m.payload, "in", alice, `GROUP${group.groupID}`, m.sequence]),
    );
    assert.deepEqual(got[1].payload, { data: '{"poll":1}', description: "poll", extension: "x" });
    assert.deepEqual(got[3].payload, { description: "here", latitude: 48.8584, longitude: 2.2945 });
    assert.equal(got[3].cloudCustomData, "meta");
    // alice's other device gets her messages too, as sent by her
    const mine = await phoneInbox.until(4, (m) => m.to === group.groupID);
    assert.deepEqual(
      mine.map((m) => m.flow),
      ["out", "out", "out", "out"],
    );
  });

  test("getMessageList pages back 15 at a time with nextReqMessageID until isCompleted", async () => {
    const alice = id("alice");
    const a = await online(alice, { url: node.url });
    const { group } = (await a.createGroup({ name: "Log", type: TYPES.GRP_COMMUNITY })).data;
    for (let i = 1; i <= 20; i++) {
      await a.sendMessage(a.createTextMessage({ to: group.groupID, conversationType: "GROUP", payload: { text: `m${i}` } }));
    }
    const conversationID = `GROUP${group.groupID}`;
    const first = (await a.getMessageList({ conversationID })).data;
    assert.deepEqual(texts(first.messageList, group.groupID), Array.from({ length: 15 }, (_, i) => `m${i + 6}`));
    assert.equal(first.isCompleted, false);
    assert.equal(first.nextReqMessageID, first.messageList[0].ID);
    const second = (await a.getMessageList({ conversationID, nextReqMessageID: first.nextReqMessageID })).data;
    assert.deepEqual(texts(second.messageList, group.groupID), ["m1", "m2", "m3", "m4", "m5"]);
    assert.equal(second.isCompleted, true);
    assert.equal((await rejection(a.getMessageList({ conversationID: "C2Cbob" }))).code, SDK_ERROR.UNSUPPORTED);
    assert.equal(
      (await rejection(a.getMessageList({ conversationID, nextReqMessageID: "nope" }))).code,
      SDK_ERROR.INVALID_ARGUMENT,
    );
  });

  test("revokeMessage: MESSAGE_REVOKED reaches the others with isRevoked; a refusal keeps its code", async () => {
    const [alice, bob] = [id("alice"), id("bob")];
    const a = await online(alice, { url: node.url });
    const b = await online(bob, { url: node.url });
    const { group } = (
      await a.createGroup({ name: "Oops", type: TYPES.GRP_PUBLIC, memberList: [{ userID: bob }] })
    ).data;
    const bInbox = inbox(b);
    const { message } = (
      await a.sendMessage(a.createTextMessage({ to: group.groupID, conversationType: "GROUP", payload: { text: "typo" } }))
    ).data;
    const [received] = await bInbox.until(1, (m) => m.to === group.groupID);
    const revoked = next(b, EVENT.MESSAGE_REVOKED);
    assert.equal((await a.revokeMessage(message)).data.message.isRevoked, true);
    const [gone] = await revoked;
    assert.equal(gone.ID, received.ID);
    assert.equal(gone.isRevoked, true);
    assert.equal(gone.revoker, alice);
    const refused = await rejection(b.revokeMessage(received)); // not bob's, and bob is no admin
    assert.equal(refused.code, 10007);
  });

  test("applications: a join request reaches the owner as a system notice; Agree lets the applicant in", async () => {
    const [owner, carol] = [id("owner"), id("carol")];
    const o = await online(owner, { url: node.url });
    const c = await online(carol, { url: node.url });
    const { group } = (
      await o.createGroup({ name: "Club", type: TYPES.GRP_PUBLIC, joinOption: TYPES.JOIN_OPTIONS_NEED_PERMISSION })
    ).data;
    const oInbox = inbox(o);
    const joined = await c.joinGroup({ groupID: group.groupID, applyMessage: "let me in" });
    assert.equal(joined.data.status, TYPES.JOIN_STATUS_WAIT_APPROVAL);
    const [request] = await oInbox.until(1, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && m.payload.operationType === 1);
    assert.equal(request.conversationID, TYPES.CONV_SYSTEM);
    assert.equal(request.payload.groupProfile.groupID, group.groupID);
    assert.equal(request.payload.operatorID, carol);
    assert.equal(request.payload.handleMessage, "let me in");
    const pending = (await o.getGroupApplicationList()).data.applicationList;
    assert.equal(pending[0].fromUser, carol);

    const cList = next(c, EVENT.GROUP_LIST_UPDATED, (list) => list.some((g) => g.groupID === group.groupID));
    const cInbox = inbox(c);
    await o.handleGroupApplication({ handleAction: "Agree", handleMessage: "welcome", message: request });
    await cList;
    const [accepted] = await cInbox.until(1, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE && m.payload.operationType === 2);
    assert.equal(accepted.payload.handleMessage, "welcome");
    const [tip] = await oInbox.until(1, (m) => m.type === TYPES.MSG_GRP_TIP && m.to === group.groupID);
    assert.equal(tip.payload.operationType, TYPES.GRP_TIP_MBR_JOIN);
    assert.deepEqual(tip.payload.userIDList, [carol]);
    const again = await rejection(o.handleGroupApplication({ handleAction: "Agree", message: request }));
    assert.equal(again.code, 10024);
  });

  test("quit, kick and dismiss each shrink the list (GROUP_LIST_UPDATED); refusals keep the server's code", async () => {
    const [owner, dan, eve] = [id("owner"), id("dan"), id("eve")];
    const o = await online(owner, { url: node.url });
    const d = await online(dan, { url: node.url });
    const e = await online(eve, { url: node.url });
    const { group } = (
      await o.createGroup({ name: "Fleeting", type: TYPES.GRP_MEETING, memberList: [{ userID: dan }, { userID: eve }] })
    ).data;
    assert.equal((await rejection(o.quitGroup(group.groupID))).code, 10009); // the owner must transfer first
    assert.equal((await rejection(d.deleteGroupMember({ groupID: group.groupID, userIDList: [eve] }))).code, 10007);
    const members = (await o.getGroupMemberList({ groupID: group.groupID })).data;
    assert.deepEqual(members.memberList.map((m) => m.userID).sort(), [dan, eve, owner].sort());
    assert.equal(members.offset, 0);

    const dGone = next(d, EVENT.GROUP_LIST_UPDATED, (list) => list.length === 0);
    await d.quitGroup(group.groupID);
    await dGone;
    const eGone = next(e, EVENT.GROUP_LIST_UPDATED, (list) => list.length === 0);
    const kicked = inbox(e);
    await o.deleteGroupMember({ groupID: group.groupID, userIDList: [eve], reason: "bye" });
    await eGone;
    const [notice] = await kicked.until(1, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE);
    assert.equal(notice.payload.operationType, 4);
    assert.equal(notice.payload.handleMessage, "bye");
    const oGone = next(o, EVENT.GROUP_LIST_UPDATED, (list) => list.length === 0);
    await o.dismissGroup(group.groupID);
    await oGone;
    assert.equal((await rejection(o.getGroupProfile({ groupID: group.groupID }))).code, 10010);
  });

  test("profile and roles: updateGroupProfile tips the members, who see the new name in their list", async () => {
    const [owner, fay] = [id("owner"), id("fay")];
    const o = await online(owner, { url: node.url });
    const f = await online(fay, { url: node.url });
    const { group } = (
      await o.createGroup({ name: "Before", type: TYPES.GRP_PUBLIC, memberList: [{ userID: fay }] })
    ).data;
    const renamed = next(f, EVENT.GROUP_LIST_UPDATED, (list) => list.some((g) => g.name === "After"));
    const fInbox = inbox(f);
    const updated = await o.updateGroupProfile({ groupID: group.groupID, name: "After", notification: "hi" });
    assert.equal(updated.data.group.name, "After");
    await renamed;
    const [tip] = await fInbox.until(1, (m) => m.type === TYPES.MSG_GRP_TIP);
    assert.equal(tip.payload.operationType, TYPES.GRP_TIP_GRP_PROFILE_UPDATED);
    assert.deepEqual(tip.payload.newGroupProfile, { name: "After", notification: "hi" });

    const admin = await o.setGroupMemberRole({ groupID: group.groupID, userID: fay, role: TYPES.GRP_MBR_ROLE_ADMIN });
    assert.equal(admin.data.member.role, TYPES.GRP_MBR_ROLE_ADMIN);
    const muted = await rejection(f.setGroupMemberMuteTime({ groupID: group.groupID, userID: owner, muteTime: 60 }));
    assert.equal(muted.code, 10007);
    await o.changeGroupOwner({ groupID: group.groupID, newOwnerID: fay });
    assert.equal((await f.getGroupProfile({ groupID: group.groupID })).data.group.ownerID, fay);
    await f.setMessageRead({ conversationID: `GROUP${group.groupID}` });
  });
});

describe("reliability on one node", () => {
  test("after a dropped connection, what was said meanwhile arrives once, in order, and sends go on", async () => {
    const [alice, bob] = [id("alice"), id("bob")];
    const a = await online(alice, { url: node.url });
    const net = cuttableWebSocket();
    const b = await online(bob, { url: node.url, WebSocket: net.WebSocket });
    const zed = id("zed");
    await (await online(zed, { url: node.url })).destroy(); // registered: can be added
    const { group } = (
      await a.createGroup({ name: "Gap", type: TYPES.GRP_COMMUNITY, memberList: [{ userID: bob }] })
    ).data;
    const bInbox = inbox(b);
    const say = (text) =>
      a.sendMessage(a.createTextMessage({ to: group.groupID, conversationType: "GROUP", payload: { text } }));
    await say("1");
    await bInbox.until(1, (m) => m.to === group.groupID);

    const states = [];
    b.on(EVENT.NET_STATE_CHANGE, (e) => states.push(e.data.state));
    net.offline = true;
    const reconnecting = next(b, EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTING);
    net.cut();
    await reconnecting;
    for (const text of ["2", "3", "4"]) await say(text);
    await a.addGroupMember({ groupID: group.groupID, userIDList: [zed] }); // a tip meanwhile
    // bob sends while offline: the send waits for the reconnect instead of failing
    const bobSends = b.sendMessage(b.createTextMessage({ to: group.groupID, conversationType: "GROUP", payload: { text: "b" } }));
    net.offline = false;
    const back = next(b, EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTED, 15_000);
    await back;
    assert.equal((await bobSends).data.message.status, "success");
    await say("5");
    await bInbox.until(5, (m) => m.to === group.groupID && m.type === TYPES.MSG_TEXT);
    const entries = bInbox.of((m) => m.to === group.groupID);
    assert.deepEqual(texts(entries, group.groupID), ["1", "2", "3", "4", "5"]); // bob's own send is not pushed to him
    const seqs = entries.map((m) => m.sequence);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    assert.equal(new Set(seqs).size, seqs.length);
    assert.ok(entries.some((m) => m.type === TYPES.MSG_GRP_TIP));
    assert.ok(net.opened >= 2);
  });

  test("a system notice sent while disconnected arrives after the reconnect", async () => {
    const [owner, gil] = [id("owner"), id("gil")];
    const o = await online(owner, { url: node.url });
    const net = cuttableWebSocket();
    const g = await online(gil, { url: node.url, WebSocket: net.WebSocket });
    const gInbox = inbox(g);
    net.offline = true;
    net.cut();
    const { group } = (
      await o.createGroup({ name: "Surprise", type: TYPES.GRP_WORK, memberList: [{ userID: gil }] })
    ).data;
    const listed = next(g, EVENT.GROUP_LIST_UPDATED, (list) => list.some((x) => x.groupID === group.groupID), 15_000);
    net.offline = false;
    await listed;
    const [added] = await gInbox.until(1, (m) => m.type === TYPES.MSG_GRP_SYS_NOTICE);
    assert.equal(added.payload.operationType, 7);
    assert.equal(added.payload.groupProfile.groupID, group.groupID);
    // a round trip after it: a second copy of the notice would have come before this message
    await o.sendMessage(o.createTextMessage({ to: group.groupID, conversationType: "GROUP", payload: { text: "hi" } }));
    await gInbox.until(1, (m) => m.type === TYPES.MSG_TEXT);
    assert.equal(gInbox.of((m) => m.type === TYPES.MSG_GRP_SYS_NOTICE).length, 1);
  });
});
