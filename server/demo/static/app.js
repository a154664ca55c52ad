// groupcast demo: sign in, see your groups, create or join one, chat, see tips and notices.
// Everything goes through the browser SDK (groupcast-chat.js, built from sdk/js), with
// Tencent Web SDK v3 names. Every text from the server or a user goes in with textContent.

import GroupcastChat from "./groupcast-chat.js";

const { EVENT, TYPES } = GroupcastChat;
const $ = (id) => document.getElementById(id);
const encoder = new TextEncoder();

const state = {
  config: { demo: false, SDKAppID: 0 },
  chat: null,
  me: "",
  groups: [],
  current: "", // the open group's ID
  rendered: new Set(), // IDs of the messages shown in the open conversation
  loading: null, // live messages that came while the history was loading
  unread: new Map(),
};

// -- little helpers -------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const pad = (n) => String(n).padStart(2, "0");

function timeNode(seconds) {
  const d = new Date(seconds * 1000);
  return el("time", { datetime: d.toISOString() }, `${pad(d.getHours())}:${pad(d.getMinutes())}`);
}

function explain(error) {
  if (error && typeof error === "object" && "code" in error) return `${error.message} (${error.code})`;
  return String(error);
}

function setStatus(text) {
  $("status").textContent = text;
}

/** The first `bytes` bytes of `text` in UTF-8, never cutting a character. */
function clip(text, bytes) {
  let out = "";
  for (const ch of text) {
    if (encoder.encode(out + ch).length > bytes) break;
    out += ch;
  }
  return out;
}

const groupName = (groupID) => state.groups.find((g) => g.groupID === groupID)?.name ?? groupID;
const list = (ids) => (ids.length ? ids.join(", ") : "someone");

// -- signing in -----------------------------------------------------------------------------

async function boot() {
  const params = new URLSearchParams(location.search);
  $("user-id").value = params.get("user") ?? "";
  $("group-id").value = params.get("group") ?? "";
  try {
    const response = await fetch("/demo/api/config");
    state.config = await response.json();
  } catch (error) {
    $("login-error").textContent = `The server did not answer: ${explain(error)}`;
  }
  $("mode-warning").hidden = !state.config.demo;
  $("sig-field").hidden = state.config.demo;
  $("login-form").addEventListener("submit", logIn);
  $("logout").addEventListener("click", logOut);
  $("group-form").addEventListener("submit", groupAction);
  $("send-form").addEventListener("submit", send);
}

async function userSigFor(userID) {
  if (!state.config.demo) {
    const pasted = $("user-sig").value.trim();
    if (!pasted) throw new Error("paste a UserSig (demo mode is off on this server)");
    return pasted;
  }
  const response = await fetch("/demo/api/usersig", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userID }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `the server answered ${response.status}`);
  return body.userSig;
}

async function logIn(event) {
  event.preventDefault();
  const error = $("login-error");
  error.textContent = "";
  const userID = $("user-id").value.trim();
  if (!userID) {
    error.textContent = "Enter a user ID.";
    $("user-id").focus();
    return;
  }
  const button = event.submitter ?? $("login-form").querySelector("button");
  button.disabled = true;
  try {
    const userSig = await userSigFor(userID);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const chat = GroupcastChat.create({ SDKAppID: state.config.SDKAppID, url: `${scheme}//${location.host}/ws` });
    listen(chat);
    state.chat = chat;
    state.me = userID;
    await chat.login({ userID, userSig });
  } catch (failure) {
    error.textContent = `Could not log in: ${explain(failure)}`;
    await state.chat?.destroy();
    state.chat = null;
  } finally {
    button.disabled = false;
  }
}

async function logOut() {
  const chat = state.chat;
  state.chat = null;
  await chat?.logout();
  await chat?.destroy();
  showSignedOut("Signed out");
}

function showSignedOut(status) {
  setStatus(status);
  $("chat-view").hidden = true;
  $("login-view").hidden = false;
  $("logout").hidden = true;
  state.current = "";
  $("conversation").setAttribute("data-empty", "");
  state.groups = [];
  state.unread.clear();
  $("group-list").replaceChildren();
  $("notice-list").replaceChildren();
  $("no-notices").hidden = false;
}

