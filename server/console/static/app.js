// groupcast console: the group management page. Plain ES modules, no framework, no build.
// Every text from the server or a user goes in with textContent, never as HTML.

import { ApiError, call, setCsrf } from "./api.js";

const NAME_BYTES = 30;
const INTRODUCTION_BYTES = 240;
const TEXT_CHARS = 300;
const MEMBER_PAGE = 50;

const $ = (id) => document.getElementById(id);
const encoder = new TextEncoder();
const byteLength = (text) => encoder.encode(text).length;
const charLength = (text) => [...text].length; // code points, as the server counts

const state = {
  user: "",
  list: { q: "", type: "", size: 20, cursors: [0], next: null, total: 0, rows: [], selected: new Map(), added: null, inserted: false },
  details: { id: "", group: null, offset: 0, total: 0, members: [], selected: new Set() },
};

// -- little helpers ---------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function timeText(seconds) {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function timeNode(seconds, never = "—") {
  if (!seconds) return document.createTextNode(never);
  return el("time", { datetime: new Date(seconds * 1000).toISOString() }, timeText(seconds));
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function quoted(text) {
  return `“${text}”`;
}

function groupLabel(group) {
  return group.name ? `${quoted(group.name)} (${group.id})` : group.id;
}

function setError(id, message) {
  const box = $(id);
  box.textContent = message || "";
  const input = document.querySelector(`[aria-describedby~="${id}"]`);
  if (input) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

function clearErrors(form) {
  for (const box of form.querySelectorAll(".error")) setError(box.id, "");
}

// Show a refusal next to the input it concerns (fields: name -> <prefix>-name-error, ...),
// else at the form's foot. Returns the input to focus.
function showRefusal(error, prefix, fields, fallback) {
  const field = error instanceof ApiError ? error.field : null;
  if (field && fields.includes(field)) {
    setError(`${prefix}-${field}-error`, error.message);
    return $(`${prefix}-${field}`);
  }
  setError(fallback, error.message);
  return null;
}

async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function byteCounter(input, counter, limit, errorId, what) {
  const size = byteLength(input.value);
  $(counter).textContent = `${size} / ${limit} bytes`;
  $(counter).classList.toggle("over", size > limit);
  setError(errorId, size > limit ? `The ${what} is ${size} bytes long; at most ${limit} bytes (UTF-8) are allowed.` : "");
  return size <= limit;
}

// -- views and navigation ---------------------------------------------------------------------

const VIEWS = { login: "login-view", list: "list-view", details: "details-view" };

function show(view) {
  $("loading").hidden = true;
  for (const [name, id] of Object.entries(VIEWS)) $(id).hidden = name !== view;
  $("account").hidden = view === "login";
}

function route() {
  if (!state.user) return;
  const match = location.hash.match(/^#\/group\/(.+)$/);
  if (match) openDetails(decodeURIComponent(match[1]));
  else openList();
}

function signedIn(session) {
  state.user = session.user;
  setCsrf(session.csrf);
  $("whoami").textContent = session.user;
  route();
}

function showLogin({ error = "", status = "" } = {}) {
  state.user = "";
  setCsrf("");
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  document.title = "Sign in · groupcast console";
  show("login");
  setError("login-error", error);
  $("login-status").textContent = status;
  $("login-user").focus();
}

addEventListener("hashchange", route);
addEventListener("console:signed-out", (event) => showLogin({ error: event.detail }));

// -- sign in, sign out --------------------------------------------------------------------------

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  $("login-status").textContent = "";
  const user = $("login-user").value.trim();
  const password = $("login-password").value;
  if (!user || !password) {
    setError("login-error", user ? "Enter the password." : "Enter the admin identifier.");
    (user ? $("login-password") : $("login-user")).focus();
    return;
  }
  try {
    const session = await busy(form.querySelector("[type=submit]"), () =>
      call("login", { body: { user, password } }),
    );
    $("login-password").value = "";
    signedIn(session);
  } catch (error) {
    setError("login-error", error.message);
    $("login-password").select();
    $("login-password").focus();
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await call("logout", { body: {} });
  } catch {
    // signed out already
  }
  history.replaceState(null, "", "#/");
  showLogin({ status: "You are signed out." });
});

// -- the group list ---------------------------------------------------------------------------

function openList() {
  show("list");
  document.title = "Groups · groupcast console";
  loadList();
}

