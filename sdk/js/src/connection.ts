// One WebSocket connection to one groupcast node: requests matched to their replies by
// `seq`, pushes handed on, and a single close notification however the connection ends.
// It knows nothing of logins or reconnects (see session.ts).

import type { Codec } from "./codec.js";
import { SDK_ERROR } from "./constants.js";
import { ChatError } from "./errors.js";
import type { WebSocketConstructor, WebSocketLike } from "./types.js";
import type { WirePush, WireReply } from "./wire.js";

const OPEN = 1;

interface Waiter {
  resolve(data: unknown): void;
  reject(error: ChatError): void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ConnectionHandlers {
  onPush(frame: WirePush): void;
  /** Called once, when the connection is gone (closed by either side, or abandoned). */
  onClose(code: number, reason: string): void;
}

export class Connection {
  readonly url: string;
  private readonly ws: WebSocketLike;
  private readonly codec: Codec;
  private readonly handlers: ConnectionHandlers;
  private readonly pending = new Map<number, Waiter>();
  private nextSeq = 1;
  private gone = false;

  private constructor(url: string, ws: WebSocketLike, codec: Codec, handlers: ConnectionHandlers) {
    this.url = url;
    this.ws = ws;
    this.codec = codec;
    this.handlers = handlers;
  }

  /** Open a connection; rejects with CONNECT_FAILED if it does not open within `timeoutMs`. */
  static open(
    url: string,
    WebSocketClass: WebSocketConstructor,
    codec: Codec,
    handlers: ConnectionHandlers,
    timeoutMs: number,
  ): Promise<Connection> {
    return new Promise((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new WebSocketClass(url, [codec.subprotocol]);
      } catch (error) {
        reject(new ChatError(SDK_ERROR.CONNECT_FAILED, `cannot connect to ${url}: ${String(error)}`));
        return;
      }
      ws.binaryType = "arraybuffer";
      const failed = (why: string): void => {
        clearTimeout(timer);
        ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
        try {
          ws.close();
        } catch {
          // not open yet: nothing to close
        }
        reject(new ChatError(SDK_ERROR.CONNECT_FAILED, `cannot connect to ${url}: ${why}`));
      };
      const timer = setTimeout(() => failed("timed out"), timeoutMs);
      ws.onerror = () => undefined; // the close event that follows says it
      ws.onclose = (event: { code?: number }) => failed(`closed (${event?.code ?? 1006})`);
      ws.onopen = () => {
        clearTimeout(timer);
        const connection = new Connection(url, ws, codec, handlers);
        ws.onclose = (event: { code?: number; reason?: string }) =>
          connection.ended(event?.code ?? 1006, event?.reason ?? "");
        ws.onmessage = (event: { data: unknown }) => connection.received(event.data);
        resolve(connection);
      };
    });
  }

  get open(): boolean {
    return !this.gone && this.ws.readyState === OPEN;
  }

  /** Send `{op, seq, ...fields}` and wait for its reply; rejects with the server's code. */
  request<T>(op: string, fields: Record<string, unknown>, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      if (!this.open) {
        reject(new ChatError(SDK_ERROR.CONNECTION_LOST, "not connected"));
        return;
      }
      const seq = this.nextSeq++;
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new ChatError(SDK_ERROR.TIMEOUT, `no reply to ${op} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve: resolve as (data: unknown) => void, reject, timer });
      try {
        this.ws.send(this.codec.encode({ ...fields, op, seq }));
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(seq);
        reject(new ChatError(SDK_ERROR.CONNECTION_LOST, `send failed: ${String(error)}`));
      }
    });
  }

  /** Close it (the close event follows). */
  close(code = 1000, reason = ""): void {
    try {
      this.ws.close(code, reason);
    } catch {
      this.ended(code, reason);
    }
  }

  /** Give up on it now, without waiting for a closing handshake that may never come. */
  abandon(reason: string): void {
    this.ws.onclose = this.ws.onmessage = null;
    try {
      this.ws.close(3000, reason);
    } catch {
      // already closing
    }
    this.ended(1006, reason);
  }

  private received(data: unknown): void {
    if (this.gone) return;
    let frame: { type?: unknown };
    try {
      frame = this.codec.decode(data) as { type?: unknown };
    } catch {
      return; // not a frame of ours: nothing to act on
    }
    if (frame === null || typeof frame !== "object") return;
    if (frame.type === "reply") {
      const reply = frame as WireReply;
      const waiter = this.pending.get(reply.seq);
      if (waiter === undefined) return; // timed out meanwhile
      this.pending.delete(reply.seq);
      clearTimeout(waiter.timer);
      if (reply.code === 0) waiter.resolve(reply.data);
      else waiter.reject(new ChatError(reply.code, reply.message));
    } else {
      this.handlers.onPush(frame as WirePush);
    }
  }

  private ended(code: number, reason: string): void {
    if (this.gone) return;
    this.gone = true;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new ChatError(SDK_ERROR.CONNECTION_LOST, `connection closed (${code})`));
    }
    this.handlers.onClose(code, reason);
  }
}