function listen(chat) {
  chat.on(EVENT.SDK_READY, () => {
    setStatus(`Signed in as ${state.me}`);
    $("login-view").hidden = true;
    $("chat-view").hidden = false;
    $("logout").hidden = false;
    $("group-id").focus();
  });
  chat.on(EVENT.NET_STATE_CHANGE, ({ data }) => {
    if (data.state === TYPES.NET_STATE_CONNECTING && chat.isReady()) setStatus("Connection lost: reconnecting…");
    if (data.state === TYPES.NET_STATE_CONNECTED) setStatus(`Signed in as ${state.me}`);
  });
  chat.on(EVENT.KICKED_OUT, ({ data }) => {
    const why = data.type === TYPES.KICKED_OUT_MULT_DEVICE ? "this device signed in elsewhere" : data.type;
    state.chat = null;
    chat.destroy();
    showSignedOut(`Signed out: ${why}`);
  });
  chat.on(EVENT.GROUP_LIST_UPDATED, ({ data }) => {
    state.groups = data;
    renderGroups();
  });
  chat.on(EVENT.MESSAGE_RECEIVED, ({ data }) => {
    for (const message of data) received(message);
    renderGroups();
  });
  chat.on(EVENT.MESSAGE_REVOKED, ({ data }) => {
    for (const message of data) {
      const item = document.querySelector(`[data-id="${CSS.escape(message.ID)}"] .text`);
      if (item) item.textContent = "(recalled)";
    }
  });
}

// -- groups ---------------------------------------------------------------------------------

function renderGroups() {
  const items = state.groups.map((group) => {
    const unread = state.unread.get(group.groupID) ?? 0;
    const button = el(
      "button",
      { type: "button", "aria-current": group.groupID === state.current ? "true" : "false" },
      el("span", {}, `${group.name} `, el("span", { className: "muted" }, group.groupID)),
      unread ? el("span", { className: "badge", "aria-label": `${unread} unread` }, String(unread)) : null,
    );
    button.addEventListener("click", () => open(group.groupID));
    return el("li", {}, button);
  });
  $("group-list").replaceChildren(...items);
  $("no-groups").hidden = items.length > 0;
}

async function groupAction(event) {
  event.preventDefault();
  const action = event.submitter?.value ?? "create";
  const error = $("group-error");
  error.textContent = "";
  const groupID = $("group-id").value.trim();
  const chat = state.chat;
  if (!chat) return;
  try {
    if (action === "join") {
      if (!groupID) {
        error.textContent = "Enter the ID of the group to join.";
        $("group-id").focus();
        return;
      }
      const { data } = await chat.joinGroup({ groupID });
      if (data.status === TYPES.JOIN_STATUS_WAIT_APPROVAL) {
        error.textContent = "Asked to join: waiting for the owner or an admin to approve.";
        return;
      }
      await open(groupID);
    } else {
      const type = $("group-type").value;
      const options = { type, name: clip(groupID || `${state.me}'s group`, 30) };
      if (groupID) options.groupID = groupID;
      if (type === TYPES.GRP_PUBLIC) options.joinOption = TYPES.JOIN_OPTIONS_FREE_ACCESS;
      const { data } = await chat.createGroup(options);
      $("group-id").value = data.group.groupID;
      await open(data.group.groupID);
    }
  } catch (failure) {
    error.textContent = `${action === "join" ? "Could not join" : "Could not create"}: ${explain(failure)}`;
  }
}

// -- the conversation ----------------------------------------------------------------------

async function open(groupID) {
  const chat = state.chat;
  if (!chat) return;
  state.current = groupID;
  state.rendered = new Set();
  state.loading = [];
  state.unread.delete(groupID);
  $("conversation").removeAttribute("data-empty");
  $("conversation-title").textContent = groupName(groupID);
  $("conversation-id").textContent = `Group ID: ${groupID}`;
  $("messages").replaceChildren();
  $("message").disabled = false;
  $("send").disabled = false;
  renderGroups();
  try {
    const { data } = await chat.getMessageList({ conversationID: `GROUP${groupID}` });
    if (state.current !== groupID) return;
    for (const message of data.messageList) show(message);
  } catch (failure) {
    $("send-error").textContent = `Could not read the history: ${explain(failure)}`;
  }
  const early = state.loading ?? [];
  state.loading = null;
  for (const message of early) show(message);
  chat.setMessageRead({ conversationID: `GROUP${groupID}` }).catch(() => undefined);
}

function received(message) {
  if (message.type === TYPES.MSG_GRP_SYS_NOTICE) {
    notice(message);
    return;
  }
  if (message.to !== state.current) {
    if (message.type !== TYPES.MSG_GRP_TIP) state.unread.set(message.to, (state.unread.get(message.to) ?? 0) + 1);
    return;
  }
  if (state.loading) state.loading.push(message);
  else show(message);
}

function describeTip(payload) {
  const who = list(payload.userIDList);
  switch (payload.operationType) {
    case TYPES.GRP_TIP_MBR_JOIN:
      return `${who} joined`;
    case TYPES.GRP_TIP_MBR_QUIT:
      return `${who} left`;
    case TYPES.GRP_TIP_MBR_KICKED_OUT:
      return `${who} removed by ${payload.operatorID || "the admin"}`;
    case TYPES.GRP_TIP_MBR_SET_ADMIN:
      return `${who} made admin`;
    case TYPES.GRP_TIP_MBR_CANCELED_ADMIN:
      return `${who} no longer admin`;
    case TYPES.GRP_TIP_GRP_PROFILE_UPDATED: {
      const changed = Object.entries(payload.newGroupProfile ?? {}).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
      return `${payload.operatorID || "the admin"} changed the group (${changed.join(", ")})`;
    }
    case TYPES.GRP_TIP_MBR_PROFILE_UPDATED:
      return payload.memberList
        .map((m) => (m.muteTime !== undefined ? `${m.userID} ${m.muteTime ? `muted for ${m.muteTime} s` : "unmuted"}` : `${m.userID} changed`))
        .join(", ");
    default:
      return `group event ${payload.operationType}`;
  }
}