async function loadList() {
  const list = state.list;
  setError("list-error", "");
  const after = list.cursors[list.cursors.length - 1];
  $("prev-page").disabled = $("next-page").disabled = true; // until this page is in
  let data;
  try {
    data = await call("groups", { query: { q: list.q, type: list.type, after, limit: list.size } });
  } catch (error) {
    setError("list-error", error.message);
    $("prev-page").disabled = list.cursors.length === 1;
    return;
  }
  if (!data.groups.length && list.cursors.length > 1) {
    list.cursors.pop(); // the page emptied (its groups were dismissed): show the one before
    return loadList();
  }
  list.rows = data.groups;
  list.total = data.total;
  list.next = data.next;
  // A group just added comes last in creation order: show it on top of this page too.
  list.inserted = Boolean(list.added && matches(list.added) && !list.rows.some((g) => g.id === list.added.id));
  if (list.inserted) list.rows = [list.added, ...list.rows];
  list.selected.clear();
  renderList();
}

// Whether a group passes the list's filters (as the server applies them).
function matches(group) {
  const { q, type } = state.list;
  const name = group.name.toLowerCase();
  return (!type || group.type === type) && (!q || group.id === q || name.includes(q.toLowerCase()));
}

function groupRow(group) {
  const label = groupLabel(group);
  const isNew = state.list.added?.id === group.id;
  return el(
    "tr",
    { dataset: { id: group.id }, className: isNew ? "new" : "" },
    el("td", { className: "check" }, el("input", { type: "checkbox", "aria-label": `Select group ${label}` })),
    el("td", { className: "mono" }, group.id),
    el("td", {}, group.name, isNew ? " " : null, isNew ? el("span", { className: "badge" }, "new") : null),
    el("td", { className: "mono" }, group.owner || "—"),
    el("td", {}, group.type),
    el("td", {}, timeNode(group.created)),
    el(
      "td",
      { className: "actions" },
      el("button", { type: "button", className: "link", dataset: { action: "details" }, "aria-label": `View details of ${label}` }, "View details"),
      el("button", { type: "button", className: "link", dataset: { action: "send" }, "aria-label": `Send message to ${label}` }, "Send message"),
      el("button", { type: "button", className: "link danger", dataset: { action: "dismiss" }, "aria-label": `Dismiss ${label}` }, "Dismiss"),
    ),
  );
}

function renderList() {
  const list = state.list;
  const body = $("group-table").tBodies[0];
  if (!list.rows.length) {
    const empty = list.q || list.type ? "No groups match." : "No groups yet: add one.";
    body.replaceChildren(el("tr", {}, el("td", { colSpan: 7, className: "empty" }, empty)));
  } else {
    body.replaceChildren(...list.rows.map(groupRow));
  }
  const page = list.cursors.length;
  const first = (page - 1) * list.size + 1;
  const shown = list.rows.length - (list.inserted ? 1 : 0);
  $("list-summary").textContent =
    list.total && shown
      ? `Page ${page} · groups ${first}–${first + shown - 1} of ${list.total}`
      : `Page ${page} · ${plural(list.total, "group")}`;
  $("prev-page").disabled = page === 1;
  $("next-page").disabled = list.next === null;
  updateGroupSelection();
}

function updateGroupSelection() {
  const list = state.list;
  const n = list.selected.size;
  $("send-selected").disabled = n === 0;
  $("dismiss-selected").disabled = n === 0;
  $("selection").textContent = n ? `${n} selected` : "";
  for (const row of $("group-table").tBodies[0].rows) {
    const box = row.querySelector("input[type=checkbox]");
    if (!box) continue;
    box.checked = list.selected.has(row.dataset.id);
    row.classList.toggle("selected", box.checked);
  }
  const all = $("select-all");
  all.checked = n > 0 && n === list.rows.length;
  all.indeterminate = n > 0 && n < list.rows.length;
}

function rowGroup(id) {
  return state.list.rows.find((g) => g.id === id);
}

$("group-table").addEventListener("change", (event) => {
  const box = event.target;
  if (box.id === "select-all") {
    state.list.selected.clear();
    if (box.checked) for (const g of state.list.rows) state.list.selected.set(g.id, g);
  } else {
    const id = box.closest("tr")?.dataset.id;
    if (!id) return;
    if (box.checked) state.list.selected.set(id, rowGroup(id));
    else state.list.selected.delete(id);
  }
  updateGroupSelection();
});

