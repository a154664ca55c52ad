// The tarball `npm pack` makes is what a user installs: an app of its own, in a fresh
// folder, installs it with npm and chats through a real node with nothing but the
// package's public API (and the `ws` package, Node 20 having no global WebSocket).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { SDKAPPID, startNode, userSig } from "./helpers.mjs";

const PACKAGE = new URL("..", import.meta.url).pathname;
let node;
let dir;

before(async () => {
  node = await startNode();
  dir = mkdtempSync(join(tmpdir(), "gc-sdk-app-"));
});

after(async () => {
  await node.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const npm = (args, cwd) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("npm pack: the tarball holds the built ES modules, their types and the browser bundle, not the sources", () => {
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", dir], PACKAGE));
  const files = packed.files.map((f) => f.path).sort();
  for (const wanted of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/chat.d.ts", "dist/groupcast-chat.js"]) {
    assert.ok(files.includes(wanted), `${wanted} is in the tarball`);
  }
  assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/") || f.startsWith("node_modules/")), files.join());
  writeFileSync(join(dir, "tarball"), packed.filename);
});

test("an app installs the tarball and chats with it", () => {
  const tarball = join(dir, readFileSync(join(dir, "tarball"), "utf8"));
  const app = join(dir, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const ws = JSON.parse(readFileSync(new URL("../node_modules/ws/package.json", import.meta.url), "utf8")).version;
  npm(["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, `ws@${ws}`], app);
  writeFileSync(
    join(app, "main.mjs"),
    `import TencentCloudChat from "groupcast-chat";
import { WebSocket } from "ws";
const [url, aliceSig, bobSig] = process.argv.slice(2);
const make = () => TencentCloudChat.create({ SDKAppID: ${SDKAPPID}, url, WebSocket });
const alice = make(), bob = make();
const ready = (chat) => new Promise((r) => chat.on(TencentCloudChat.EVENT.SDK_READY, r));
const readyBoth = Promise.all([ready(alice), ready(bob)]);
await alice.login({ userID: "alice", userSig: aliceSig });
await bob.login({ userID: "bob", userSig: bobSig });
await readyBoth;
const got = new Promise((r) => bob.on(TencentCloudChat.EVENT.MESSAGE_RECEIVED, (e) => {
  const text = e.data.find((m) => m.type === TencentCloudChat.TYPES.MSG_TEXT);
  if (text) r(text);
}));
const { data } = await alice.createGroup({ name: "App", type: TencentCloudChat.TYPES.GRP_WORK, memberList: [{ userID: "bob" }] });
await alice.sendMessage(alice.createTextMessage({ to: data.group.groupID, conversationType: TencentCloudChat.TYPES.CONV_GROUP, payload: { text: "from the app" } }));
const message = await got;
console.log(JSON.stringify({ text: message.payload.text, from: message.from, conversationID: message.conversationID, groupID: data.group.groupID }));
await alice.destroy();
await bob.destroy();
`,
  );
  const out = execFileSync(process.execPath, ["main.mjs", node.url, userSig("alice"), userSig("bob")], {
    cwd: app,
    encoding: "utf8",
    timeout: 30_000,
  });
  const result = JSON.parse(out.trim().split("\n").pop());
  assert.equal(result.text, "from the app");
  assert.equal(result.from, "alice");
  assert.equal(result.conversationID, `GROUP${result.groupID}`);
});

test("a strict TypeScript app type-checks against the installed declarations", () => {
  const app = join(dir, "app");
  writeFileSync(
    join(app, "check.ts"),
    `import TencentCloudChat, { type ChatEvent, type Message, ChatError } from "groupcast-chat";
const chat = TencentCloudChat.create({ SDKAppID: 1, urls: ["ws://a/ws", "ws://b/ws"], codec: "msgpack", deviceID: "d" });
chat.on(TencentCloudChat.EVENT.MESSAGE_RECEIVED, (event: ChatEvent<Message[]>) => {
  const first: Message | undefined = event.data[0];
  const sequence: number = first?.sequence ?? 0;
  void sequence;
});
export async function run(): Promise<string> {
  try {
    const { data } = await chat.getMessageList({ conversationID: "GROUPx", count: 15 });
    return data.nextReqMessageID;
  } catch (error) {
    return error instanceof ChatError ? String(error.code) : "?";
  }
}
`,
  );
  const tsc = new URL("../node_modules/typescript/bin/tsc", import.meta.url).pathname;
  execFileSync(
    process.execPath,
    [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--lib", "es2022,dom", "check.ts"],
    { cwd: app, encoding: "utf8" },
  );
});