function describeMessage(message) {
  const p = message.payload;
  switch (message.type) {
    case TYPES.MSG_TEXT:
      return p.text;
    case TYPES.MSG_CUSTOM:
      return `[custom] ${p.data}`;
    case TYPES.MSG_FACE:
      return `[face ${p.index}]`;
    case TYPES.MSG_LOCATION:
      return `[location] ${p.description} (${p.latitude}, ${p.longitude})`;
    default:
      return `[${message.type}]`;
  }
}

function show(message) {
  if (state.rendered.has(message.ID)) return;
  state.rendered.add(message.ID);
  let item;
  if (message.type === TYPES.MSG_GRP_TIP) {
    item = el("li", { className: "tip", "data-id": message.ID }, describeTip(message.payload), timeNode(message.time));
  } else {
    const text = message.isRevoked ? "(recalled)" : describeMessage(message);
    item = el(
      "li",
      { className: message.from === state.me ? "mine" : "", "data-id": message.ID },
      el("span", { className: "who" }, message.from === state.me ? "You" : message.from),
      el("span", { className: "text" }, text),
      timeNode(message.time),
    );
  }
  const messages = $("messages");
  messages.append(item);
  messages.scrollTop = messages.scrollHeight;
}

async function send(event) {
  event.preventDefault();
  const chat = state.chat;
  const input = $("message");
  const text = input.value.trim();
  const error = $("send-error");
  error.textContent = "";
  if (!chat || !state.current || !text) return;
  const message = chat.createTextMessage({ to: state.current, conversationType: TYPES.CONV_GROUP, payload: { text } });
  input.value = "";
  show(message);
  try {
    await chat.sendMessage(message);
  } catch (failure) {
    error.textContent = `Not sent: ${explain(failure)}`;
    document.querySelector(`[data-id="${CSS.escape(message.ID)}"]`)?.classList.add("failed");
  }
  input.focus();
}

// -- system notices -------------------------------------------------------------------------

function describeNotice(p) {
  const group = `${p.groupProfile.name || p.groupProfile.groupID} (${p.groupProfile.groupID})`;
  const by = p.operatorID || "the admin";
  switch (p.operationType) {
    case 1:
      return `${by} asks to join ${group}${p.handleMessage ? `: “${p.handleMessage}”` : ""}`;
    case 2:
      return `You were let into ${group}`;
    case 3:
      return `Your request to join ${group} was refused${p.handleMessage ? `: “${p.handleMessage}”` : ""}`;
    case 4:
      return `You were removed from ${group} by ${by}${p.handleMessage ? `: “${p.handleMessage}”` : ""}`;
    case 5:
      return `${group} was dismissed`;
    case 6:
      return `You created ${group}`;
    case 7:
      return `${by} added you to ${group}`;
    case 8:
      return `You left ${group}`;
    case 9:
      return `You are now an admin of ${group}`;
    case 10:
      return `You are no longer an admin of ${group}`;
    case 12:
      return `${by} invites you to ${group}`;
    case 13:
      return `${by} accepted your invitation to ${group}`;
    case 14:
      return `${by} declined your invitation to ${group}`;
    case 20:
      return `Receive option of ${group}: ${p.messageRemindType}`;
    case 255:
      return `Notice from ${group}: ${p.userDefinedField}`;
    default:
      return `Notice ${p.operationType} about ${group}`;
  }
}

function notice(message) {
  const p = message.payload;
  const item = el("li", {}, describeNotice(p), timeNode(message.time));
  if ((p.operationType === 1 || p.operationType === 12) && p.applicationID) {
    const yes = el("button", { type: "button" }, p.operationType === 1 ? "Approve" : "Accept");
    const no = el("button", { type: "button" }, p.operationType === 1 ? "Reject" : "Decline");
    const decide = async (handleAction) => {
      yes.disabled = no.disabled = true;
      try {
        await state.chat?.handleGroupApplication({ handleAction, message });
        item.append(el("p", { className: "muted" }, handleAction === "Agree" ? "Accepted." : "Refused."));
      } catch (failure) {
        item.append(el("p", { className: "error" }, explain(failure)));
      }
    };
    yes.addEventListener("click", () => decide("Agree"));
    no.addEventListener("click", () => decide("Reject"));
    item.append(el("div", { className: "buttons" }, yes, no));
  }
  $("notice-list").prepend(item);
  $("no-notices").hidden = true;
}

boot();