$("group-table").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const group = rowGroup(button.closest("tr").dataset.id);
  if (!group) return;
  if (button.dataset.action === "details") location.hash = `#/group/${encodeURIComponent(group.id)}`;
  else if (button.dataset.action === "send") openSend([group]);
  else if (button.dataset.action === "dismiss") confirmDismiss([group]);
});

$("filter-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const list = state.list;
  list.q = $("filter-q").value.trim();
  list.type = $("filter-type").value;
  list.cursors = [0];
  list.added = null;
  $("list-status").textContent = "";
  loadList();
});
$("filter-type").addEventListener("change", () => $("filter-form").requestSubmit());
$("filter-reset").addEventListener("click", () => {
  $("filter-q").value = "";
  $("filter-type").value = "";
  $("filter-form").requestSubmit();
});
$("page-size").addEventListener("change", () => {
  state.list.size = Number($("page-size").value);
  state.list.cursors = [0];
  loadList();
});
$("next-page").addEventListener("click", () => {
  if (state.list.next === null) return;
  state.list.cursors.push(state.list.next);
  state.list.added = null;
  loadList();
});
$("prev-page").addEventListener("click", () => {
  if (state.list.cursors.length > 1) state.list.cursors.pop();
  state.list.added = null;
  loadList();
});
$("send-selected").addEventListener("click", () => openSend([...state.list.selected.values()]));
$("dismiss-selected").addEventListener("click", () => confirmDismiss([...state.list.selected.values()]));

// -- add group --------------------------------------------------------------------------------

const groupName = () => byteCounter($("group-name"), "group-name-count", NAME_BYTES, "group-name-error", "name");

$("add-group").addEventListener("click", () => {
  const form = $("group-form");
  form.reset();
  clearErrors(form);
  groupName();
  $("group-dialog").showModal();
  $("group-name").focus();
});
$("group-name").addEventListener("input", groupName);

$("group-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  const name = $("group-name").value;
  const owner = $("group-owner").value.trim();
  const type = $("group-type").value;
  if (!name.trim()) {
    setError("group-name-error", "Enter a group name.");
    $("group-name").focus();
    return;
  }
  if (!groupName()) {
    $("group-name").focus();
    return;
  }
  try {
    const { group } = await busy(form.querySelector("[type=submit]"), () =>
      call("groups/create", { body: { name, owner, type } }),
    );
    $("group-dialog").close();
    state.list.added = group;
    $("list-status").textContent = `Group ${groupLabel(group)} created.`;
    await loadList();
  } catch (error) {
    (showRefusal(error, "group", ["name", "owner", "type"], "group-form-error") ?? $("group-name")).focus();
  }
});

// -- send message -----------------------------------------------------------------------------

let sendTargets = [];

function sendCounter() {
  const n = charLength($("send-text").value);
  $("send-count").textContent = `${n} / ${TEXT_CHARS}`;
  $("send-count").classList.toggle("over", n > TEXT_CHARS);
  setError("send-text-error", n > TEXT_CHARS ? `The message is ${n} characters long; at most ${TEXT_CHARS} are allowed.` : "");
  return n;
}

function describeTargets() {
  $("send-targets").textContent =
    sendTargets.length === 1
      ? `To the group ${groupLabel(sendTargets[0])}.`
      : `To ${sendTargets.length} groups: ${sendTargets.map(groupLabel).join(", ")}.`;
}

function openSend(groups) {
  if (!groups.length) return;
  sendTargets = groups;
  const form = $("send-form");
  form.reset();
  clearErrors(form);
  $("send-dialog-title").textContent = groups.length === 1 ? "Send message" : `Send message to ${groups.length} groups`;
  describeTargets();
  sendCounter();
  $("send-dialog").showModal();
  $("send-text").focus();
}

$("send-text").addEventListener("input", sendCounter);
$("details-send").addEventListener("click", () => state.details.group && openSend([state.details.group]));

