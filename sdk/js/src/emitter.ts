// `on` / `off` as Tencent's SDK has them: a handler, optionally with a `this` context.

import type { EventName } from "./constants.js";
import type { ChatEvent, EventHandler } from "./types.js";

interface Listener {
  handler: EventHandler;
  context: unknown;
}

export class Emitter {
  private readonly listeners = new Map<string, Listener[]>();

  on(name: EventName, handler: EventHandler, context?: unknown): void {
    if (typeof handler !== "function") throw new TypeError("on(): the handler must be a function");
    const list = this.listeners.get(name) ?? [];
    list.push({ handler, context });
    this.listeners.set(name, list);
  }

  off(name: EventName, handler: EventHandler, context?: unknown): void {
    const list = this.listeners.get(name);
    if (list === undefined) return;
    const index = list.findIndex((l) => l.handler === handler && (context === undefined || l.context === context));
    if (index >= 0) list.splice(index, 1);
  }

  /** Call every handler of `name`; one that throws is reported and does not stop the others. */
  emit<T>(name: EventName, data: T): void {
    const event: ChatEvent<T> = { name, data };
    for (const { handler, context } of [...(this.listeners.get(name) ?? [])]) {
      try {
        handler.call(context, event);
      } catch (error) {
        console.error(`groupcast-chat: a ${name} handler threw`, error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
