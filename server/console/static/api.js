// The console's JSON API (/console/api/<name>): GET reads, POST changes with the
// session's CSRF token. A refusal becomes an ApiError with the server's words and the
// field it concerns.

let csrfToken = "";

export function setCsrf(token) {
  csrfToken = token || "";
}

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export async function call(name, { body, query } = {}) {
  const url = new URL(`/console/api/${name}`, location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  const init = { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.headers["X-CSRF-Token"] = csrfToken;
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, 0, "The server cannot be reached: check the connection and try again.", null);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // not JSON: described below by the status
  }
  if (!response.ok) {
    const refusal = data?.error ?? {};
    const error = new ApiError(
      response.status,
      refusal.code ?? response.status,
      refusal.message ?? `The server answered ${response.status}.`,
      refusal.field ?? null,
    );
    if (response.status === 401 && name !== "login" && name !== "session") {
      dispatchEvent(new CustomEvent("console:signed-out", { detail: error.message }));
    }
    throw error;
  }
  return data;
}