$("send-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  setError("send-form-error", "");
  const text = $("send-text").value;
  const n = sendCounter();
  if (!text.trim()) {
    setError("send-text-error", "Write a message.");
    $("send-text").focus();
    return;
  }
  if (n > TEXT_CHARS) {
    $("send-text").focus();
    return;
  }
  let results;
  try {
    ({ results } = await busy(form.querySelector("[type=submit]"), () =>
      call("messages/send", { body: { groups: sendTargets.map((g) => g.id), text } }),
    ));
  } catch (error) {
    (showRefusal(error, "send", ["text"], "send-form-error") ?? $("send-text")).focus();
    return;
  }
  const failed = results.filter((r) => !r.ok);
  const sent = results.length - failed.length;
  const where = currentStatus();
  if (!failed.length) {
    $("send-dialog").close();
    $(where).textContent = `Message sent to ${plural(sent, "group")}.`;
    return;
  }
  // Keep the dialog open for the groups that refused it; the others have it.
  const refused = new Set(failed.map((r) => r.group));
  sendTargets = sendTargets.filter((g) => refused.has(g.id));
  describeTargets();
  const lines = failed.map((r) => `Not sent to ${r.group}: ${r.error.message}`);
  if (sent) lines.unshift(`Sent to ${plural(sent, "group")}.`);
  setError("send-form-error", lines.join("\n"));
});

function currentStatus() {
  return $("details-view").hidden ? "list-status" : "details-status";
}

// -- confirmation -----------------------------------------------------------------------------

let confirmed = null;

function confirmAction({ title, text, ok, action }) {
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = ok;
  setError("confirm-error", "");
  confirmed = action;
  $("confirm-dialog").showModal();
}

$("confirm-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!confirmed) return;
  try {
    await busy($("confirm-ok"), confirmed);
    $("confirm-dialog").close();
  } catch (error) {
    setError("confirm-error", error.message);
  }
});
$("confirm-dialog").addEventListener("close", () => {
  confirmed = null;
});

for (const button of document.querySelectorAll("[data-close]")) {
  button.addEventListener("click", () => button.closest("dialog").close());
}

// -- dismiss ----------------------------------------------------------------------------------

function confirmDismiss(groups) {
  if (!groups.length) return;
  const one = groups.length === 1;
  const what = one ? `the group ${groupLabel(groups[0])}` : `these ${groups.length} groups: ${groups.map(groupLabel).join(", ")}`;
  confirmAction({
    title: one ? "Dismiss group" : `Dismiss ${groups.length} groups`,
    text: `Dismiss ${what}?\nAll group data will be deleted and cannot be restored: the members, the messages and the profile. The members are notified.`,
    ok: one ? "Dismiss group" : `Dismiss ${groups.length} groups`,
    action: async () => {
      const { results } = await call("groups/dismiss", { body: { groups: groups.map((g) => g.id) } });
      const failed = results.filter((r) => !r.ok);
      const done = results.length - failed.length;
      if (!done) throw new ApiError(400, 0, failed.map((r) => `${r.group}: ${r.error.message}`).join("\n"), null);
      const message = `Dismissed ${plural(done, "group")}.`;
      const problems = failed.map((r) => `Not dismissed: ${r.group}: ${r.error.message}`).join("\n");
      if (!$("details-view").hidden) {
        location.hash = "#/";
      }
      state.list.added = null;
      $("list-status").textContent = message;
      setError("list-error", problems);
      if ($("details-view").hidden) await loadList();
    },
  });
}

$("details-dismiss").addEventListener("click", () => state.details.group && confirmDismiss([state.details.group]));

// -- group details ----------------------------------------------------------------------------

async function openDetails(id) {
  const details = state.details;
  show("details");
  if (details.id !== id) {
    details.id = id;
    details.group = null;
    details.offset = 0;
    for (const box of document.querySelectorAll("#group-info dd")) box.textContent = "";
    $("details-status").textContent = "";
    $("members-status").textContent = "";
  }
  details.selected.clear();
  setError("details-error", "");
  setError("members-error", "");
  setError("add-member-error", "");
  document.title = "Group details · groupcast console";
  if (await loadGroup()) await loadMembers();
  $("details-title").focus();
}

async function loadGroup() {
  const details = state.details;
  try {
    const { group } = await call("group", { query: { id: details.id } });
    details.group = group;
  } catch (error) {
    details.group = null;
    setError("details-error", error.message);
    $("group-info").closest("section").hidden = true;
    $("members-title").closest("section").hidden = true;
    return false;
  }
  $("group-info").closest("section").hidden = false;
  $("members-title").closest("section").hidden = false;
  renderInfo();
  return true;
}

