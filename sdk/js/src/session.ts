// A logged-in session that stays logged in: heartbeats at the interval the server gives,
// and when the connection drops, reconnection with exponential backoff and jitter, moving
// on to the next URL at each attempt (several nodes), then a fresh login and catch-up.
// Close codes follow docs/protocol.md: 41xx mean "do not reconnect" (another device took
// over, the account was deleted); everything else reconnects.

import type { Codec } from "./codec.js";
import { Connection } from "./connection.js";
import { SDK_ERROR, TYPES } from "./constants.js";
import { ChatError } from "./errors.js";
import type { WebSocketConstructor } from "./types.js";
import type { WireLoginResult, WirePush } from "./wire.js";

const REPLACED = 4100;
const ACCOUNT_DELETED = 4101;
const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 30_000;

export interface SessionConfig {
  urls: string[];
  WebSocket: WebSocketConstructor;
  codec: Codec;
  sdkAppID: number;
  deviceID: string;
  platform: string;
  requestTimeout: number;
}

/** What the session tells its owner. */
export interface SessionListener {
  /** Logged in (again): catch up before the session counts as ready. */
  loggedIn(result: WireLoginResult, first: boolean): Promise<void>;
  ready(first: boolean): void;
  push(frame: WirePush): void;
  netState(state: string): void;
  /** The session ended for good, by the server's decision (`TYPES.KICKED_OUT_*`). */
  kicked(type: string): void;
  /** The session ended for good after a refused login on reconnect. */
  failed(error: ChatError): void;
}

type State = "idle" | "connecting" | "ready" | "reconnecting";

interface ReadyWaiter {
  resolve(): void;
  reject(error: ChatError): void;
}

export class Session {
  userID = "";
  private userSig = "";
  private state: State = "idle";
  private conn: Connection | null = null;
  private urlIndex = 0;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private waiters: ReadyWaiter[] = [];
  private generation = 0; // bumped by logout/close: late callbacks of older sessions are ignored
  private readonly onOnline = (): void => this.retryNow();

  constructor(
    private readonly config: SessionConfig,
    private readonly listener: SessionListener,
  ) {}

  get isReady(): boolean {
    return this.state === "ready";
  }

  get loggedIn(): boolean {
    return this.state !== "idle";
  }

  /** The first login: each URL once, in order, until one answers. Rejects with the
   * server's code if the login is refused, CONNECT_FAILED if no server answered. */
  async login(userID: string, userSig: string): Promise<void> {
    this.userID = userID;
    this.userSig = userSig;
    this.state = "connecting";
    const generation = ++this.generation;
    this.listener.netState(TYPES.NET_STATE_CONNECTING);
    let lastError: ChatError | null = null;
    for (let tried = 0; tried < this.config.urls.length; tried++) {
      try {
        await this.connect(generation, true);
        addEventListenerIfAny("online", this.onOnline);
        return;
      } catch (error) {
        if (generation !== this.generation) throw notLoggedIn();
        if ((this.state as State) === "reconnecting") {
          // Logged in, then dropped while catching up: the reconnect loop has taken over.
          addEventListenerIfAny("online", this.onOnline);
          await this.whenReady();
          return;
        }
        const code = error instanceof ChatError ? error.code : SDK_ERROR.CONNECT_FAILED;
        if (code !== SDK_ERROR.CONNECT_FAILED && code !== SDK_ERROR.CONNECTION_LOST && code !== SDK_ERROR.TIMEOUT) {
          this.reset(TYPES.NET_STATE_DISCONNECTED);
          throw error; // refused by the server: another node would refuse it too
        }
        lastError = error instanceof ChatError ? error : new ChatError(SDK_ERROR.CONNECT_FAILED, String(error));
        this.urlIndex = (this.urlIndex + 1) % this.config.urls.length;
      }
    }
    this.reset(TYPES.NET_STATE_DISCONNECTED);
    throw new ChatError(SDK_ERROR.CONNECT_FAILED, `no server could be reached (${lastError?.message ?? "no URL"})`);
  }

  /** Log out: tell the server (when connected), close, and forget the credentials. */
  async logout(): Promise<void> {
    const conn = this.conn;
    this.generation++;
    if (conn !== null && conn.open) {
      try {
        await conn.request("logout", {}, this.config.requestTimeout);
      } catch {
        // the connection is going away anyway
      }
    }
    this.reset(TYPES.NET_STATE_DISCONNECTED);
    conn?.close(1000, "logout");
  }

  /** Stop at once (destroy): no logout frame, no reconnect. */
  close(): void {
    this.generation++;
    const conn = this.conn;
    this.reset(null);
    conn?.close(1000, "destroyed");
  }

  /**
   * A request once the session is ready (waiting through a reconnect, up to the request
   * timeout). Rejects with the server's code, CONNECTION_LOST if the connection dropped
   * before the reply, TIMEOUT, or NOT_LOGGED_IN.
   */
  async request<T>(op: string, fields: Record<string, unknown>): Promise<T> {
    if (this.state !== "ready") await this.whenReady();
    const conn = this.conn;
    if (conn === null) throw new ChatError(SDK_ERROR.CONNECTION_LOST, "not connected");
    return conn.request<T>(op, fields, this.config.requestTimeout);
  }

  /** A request on the current connection, ready or not (the catch-up after a login). */
  direct<T>(op: string, fields: Record<string, unknown>): Promise<T> {
    const conn = this.conn;
    if (conn === null) return Promise.reject(new ChatError(SDK_ERROR.CONNECTION_LOST, "not connected"));
    return conn.request<T>(op, fields, this.config.requestTimeout);
  }

