// groupcast-chat against two groupcast nodes sharing one Redis: an instance given both
// URLs fails over when its node stops, and nothing said meanwhile is lost or doubled.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { EVENT, TYPES, destroyAll, inbox, next, online, startNode, startRedis, texts } from "./helpers.mjs";

let redis;
let nodeA;
let nodeB;

before(async () => {
  redis = await startRedis();
  const prefix = `sdkjs${process.pid}:`;
  [nodeA, nodeB] = await Promise.all([
    startNode({ redisUrl: redis.url, prefix }),
    startNode({ redisUrl: redis.url, prefix }),
  ]);
});

after(async () => {
  await destroyAll();
  await Promise.all([nodeA?.cleanup(), nodeB?.cleanup()]);
  await redis?.stop();
});

test("a node stops mid-conversation: its client fails over to the other and misses nothing, twice nothing", async () => {
  const alice = await online("alice", { url: nodeB.url }); // stays on B
  const bob = await online("bob", { urls: [nodeA.url, nodeB.url], codec: "msgpack" }); // starts on A
  const bobList = next(bob, EVENT.GROUP_LIST_UPDATED, (list) => list.length === 1);
  const { group } = (
    await alice.createGroup({ name: "Relay", type: TYPES.GRP_PUBLIC, memberList: [{ userID: "bob" }] })
  ).data;
  await bobList; // across nodes: the notice went through Redis
  const received = inbox(bob);
  const say = (text) =>
    alice.sendMessage(alice.createTextMessage({ to: group.groupID, conversationType: "GROUP", payload: { text } }));

  const all = Array.from({ length: 30 }, (_, i) => String(i + 1));
  for (const text of all.slice(0, 10)) await say(text);
  await received.until(10, (m) => m.to === group.groupID);

  const states = [];
  bob.on(EVENT.NET_STATE_CHANGE, (e) => states.push(e.data.state));
  const reconnected = next(bob, EVENT.NET_STATE_CHANGE, (d) => d.state === TYPES.NET_STATE_CONNECTED, 20_000);
  const stopping = nodeA.stop(); // sessions get 1001, then the process exits
  for (const text of all.slice(10, 20)) await say(text); // while bob is between nodes
  await stopping;
  await reconnected;
  for (const text of all.slice(20)) await say(text);
  // bob, now on B, sends too; alice (on B) gets it
  const aliceGot = inbox(alice);
  await bob.sendMessage(bob.createTextMessage({ to: group.groupID, conversationType: "GROUP", payload: { text: "back" } }));
  await aliceGot.until(1, (m) => m.to === group.groupID && m.from === "bob");

  await say("end"); // delivered in order: once it is in, any duplicate would be too
  await received.until(1, (m) => m.to === group.groupID && m.payload.text === "end", 10_000);
  assert.deepEqual(texts(received.messages, group.groupID), [...all, "end"]);
  assert.deepEqual(states, [TYPES.NET_STATE_CONNECTING, TYPES.NET_STATE_CONNECTED]);
  assert.equal(bob.isReady(), true);
});
