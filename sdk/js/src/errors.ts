// A refusal, as Tencent's SDK rejects its promises: an Error with `code` and `message`.

export class ChatError extends Error {
  readonly code: number;
  /** Extra context (e.g. `{message}` for a failed `sendMessage`). */
  data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = "ChatError";
    this.code = code;
    this.data = data;
  }
}