function renderInfo() {
  const group = state.details.group;
  const info = (key) => document.querySelector(`#group-info [data-info="${key}"]`);
  info("id").textContent = group.id;
  info("name").textContent = group.name;
  info("introduction").textContent = group.introduction || "—";
  info("owner").textContent = group.owner || "None (the app admin manages it)";
  info("type").textContent = group.type;
  info("created").replaceChildren(timeNode(group.created));
  info("members").textContent = group.hasMemberList
    ? String(group.members)
    : `${group.online} online now (an AVChatRoom keeps no member list)`;
  $("details-title").textContent = `Group details: ${group.name}`;
  document.title = `${group.name} · groupcast console`;
  $("member-tools").hidden = !group.hasMemberList;
  $("no-members").hidden = group.hasMemberList;
  $("no-members").textContent = group.hasMemberList
    ? ""
    : "AVChatRoom groups keep no member list: their audience is whoever is in the room.";
}

async function loadMembers() {
  const details = state.details;
  if (!details.group?.hasMemberList) return;
  setError("members-error", "");
  $("members-prev").disabled = $("members-next").disabled = true; // until this page is in
  let data;
  try {
    data = await call("members", { query: { group: details.id, offset: details.offset, limit: MEMBER_PAGE } });
  } catch (error) {
    setError("members-error", error.message);
    $("members-prev").disabled = details.offset === 0;
    return;
  }
  if (!data.members.length && details.offset > 0) {
    details.offset = Math.max(0, details.offset - MEMBER_PAGE);
    return loadMembers();
  }
  details.members = data.members;
  details.total = data.total;
  details.selected.clear();
  renderMembers();
}

function memberRow(member) {
  const owner = member.role === "Owner";
  return el(
    "tr",
    { dataset: { user: member.user } },
    el(
      "td",
      { className: "check" },
      el("input", {
        type: "checkbox",
        disabled: owner,
        title: owner ? "The owner cannot be deleted" : null,
        "aria-label": owner ? `${member.user} is the owner and cannot be deleted` : `Select member ${member.user}`,
      }),
    ),
    el("td", { className: "mono" }, member.user),
    el("td", {}, member.nick || "—"),
    el("td", {}, timeNode(member.joinTime)),
    el("td", {}, timeNode(member.lastSpeak, "Never")),
    el("td", {}, el("span", { className: `role ${member.role}` }, member.role)),
    el(
      "td",
      { className: "actions" },
      owner
        ? el("span", { className: "muted" }, "—")
        : el("button", { type: "button", className: "link danger", dataset: { action: "remove" }, "aria-label": `Delete member ${member.user}` }, "Delete"),
    ),
  );
}

function renderMembers() {
  const details = state.details;
  const body = $("member-table").tBodies[0];
  if (!details.members.length) body.replaceChildren(el("tr", {}, el("td", { colSpan: 7, className: "empty" }, "No members.")));
  else body.replaceChildren(...details.members.map(memberRow));
  const first = details.offset + 1;
  const last = details.offset + details.members.length;
  $("members-summary").textContent = details.total ? `Members ${first}–${last} of ${details.total}` : "No members";
  $("members-prev").disabled = details.offset === 0;
  $("members-next").disabled = last >= details.total;
  updateMemberSelection();
}

function updateMemberSelection() {
  const details = state.details;
  const n = details.selected.size;
  $("remove-selected").disabled = n === 0;
  $("member-selection").textContent = n ? `${n} selected` : "";
  for (const row of $("member-table").tBodies[0].rows) {
    const box = row.querySelector("input[type=checkbox]");
    if (!box) continue;
    box.checked = details.selected.has(row.dataset.user);
    row.classList.toggle("selected", box.checked);
  }
  const selectable = details.members.filter((m) => m.role !== "Owner").length;
  const all = $("select-all-members");
  all.checked = n > 0 && n === selectable;
  all.indeterminate = n > 0 && n < selectable;
}

$("member-table").addEventListener("change", (event) => {
  const box = event.target;
  const details = state.details;
  if (box.id === "select-all-members") {
    details.selected.clear();
    if (box.checked) for (const m of details.members) if (m.role !== "Owner") details.selected.add(m.user);
  } else {
    const user = box.closest("tr")?.dataset.user;
    if (!user) return;
    if (box.checked) details.selected.add(user);
    else details.selected.delete(user);
  }
  updateMemberSelection();
});

