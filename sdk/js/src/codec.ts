// The two encodings groupcast speaks: JSON in text frames (subprotocol `groupcast.json`)
// and MessagePack in binary frames (`groupcast.msgpack`). docs/protocol.md, "Connecting".

import { Decoder, Encoder } from "@msgpack/msgpack";

export interface Codec {
  readonly subprotocol: string;
  encode(frame: Record<string, unknown>): string | Uint8Array;
  decode(data: unknown): unknown;
}

const json: Codec = {
  subprotocol: "groupcast.json",
  encode: (frame) => JSON.stringify(frame),
  decode: (data) => JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(asBytes(data))),
};

function msgpack(): Codec {
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder();
  return {
    subprotocol: "groupcast.msgpack",
    encode: (frame) => encoder.encode(frame),
    decode: (data) => decoder.decode(asBytes(data)),
  };
}

function asBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data; // Node's Buffer too
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("a binary frame was expected");
}

export function codecFor(name: "json" | "msgpack" | undefined): Codec {
  if (name === undefined || name === "json") return json;
  if (name === "msgpack") return msgpack();
  throw new TypeError(`codec must be "json" or "msgpack", not ${JSON.stringify(name)}`);
}