  private whenReady(): Promise<void> {
    if (this.state === "idle") return Promise.reject(notLoggedIn());
    return new Promise((resolve, reject) => {
      const waiter: ReadyWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ChatError(SDK_ERROR.TIMEOUT, "not connected to any server in time (reconnecting)"));
      }, this.config.requestTimeout);
      this.waiters.push(waiter);
    });
  }

  // -- connecting ---------------------------------------------------------------------------

  private async connect(generation: number, first: boolean): Promise<void> {
    const url = this.config.urls[this.urlIndex] as string;
    const conn = await Connection.open(
      url,
      this.config.WebSocket,
      this.config.codec,
      {
        onPush: (frame) => {
          if (this.conn === conn) this.listener.push(frame);
        },
        onClose: (code) => this.dropped(conn, code),
      },
      this.config.requestTimeout,
    );
    if (generation !== this.generation) {
      conn.close(1000, "logged out");
      throw notLoggedIn();
    }
    let result: WireLoginResult;
    try {
      result = await conn.request<WireLoginResult>(
        "login",
        {
          sdkAppID: this.config.sdkAppID,
          userID: this.userID,
          userSig: this.userSig,
          deviceID: this.config.deviceID,
          platform: this.config.platform,
        },
        this.config.requestTimeout,
      );
    } catch (error) {
      conn.close(1000, "login refused");
      throw error;
    }
    if (generation !== this.generation) {
      conn.close(1000, "logged out");
      throw notLoggedIn();
    }
    this.conn = conn;
    this.startHeartbeat(conn, result.heartbeatInterval);
    try {
      await this.listener.loggedIn(result, first);
    } catch (error) {
      // Dropped while catching up (dropped() reconnects), or a request failed on a live
      // connection: start over on a fresh one.
      if (this.conn === conn) conn.abandon("catch-up after login failed");
      throw error;
    }
    if (generation !== this.generation || this.conn !== conn) throw notLoggedIn();
    this.state = "ready";
    this.attempt = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.resolve();
    this.listener.netState(TYPES.NET_STATE_CONNECTED);
    this.listener.ready(first);
  }

  private startHeartbeat(conn: Connection, intervalSeconds: number): void {
    this.stopHeartbeat();
    const every = Math.max(1, intervalSeconds) * 1000;
    this.heartbeatTimer = setInterval(() => {
      conn.request("heartbeat", {}, Math.min(this.config.requestTimeout, every)).catch((error: ChatError) => {
        // No answer: the connection is dead without having said so (a half-open TCP
        // connection, a suspended laptop). Give up on it and reconnect.
        if (error.code === SDK_ERROR.TIMEOUT) conn.abandon("heartbeat timed out");
      });
    }, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  // -- dropping and reconnecting ------------------------------------------------------------

  private dropped(conn: Connection, code: number): void {
    if (this.conn !== conn) return; // an older connection, or one that never logged in
    this.conn = null;
    this.stopHeartbeat();
    if (this.state === "idle") return;
    if (code === REPLACED || code === ACCOUNT_DELETED) {
      this.reset(TYPES.NET_STATE_DISCONNECTED);
      this.listener.kicked(code === REPLACED ? TYPES.KICKED_OUT_MULT_DEVICE : TYPES.KICKED_OUT_REST_API);
      return;
    }
    this.state = "reconnecting";
    this.listener.netState(TYPES.NET_STATE_CONNECTING);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    // Exponential backoff with jitter (the Python client's): 0.1-0.2 s, then doubling, at most 15-30 s.
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.reconnect(), delay);
  }

  private retryNow(): void {
    if (this.state !== "reconnecting" || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    this.retryTimer = null;
    if (this.state !== "reconnecting") return;
    const generation = this.generation;
    // Every attempt goes to the next node: the one that failed may be down.
    this.urlIndex = (this.urlIndex + 1) % this.config.urls.length;
    try {
      await this.connect(generation, false);
    } catch (error) {
      if (generation !== this.generation || this.state !== "reconnecting") return;
      const code = error instanceof ChatError ? error.code : SDK_ERROR.CONNECT_FAILED;
      if (code >= 70000 && code < 71000) {
        // The UserSig no longer logs in (expired, or the key changed): log in again.
        this.reset(TYPES.NET_STATE_DISCONNECTED);
        if (code === 70001) this.listener.kicked(TYPES.KICKED_OUT_USERSIG_EXPIRED);
        else this.listener.failed(error as ChatError);
        return;
      }
      if (this.retryTimer !== null) return; // logged in, then dropped while catching up: dropped() retried
      this.scheduleReconnect();
    }
  }

  /** Back to idle: timers stopped, waiters refused. */
  private reset(netState: string | null): void {
    const wasIdle = this.state === "idle";
    this.state = "idle";
    this.conn = null;
    this.stopHeartbeat();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    removeEventListenerIfAny("online", this.onOnline);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(notLoggedIn());
    if (netState !== null && !wasIdle) this.listener.netState(netState);
  }
}

function notLoggedIn(): ChatError {
  return new ChatError(SDK_ERROR.NOT_LOGGED_IN, "not logged in (log in first; or logged out meanwhile)");
}

// Browsers say when the network comes back: then reconnect at once instead of waiting.
type Listenable = { addEventListener?: (t: string, f: () => void) => void; removeEventListener?: (t: string, f: () => void) => void };

function addEventListenerIfAny(type: string, handler: () => void): void {
  const target = globalThis as unknown as Listenable;
  if (typeof target.addEventListener === "function") target.addEventListener(type, handler);
}

function removeEventListenerIfAny(type: string, handler: () => void): void {
  const target = globalThis as unknown as Listenable;
  if (typeof target.removeEventListener === "function") target.removeEventListener(type, handler);
}
