// Test helpers: real groupcast servers (`python -m server serve`, the repository's) and a
// real redis-server, started on free loopback ports; UserSigs signed as the server
// verifies them; waits for events. Nothing is faked.
//
// GROUPCAST_PYTHON: the Python that runs groupcast (default: the repository's .venv).
// GROUPCAST_TEST_SLOWDOWN: multiplies every wait (slow machines).

import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer, createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { deflateSync } from "node:zlib";
import { WebSocket } from "ws";

import GroupcastChat from "../dist/index.js";

export const ROOT = resolve(new URL(".", import.meta.url).pathname, "../../..");
export const PYTHON = process.env.GROUPCAST_PYTHON ?? join(ROOT, ".venv/bin/python");
export const SLOWDOWN = Number(process.env.GROUPCAST_TEST_SLOWDOWN ?? "1");
export const SDKAPPID = 1400000007;
export const SECRET = "sdk-js-test-secret-" + "7".repeat(45);
export const { EVENT, TYPES } = GroupcastChat;

export const wait = (ms) => ms * SLOWDOWN;

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** A UserSig v2 (TLSSigAPIv2), as protocol/usersig.py makes them. */
export function userSig(userID, { secret = SECRET, sdkAppID = SDKAPPID, expire = 3600 } = {}) {
  const time = Math.floor(Date.now() / 1000);
  const content = `TLS.identifier:${userID}\nTLS.sdkappid:${sdkAppID}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
  const sig = createHmac("sha256", secret).update(content).digest("base64");
  const body = JSON.stringify({
    "TLS.ver": "2.0",
    "TLS.identifier": userID,
    "TLS.sdkappid": sdkAppID,
    "TLS.expire": expire,
    "TLS.time": time,
    "TLS.sig": sig,
  });
  return deflateSync(Buffer.from(body)).toString("base64").replace(/\+/g, "*").replace(/\//g, "-").replace(/=/g, "_");
}

async function until(what, probe, ms) {
  const deadline = Date.now() + wait(ms);
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${wait(ms)} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A private redis-server on a free port. */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "gc-sdk-redis-"));
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: "ignore",
  });
  const ping = () =>
    new Promise((ok) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        ok(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => ok(false));
    });
  await until("redis-server start", ping, 10_000);
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `groupcast serve` as a child process; resolves once /healthz answers 200. */
export async function startNode({ redisUrl = "", prefix = "", env = {} } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "gc-sdk-node-"));
  const logPath = join(dataDir, "node.log");
  const args = ["-m", "server", "serve", "--port", String(port), "--data-dir", dataDir];
  if (redisUrl) args.push("--redis-url", redisUrl);
  const childEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) if (key.startsWith("GROUPCAST_")) delete childEnv[key];
  Object.assign(childEnv, {
    GROUPCAST_SDKAPPID: String(SDKAPPID),
    GROUPCAST_SECRET_KEY: SECRET,
    GROUPCAST_CONSOLE_PASSWORD: "sdk-js-tests",
    GROUPCAST_LOG_LEVEL: "warning",
    PYTHONUNBUFFERED: "1",
    ...(prefix ? { GROUPCAST_REDIS_PREFIX: prefix } : {}),
    ...env,
  });
  const log = openSync(logPath, "w");
  const child = spawn(PYTHON, args, { cwd: ROOT, env: childEnv, stdio: ["ignore", log, log] });
  const output = () => readFileSync(logPath, "utf8");
  await until(
    `groupcast on port ${port} becoming healthy`,
    async () => {
      if (child.exitCode !== null) throw new Error(`groupcast exited with ${child.exitCode}:\n${output()}`);
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
      } catch {
        return false;
      }
    },
    20_000,
  );
  return {
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    http: `http://127.0.0.1:${port}`,
    output,
    /** Stop it (SIGTERM: sessions are closed with 1001 first) and wait for the exit. */
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      }
    },
    async cleanup() {
      await this.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A WebSocket class for `create({WebSocket})` that the test can cut: `cut()` drops every
 * open connection (as a network failure would: no close frame), and while `offline` is
 * set new connections fail.
 */
export function cuttableWebSocket() {
  const sockets = new Set();
  const control = { offline: false, opened: 0 };
  class CuttableWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(control.offline ? "ws://127.0.0.1:9/unreachable" : url, protocols);
      control.opened++;
      sockets.add(this);
      this.addEventListener("close", () => sockets.delete(this));
    }
  }
  control.WebSocket = CuttableWebSocket;
  control.cut = () => {
    for (const socket of sockets) socket.terminate();
  };
  return control;
}

const instances = new Set();

/** An SDK instance (Node 20: the `ws` package's WebSocket); destroyed by `destroyAll`. */
export function chat(options) {
  const instance = GroupcastChat.create({ SDKAppID: SDKAPPID, WebSocket, ...options });
  instances.add(instance);
  return instance;
}

/** `chat()`, logged in as `userID`, ready (SDK_READY seen). */
export async function online(userID, options) {
  const instance = chat(options);
  const ready = next(instance, EVENT.SDK_READY);
  await instance.login({ userID, userSig: userSig(userID) });
  await ready;
  return instance;
}

export async function destroyAll() {
  await Promise.all([...instances].map((i) => i.destroy()));
  instances.clear();
}

/** The next event `name` of `instance` whose data passes `accept`. */
export function next(instance, name, accept = () => true, ms = 5000) {
  return new Promise((resolveEvent, reject) => {
    const timer = setTimeout(() => {
      instance.off(name, handler);
      reject(new Error(`no ${name} event in ${wait(ms)} ms`));
    }, wait(ms));
    function handler(event) {
      if (!accept(event.data)) return;
      clearTimeout(timer);
      instance.off(name, handler);
      resolveEvent(event.data);
    }
    instance.on(name, handler);
  });
}

/** Collects every Message of MESSAGE_RECEIVED; `until(n)` waits for at least n matching ones. */
export function inbox(instance) {
  const messages = [];
  const waiters = [];
  instance.on(EVENT.MESSAGE_RECEIVED, (event) => {
    messages.push(...event.data);
    for (const waiter of [...waiters]) waiter();
  });
  return {
    messages,
    of(predicate) {
      return messages.filter(predicate);
    },
    until(count, predicate = () => true, ms = 5000) {
      return new Promise((resolveAll, reject) => {
        const check = () => {
          const found = messages.filter(predicate);
          if (found.length < count) return false;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolveAll(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`${messages.filter(predicate).length} of ${count} messages in ${wait(ms)} ms`));
        }, wait(ms));
        waiters.push(check);
        check();
      });
    },
  };
}

/** The texts of the text messages of `groupID` in `messages`. */
export const texts = (messages, groupID) =>
  messages.filter((m) => m.to === groupID && m.type === TYPES.MSG_TEXT).map((m) => m.payload.text);