$("member-table").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action=remove]");
  if (button) confirmRemove([button.closest("tr").dataset.user]);
});
$("remove-selected").addEventListener("click", () => confirmRemove([...state.details.selected]));
$("members-prev").addEventListener("click", () => {
  state.details.offset = Math.max(0, state.details.offset - MEMBER_PAGE);
  loadMembers();
});
$("members-next").addEventListener("click", () => {
  state.details.offset += MEMBER_PAGE;
  loadMembers();
});

function confirmRemove(users) {
  if (!users.length) return;
  const one = users.length === 1;
  confirmAction({
    title: one ? "Delete member" : `Delete ${users.length} members`,
    text: one
      ? `Remove ${quoted(users[0])} from the group? They are notified that they were removed.`
      : `Remove these ${users.length} members from the group: ${users.join(", ")}? They are notified that they were removed.`,
    ok: one ? "Delete member" : `Delete ${users.length} members`,
    action: async () => {
      const { removed } = await call("members/remove", { body: { group: state.details.id, users } });
      $("members-status").textContent = removed.length
        ? `Deleted ${plural(removed.length, "member")}: ${removed.join(", ")}.`
        : "Nobody was deleted: they were no longer members.";
      await refreshDetails();
    },
  });
}

async function refreshDetails() {
  if (await loadGroup()) await loadMembers();
}

$("add-member-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  setError("add-member-error", "");
  $("members-status").textContent = "";
  const user = $("add-member-user").value.trim();
  if (!user) {
    setError("add-member-error", "Enter the username of a registered user.");
    $("add-member-user").focus();
    return;
  }
  let result;
  try {
    result = await busy(form.querySelector("[type=submit]"), () =>
      call("members/add", { body: { group: state.details.id, users: [user] } }),
    );
  } catch (error) {
    setError("add-member-error", error.message);
    $("add-member-user").focus();
    return;
  }
  if (result.added.includes(user)) {
    $("add-member-user").value = "";
    $("members-status").textContent = `Added ${quoted(user)}.`;
    await refreshDetails();
    return;
  }
  const why = result.existing.includes(user)
    ? `${quoted(user)} is already a member of this group.`
    : result.overLimit.includes(user)
      ? `${quoted(user)} already belongs to as many groups as a user may.`
      : `${quoted(user)} could not be added.`;
  setError("add-member-error", why);
  $("add-member-user").focus();
});

// -- edit name and introduction ---------------------------------------------------------------

const editName = () => byteCounter($("edit-name"), "edit-name-count", NAME_BYTES, "edit-name-error", "name");
const editIntroduction = () =>
  byteCounter($("edit-introduction"), "edit-introduction-count", INTRODUCTION_BYTES, "edit-introduction-error", "introduction");

$("edit-group").addEventListener("click", () => {
  const group = state.details.group;
  if (!group) return;
  const form = $("edit-form");
  clearErrors(form);
  $("edit-name").value = group.name;
  $("edit-introduction").value = group.introduction;
  editName();
  editIntroduction();
  $("edit-dialog").showModal();
  $("edit-name").focus();
});
$("edit-name").addEventListener("input", editName);
$("edit-introduction").addEventListener("input", editIntroduction);

$("edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const group = state.details.group;
  clearErrors(form);
  const name = $("edit-name").value;
  const introduction = $("edit-introduction").value;
  if (!name.trim()) {
    setError("edit-name-error", "Enter a group name.");
    $("edit-name").focus();
    return;
  }
  if (!editName()) return $("edit-name").focus();
  if (!editIntroduction()) return $("edit-introduction").focus();
  const changes = {};
  if (name !== group.name) changes.name = name;
  if (introduction !== group.introduction) changes.introduction = introduction;
  if (!Object.keys(changes).length) {
    $("edit-dialog").close();
    return;
  }
  try {
    const { group: changed } = await busy(form.querySelector("[type=submit]"), () =>
      call("group/update", { body: { id: group.id, ...changes } }),
    );
    state.details.group = changed;
    renderInfo();
    $("edit-dialog").close();
    $("details-status").textContent = "Saved.";
  } catch (error) {
    (showRefusal(error, "edit", ["name", "introduction"], "edit-form-error") ?? $("edit-name")).focus();
  }
});

// -- start ------------------------------------------------------------------------------------

async function start() {
  try {
    signedIn(await call("session"));
  } catch (error) {
    showLogin({ error: error.status === 401 ? "" : error.message });
  }
}

start();
