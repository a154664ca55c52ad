// The SDK instance: Tencent Cloud Chat Web SDK v3 method names over groupcast's `/ws`
// ops (docs/protocol.md). Every method returns a promise of `{code: 0, data}` and rejects
// with a ChatError `{code, message}`. Events: see constants.ts (EVENT).
//
// Media messages (image, sound, file, video) are not here yet: groupcast's server does
// not take media elements until its issue 14 lands; createImageMessage and friends will
// come with it. Messages of those types sent by others (REST) still arrive, with their
// REST content as `payload`.

import { codecFor } from "./codec.js";
import { EVENT, type EventName, SDK_ERROR, TYPES } from "./constants.js";
import {
  applicationFromWire,
  elementToWire,
  groupFromWire,
  memberFromWire,
  messageFromWire,
  noticeFromWire,
  outgoingMessage,
  tipFromWire,
} from "./convert.js";
import { claimDeviceID, releaseDeviceID } from "./device.js";
import { Emitter } from "./emitter.js";
import { ChatError } from "./errors.js";
import { Sequencer } from "./sequencer.js";
import { Session } from "./session.js";
import type {
  ChatResponse,
  CreateGroupOptions,
  CreateMessageOptions,
  CreateOptions,
  CustomPayload,
  EventHandler,
  FacePayload,
  GetMessageListOptions,
  Group,
  GroupApplication,
  GroupMember,
  LocationPayload,
  LoginOptions,
  Message,
  MessageElement,
  TextPayload,
  UpdateGroupProfileOptions,
  WebSocketConstructor,
} from "./types.js";
import type {
  WireEntry,
  WireGroup,
  WireGroupList,
  WireHistory,
  WireLoginResult,
  WireMember,
  WireNotice,
  WirePush,
  WireRecalled,
  WireSendResult,
} from "./wire.js";

const PAGE_MAX = 15; // getMessageList: Tencent's page size, and its maximum
const CACHE_MAX = 10_000; // messages remembered for nextReqMessageID and recalls
// Notices after which the user's group list differs: join accepted, kicked, dismissed,
// created, added, quit, made admin, admin revoked, receive option changed.
const LIST_NOTICES = new Set([2, 4, 5, 6, 7, 8, 9, 10, 20]);
const NO_HISTORY = 10044;

const ok = <T>(data: T): ChatResponse<T> => ({ code: 0, data });

/** What the member-changing methods resolve to (`member` null: no longer readable). */
type MemberChanged = ChatResponse<{ group: Group | { groupID: string }; member: GroupMember | null }>;

function invalid(message: string): ChatError {
  return new ChatError(SDK_ERROR.INVALID_ARGUMENT, message);
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw invalid(`${name} must be a non-empty string`);
  return value;
}

function groupOf(conversationID: unknown): string {
  const id = requireString(conversationID, "conversationID");
  if (id.startsWith(TYPES.CONV_GROUP)) return id.slice(TYPES.CONV_GROUP.length);
  throw new ChatError(SDK_ERROR.UNSUPPORTED, `only group conversations ("GROUP" + groupID) exist in groupcast, not ${id}`);
}

const isSdkError = (code: number): boolean => code >= 2900 && code < 3000;

function randomUint32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] as number;
}

export class GroupcastChat {
  static readonly EVENT = EVENT;
  static readonly TYPES = TYPES;

  /** Make an instance (no connection yet: `login` connects). */
  static create(options: CreateOptions): GroupcastChat {
    return new GroupcastChat(options);
  }

  readonly EVENT = EVENT;
  readonly TYPES = TYPES;
  /** This instance's device (see CreateOptions.deviceID). */
  readonly deviceID: string;

  private readonly emitter = new Emitter();
  private readonly session: Session;
  private sequencer: Sequencer;
  private readonly ownDeviceID: boolean;
  private readonly requestTimeout: number;
  private destroyed = false;
  private ready = false;
  private outbox: Message[] = [];
  private flushing = false;
  private groups: Group[] | null = null; // the list last emitted with GROUP_LIST_UPDATED
  private groupsShown = "";
  private pendingList = false; // the list changed before SDK_READY: told right after it
  private listRefresh: Promise<void> | null = null;
  private listAgain = false;
  private readonly rooms = new Set<string>(); // live rooms entered: entered again after a reconnect
  private readonly cache = new Map<string, Message>(); // by ID
  private readonly cacheBySeq = new Map<string, string>(); // `${groupID}\n${seq}` -> ID

  private constructor(options: CreateOptions) {
    if (options === null || typeof options !== "object") throw invalid("create() takes an options object");
    if (typeof options.SDKAppID !== "number" || !Number.isInteger(options.SDKAppID)) {
      throw invalid("SDKAppID must be an integer");
    }
    const urls = options.urls ?? (options.url === undefined ? [] : [options.url]);
    if (!Array.isArray(urls) || urls.length === 0 || urls.some((u) => typeof u !== "string" || u === "")) {
      throw invalid("give the server's WebSocket address: url (e.g. ws://127.0.0.1:8080/ws) or urls: [...]");
    }
    const codec = codecFor(options.codec);
    const WebSocketClass =
      options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (typeof WebSocketClass !== "function") {
      throw invalid("no global WebSocket here (Node 20): pass one, e.g. create({..., WebSocket: (await import('ws')).WebSocket})");
    }
    this.ownDeviceID = options.deviceID === undefined;
    this.requestTimeout = options.requestTimeout ?? 10_000;
    this.deviceID = options.deviceID ?? claimDeviceID();
    this.session = new Session(
      {
        urls: [...urls],
        WebSocket: WebSocketClass,
        codec,
        sdkAppID: options.SDKAppID,
        deviceID: this.deviceID,
        platform: options.platform ?? "Web",
        requestTimeout: this.requestTimeout,
      },
      {
        loggedIn: (result) => this.caughtUp(result),
        ready: () => this.becameReady(),
        push: (frame) => this.onPush(frame),
        netState: (state) => this.emitter.emit(EVENT.NET_STATE_CHANGE, { state }),
        kicked: (type) => this.ended(() => this.emitter.emit(EVENT.KICKED_OUT, { type })),
        failed: (error) =>
          this.ended(() => this.emitter.emit(EVENT.ERROR, { code: error.code, message: error.message })),
      },
    );
    this.sequencer = this.newSequencer();
  }

  private newSequencer(): Sequencer {
    return new Sequencer(
      {
        request: (op, fields) => this.session.direct(op, fields),
        deliverNotice: (notice) => this.deliverNotice(notice),
        deliverEntry: (entry) => this.deliverEntry(entry),
        syncFailed: () => undefined, // the next login catches up
      },
      () => this.session.userID,
    );
  }

  // -- events -----------------------------------------------------------------------------

  on(eventName: EventName, handler: EventHandler, context?: unknown): void {
    this.emitter.on(eventName, handler, context);
  }

  off(eventName: EventName, handler: EventHandler, context?: unknown): void {
    this.emitter.off(eventName, handler, context);
  }

  // -- login ------------------------------------------------------------------------------

  /** Connect and log in; SDK_READY follows once caught up. Logging in again as the same
   * user resolves with `repeatLogin: true`. */
  async login(options: LoginOptions): Promise<ChatResponse<{ repeatLogin: boolean }>> {
    this.alive();
    const userID = requireString(options?.userID, "userID");
    const userSig = requireString(options?.userSig, "userSig");
    if (this.session.loggedIn) {
      if (this.session.userID === userID) return ok({ repeatLogin: true });
      await this.logout();
    }
    if (userID !== this.session.userID) this.forgetUser();
    await this.session.login(userID, userSig);
    return ok({ repeatLogin: false });
  }

  async logout(): Promise<ChatResponse<Record<string, never>>> {
    this.alive();
    const wasReady = this.ready;
    this.ready = false;
    await this.session.logout();
    if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
    return ok({});
  }

  /** Log out, stop every timer and forget the handlers: the instance is done. */
  async destroy(): Promise<ChatResponse<Record<string, never>>> {
    if (this.destroyed) return ok({});
    this.destroyed = true;
    this.ready = false;
    this.session.close();
    if (this.ownDeviceID) releaseDeviceID(this.deviceID);
    this.emitter.emit(EVENT.SDK_DESTROY, {});
    this.emitter.clear();
    return ok({});
  }

  isReady(): boolean {
    return this.ready;
  }

  getLoginUser(): string {
    return this.session.loggedIn ? this.session.userID : "";
  }

  private alive(): void {
    if (this.destroyed) throw new ChatError(SDK_ERROR.DESTROYED, "this instance was destroyed");
  }

  private forgetUser(): void {
    this.sequencer = this.newSequencer();
    this.groups = null;
    this.groupsShown = "";
    this.rooms.clear();
    this.cache.clear();
    this.cacheBySeq.clear();
    this.outbox = [];
  }

  private ended(tell: () => void): void {
    const wasReady = this.ready;
    this.ready = false;
    tell();
    if (wasReady) this.emitter.emit(EVENT.SDK_NOT_READY, {});
  }

  /** After each login, before the session counts as ready: notices, groups, rooms. */
  private async caughtUp(result: WireLoginResult): Promise<void> {
    const groups = await this.sequencer.afterLogin(result.notificationSeq ?? 0);
    for (const room of [...this.rooms]) {
      try {
        await this.session.direct("joinGroup", { groupID: room });
      } catch (error) {
        if (!(error instanceof ChatError) || isSdkError(error.code)) throw error; // dropped again
        this.rooms.delete(room); // banned, dismissed, full: not entered again
      }
    }
    this.showGroups(groups);
  }

  private becameReady(): void {
    const first = !this.ready;
    this.ready = true;
    if (first) this.emitter.emit(EVENT.SDK_READY, {});
    this.flush();
    if (this.groups !== null && this.pendingList) {
      this.pendingList = false;
      this.emitter.emit(EVENT.GROUP_LIST_UPDATED, this.groups);
    }
  }

  // -- what the server pushes ---------------------------------------------------------------

  private onPush(frame: WirePush): void {
    switch (frame.type) {
      case "groupSystemNotice":
        this.sequencer.onNotice(frame as WireNotice, (groupID) => this.rooms.delete(groupID));
        break;
      case "groupMessage":
      case "groupTip":
        this.sequencer.onEntry(frame as WireEntry);
        break;
      case "groupMessageRecalled":
        void this.recalled(frame as WireRecalled);
        break;
      default:
        break; // deviceOnline, deviceOffline, groupReadUpdated: no Web SDK event for them
    }
  }

  private deliverNotice(notice: WireNotice): void {
    this.queue(noticeFromWire(this.session.userID, notice));
    if (LIST_NOTICES.has(notice.operationType)) this.refreshGroups();
  }

  private deliverEntry(entry: WireEntry): void {
    const me = this.session.userID;
    const message = entry.type === "groupMessage" ? messageFromWire(me, entry) : tipFromWire(entry);
    this.remember(message);
    this.queue(message);
    if (entry.type === "groupTip") {
      const concernsMe = (entry.userIDList ?? []).includes(me);
      // joined (this user), role changed (this user), profile changed (anyone's list shows it)
      if ((concernsMe && [1, 4, 5].includes(entry.operationType)) || entry.operationType === 6) this.refreshGroups();
    } else if (entry.seq && this.groups !== null && !this.groups.some((g) => g.groupID === entry.groupID)) {
      this.refreshGroups(); // a message from a group the list lacks: the list is behind
    }
  }

  private async recalled(push: WireRecalled): Promise<void> {
    let message: Message | undefined;
    const id = this.cacheBySeq.get(`${push.groupID}\n${push.seq}`);
    if (id !== undefined) message = this.cache.get(id);
    if (message === undefined) {
      try {
        const page = await this.session.request<WireHistory>("getGroupHistory", {
          groupID: push.groupID,
          afterSeq: push.seq - 1,
          count: 1,
        });
        const entry = page.messages.find((e) => e.seq === push.seq && e.type === "groupMessage");
        if (entry !== undefined && entry.type === "groupMessage") message = messageFromWire(this.session.userID, entry);
      } catch {
        // not readable (no longer a member): tell what is known
      }
    }
    const revoked: Message = message ?? {
      ...tipFromWire({ type: "groupTip", groupID: push.groupID, operationType: 0, seq: push.seq }),
      type: TYPES.MSG_TEXT,
      payload: { text: "" },
      elements: [],
      ID: "",
    };
    revoked.isRevoked = true;
    revoked.revoker = push.operatorID;
    revoked.revokeReason = push.reason ?? "";
    this.emitter.emit(EVENT.MESSAGE_REVOKED, [revoked]);
  }

  /** Messages go out in one MESSAGE_RECEIVED per turn of the event loop, in order, and
   * only once SDK_READY was told. */
  private queue(message: Message): void {
    this.outbox.push(message);
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => {
        this.flushing = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (!this.ready || this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.emitter.emit(EVENT.MESSAGE_RECEIVED, batch);
  }

  private remember(message: Message): void {
    this.cache.delete(message.ID);
    this.cache.set(message.ID, message);
    if (message.sequence) this.cacheBySeq.set(`${message.to}\n${message.sequence}`, message.ID);
    if (this.cache.size > CACHE_MAX) {
      const oldest = this.cache.values().next().value as Message;
      this.cache.delete(oldest.ID);
      this.cacheBySeq.delete(`${oldest.to}\n${oldest.sequence}`);
    }
  }

  // -- the group list -----------------------------------------------------------------------

  /** Fetch the joined groups again (coalescing calls) and tell if the list changed. */
  private refreshGroups(): void {
    if (this.listRefresh !== null) {
      this.listAgain = true;
      return;
    }
    this.listRefresh = (async () => {
      do {
        this.listAgain = false;
        this.showGroups(await this.fetchGroups());
      } while (this.listAgain);
    })()
      .catch(() => undefined) // disconnected: the next login lists them again
      .finally(() => {
        this.listRefresh = null;
      });
  }

  private async fetchGroups(): Promise<WireGroup[]> {
    const groups: WireGroup[] = [];
    let offset = 0;
    for (;;) {
      const page = await this.session.request<WireGroupList>("getGroupList", { offset, count: 100 });
      groups.push(...page.groupList);
      if (!page.nextOffset) return groups;
      offset = page.nextOffset;
    }
  }

  private showGroups(list: WireGroup[]): void {
    const groups = list.map(groupFromWire);
    const shown = JSON.stringify(groups);
    if (shown === this.groupsShown && this.groups !== null) return;
    this.groups = groups;
    this.groupsShown = shown;
    if (this.ready) this.emitter.emit(EVENT.GROUP_LIST_UPDATED, groups);
    else this.pendingList = true;
  }

  // -- groups ---------------------------------------------------------------------------------

  async createGroup(options: CreateGroupOptions): Promise<ChatResponse<{ group: Group; overLimitUserIDList: string[] }>> {
    const result = await this.session.request<{ group: WireGroup; overLimitUserIDList?: string[] }>("createGroup", {
      name: requireString(options?.name, "name"),
      type: options.type ?? TYPES.GRP_WORK,
      groupID: options.groupID ?? "",
      introduction: options.introduction ?? "",
      notification: options.notification ?? "",
      avatar: options.avatar ?? "",
      maxMemberNum: options.maxMemberNum ?? 0,
      joinOption: options.joinOption,
      memberList: (options.memberList ?? []).map((m) => ({
        userID: m.userID,
        role: m.role ?? TYPES.GRP_MBR_ROLE_MEMBER,
        memberCustomField: m.memberCustomField ?? [],
      })),
      groupCustomField: options.groupCustomField ?? [],
    });
    return ok({ group: groupFromWire(result.group), overLimitUserIDList: result.overLimitUserIDList ?? [] });
  }

  async joinGroup(options: {
    groupID: string;
    applyMessage?: string;
    type?: string;
  }): Promise<ChatResponse<{ status: string; group: Group | { groupID: string; type: string } }>> {
    const groupID = requireString(options?.groupID, "groupID");
    const result = await this.session.request<{ status: string; groupID: string; type: string }>("joinGroup", {
      groupID,
      applyMessage: options.applyMessage ?? "",
    });
    if (result.type === TYPES.GRP_AVCHATROOM) this.rooms.add(groupID);
    let group: Group | { groupID: string; type: string } = { groupID, type: result.type };
    if (result.status !== TYPES.JOIN_STATUS_WAIT_APPROVAL) group = (await this.profileOrNull(groupID)) ?? group;
    return ok({ status: result.status, group });
  }

  async quitGroup(groupID: string): Promise<ChatResponse<{ groupID: string }>> {
    await this.session.request("quitGroup", { groupID: requireString(groupID, "groupID") });
    this.rooms.delete(groupID);
    return ok({ groupID });
  }

  async dismissGroup(groupID: string): Promise<ChatResponse<{ groupID: string }>> {
    await this.session.request("dismissGroup", { groupID: requireString(groupID, "groupID") });
    this.rooms.delete(groupID);
    return ok({ groupID });
  }

  /** The joined groups (AVChatRooms are never listed), every page. */
  async getGroupList(_options?: { groupProfileFilter?: string[] }): Promise<ChatResponse<{ groupList: Group[] }>> {
    return ok({ groupList: (await this.fetchGroups()).map(groupFromWire) });
  }

  async getGroupProfile(options: {
    groupID: string;
    groupCustomFieldFilter?: string[];
  }): Promise<ChatResponse<{ group: Group }>> {
    const result = await this.session.request<{ group: WireGroup }>("getGroupProfile", {
      groupID: requireString(options?.groupID, "groupID"),
      groupCustomFieldFilter: options.groupCustomFieldFilter ?? [],
    });
    return ok({ group: groupFromWire(result.group) });
  }

  /** Tencent's name for reading a group by its ID. */
  searchGroupByID(groupID: string): Promise<ChatResponse<{ group: Group }>> {
    return this.getGroupProfile({ groupID });
  }

  async updateGroupProfile(options: UpdateGroupProfileOptions): Promise<ChatResponse<{ group: Group }>> {
    const { groupID, ...fields } = options ?? ({} as UpdateGroupProfileOptions);
    const result = await this.session.request<{ group: WireGroup }>("updateGroupProfile", {
      groupID: requireString(groupID, "groupID"),
      name: fields.name,
      introduction: fields.introduction,
      notification: fields.notification,
      avatar: fields.avatar,
      joinOption: fields.joinOption,
      muteAllMembers: fields.muteAllMembers,
      groupCustomField: fields.groupCustomField,
    });
    return ok({ group: groupFromWire(result.group) });
  }

  async changeGroupOwner(options: { groupID: string; newOwnerID: string }): Promise<ChatResponse<{ group: Group }>> {
    const groupID = requireString(options?.groupID, "groupID");
    await this.session.request("changeGroupOwner", {
      groupID,
      newOwnerID: requireString(options.newOwnerID, "newOwnerID"),
    });
    return ok({ group: await this.profile(groupID) });
  }

  async getGroupOnlineMemberCount(groupID: string): Promise<ChatResponse<{ memberCount: number }>> {
    const result = await this.session.request<{ memberCount: number }>("getOnlineMemberCount", {
      groupID: requireString(groupID, "groupID"),
    });
    return ok({ memberCount: result.memberCount });
  }

  async setMessageRemindType(options: {
    groupID: string;
    messageRemindType: string;
  }): Promise<ChatResponse<{ group: Group }>> {
    const groupID = requireString(options?.groupID, "groupID");
    const remind = requireString(options.messageRemindType, "messageRemindType");
    await this.session.request("setMessageRemindType", { groupID, messageRemindType: remind });
    this.sequencer.remindTypeSet(groupID, remind);
    return ok({ group: await this.profile(groupID) });
  }

  // -- members --------------------------------------------------------------------------------

  async addGroupMember(options: { groupID: string; userIDList: string[] }): Promise<
    ChatResponse<{
      successUserIDList: string[];
      failureUserIDList: string[];
      existedUserIDList: string[];
      overLimitUserIDList: string[];
      pendingUserIDList: string[];
      group: Group;
    }>
  > {
    const groupID = requireString(options?.groupID, "groupID");
    const result = await this.session.request<Record<string, string[] | undefined>>("addGroupMember", {
      groupID,
      userIDList: options.userIDList,
    });
    return ok({
      successUserIDList: result.successUserIDList ?? [],
      failureUserIDList: result.failureUserIDList ?? [],
      existedUserIDList: result.existedUserIDList ?? [],
      overLimitUserIDList: result.overLimitUserIDList ?? [],
      pendingUserIDList: result.pendingUserIDList ?? [],
      group: await this.profile(groupID),
    });
  }

  async deleteGroupMember(options: {
    groupID: string;
    userIDList: string[];
    reason?: string;
    duration?: number;
  }): Promise<ChatResponse<{ group: Group | { groupID: string }; userIDList: string[] }>> {
    const groupID = requireString(options?.groupID, "groupID");
    await this.session.request("deleteGroupMember", {
      groupID,
      userIDList: options.userIDList,
      reason: options.reason ?? "",
      duration: options.duration ?? 0,
    });
    return ok({ group: (await this.profileOrNull(groupID)) ?? { groupID }, userIDList: options.userIDList });
  }

  async getGroupMemberList(options: {
    groupID: string;
    count?: number;
    offset?: number;
  }): Promise<ChatResponse<{ memberList: GroupMember[]; offset: number }>> {
    const result = await this.session.request<{ memberList: WireMember[]; nextOffset?: number }>("getGroupMemberList", {
      groupID: requireString(options?.groupID, "groupID"),
      count: options.count ?? 15,
      offset: options.offset ?? 0,
    });
    return ok({ memberList: result.memberList.map(memberFromWire), offset: result.nextOffset ?? 0 });
  }

  async getGroupMemberProfile(options: {
    groupID: string;
    userIDList: string[];
    memberCustomFieldFilter?: string[];
  }): Promise<ChatResponse<{ memberList: GroupMember[] }>> {
    const result = await this.session.request<{ memberList: WireMember[] }>("getGroupMemberProfile", {
      groupID: requireString(options?.groupID, "groupID"),
      userIDList: options.userIDList,
      memberCustomFieldFilter: options.memberCustomFieldFilter ?? [],
    });
    return ok({ memberList: result.memberList.map(memberFromWire) });
  }

  async setGroupMemberRole(options: { groupID: string; userID: string; role: string }): Promise<MemberChanged> {
    return this.changeMember("setGroupMemberRole", options, { role: options?.role });
  }

  async setGroupMemberMuteTime(options: { groupID: string; userID: string; muteTime: number }): Promise<MemberChanged> {
    return this.changeMember("setGroupMemberMuteTime", options, { muteTime: options?.muteTime });
  }

  async setGroupMemberNameCard(options: { groupID: string; nameCard: string; userID?: string }): Promise<MemberChanged> {
    return this.changeMember("setGroupMemberNameCard", options, { nameCard: options?.nameCard ?? "" });
  }

  async setGroupMemberCustomField(options: {
    groupID: string;
    memberCustomField: { key: string; value: string }[];
    userID?: string;
  }): Promise<MemberChanged> {
    return this.changeMember("setGroupMemberCustomField", options, { memberCustomField: options?.memberCustomField });
  }

  /** A change to one member (`userID`, default: yourself); resolves to the group and the
   * member as they are now. */
  private async changeMember(
    op: string,
    options: { groupID: string; userID?: string },
    fields: Record<string, unknown>,
  ): Promise<MemberChanged> {
    const groupID = requireString(options?.groupID, "groupID");
    await this.session.request(op, { groupID, userID: options.userID, ...fields });
    const userID = options.userID ?? this.session.userID;
    const group = (await this.profileOrNull(groupID)) ?? { groupID };
    return ok({ group, member: await this.member(groupID, userID) });
  }

  // -- applications ---------------------------------------------------------------------------

  async getGroupApplicationList(): Promise<ChatResponse<{ applicationList: GroupApplication[]; unreadCount: number }>> {
    const result = await this.session.request<{ applicationList: Record<string, unknown>[]; unreadCount: number }>(
      "getGroupApplicationList",
      {},
    );
    return ok({ applicationList: result.applicationList.map(applicationFromWire), unreadCount: result.unreadCount });
  }

  /** Native SDKs' name (not in Tencent's Web SDK): mark the application list read. */
  async setGroupApplicationRead(): Promise<ChatResponse<Record<string, never>>> {
    await this.session.request("setGroupApplicationRead", {});
    return ok({});
  }

  /** Agree to or reject an application or an invitation: pass the system notice
   * `message` that told of it, or an `application` of getGroupApplicationList. */
  async handleGroupApplication(options: {
    handleAction: "Agree" | "Reject";
    handleMessage?: string;
    message?: Message;
    application?: { applicationID: string; groupID?: string };
  }): Promise<ChatResponse<{ group: Group | { groupID: string } }>> {
    const fromMessage = options?.message?.payload as { applicationID?: string; groupProfile?: { groupID: string } } | undefined;
    const applicationID = options?.application?.applicationID ?? fromMessage?.applicationID;
    requireString(applicationID, "the application (message.payload.applicationID or application.applicationID)");
    if (options.handleAction !== "Agree" && options.handleAction !== "Reject") {
      throw invalid('handleAction must be "Agree" or "Reject"');
    }
    await this.session.request("handleGroupApplication", {
      applicationID,
      handleAction: options.handleAction,
      handleMessage: options.handleMessage ?? "",
    });
    const groupID = options.application?.groupID ?? fromMessage?.groupProfile?.groupID ?? "";
    const group = groupID ? await this.profileOrNull(groupID) : null;
    return ok({ group: group ?? { groupID } });
  }

  private async profile(groupID: string): Promise<Group> {
    return (await this.getGroupProfile({ groupID })).data.group;
  }

  private async profileOrNull(groupID: string): Promise<Group | null> {
    try {
      return await this.profile(groupID);
    } catch {
      return null; // e.g. no longer readable: the operation itself succeeded
    }
  }

  private async member(groupID: string, userID: string): Promise<GroupMember | null> {
    try {
      return (await this.getGroupMemberProfile({ groupID, userIDList: [userID] })).data.memberList[0] ?? null;
    } catch {
      return null;
    }
  }

  // -- messages -------------------------------------------------------------------------------

  createTextMessage(options: CreateMessageOptions<TextPayload>): Message {
    const text = options?.payload?.text;
    if (typeof text !== "string" || text === "") throw invalid("payload.text must be a non-empty string");
    return this.compose(options, { type: TYPES.MSG_TEXT, payload: { text } });
  }

  createCustomMessage(options: CreateMessageOptions<Partial<CustomPayload>>): Message {
    const p = options?.payload ?? {};
    return this.compose(options, {
      type: TYPES.MSG_CUSTOM,
      payload: { data: p.data ?? "", description: p.description ?? "", extension: p.extension ?? "" },
    });
  }

  createFaceMessage(options: CreateMessageOptions<FacePayload>): Message {
    const p = options?.payload;
    if (typeof p?.index !== "number") throw invalid("payload.index must be a number");
    return this.compose(options, { type: TYPES.MSG_FACE, payload: { index: p.index, data: p.data ?? "" } });
  }

  createLocationMessage(options: CreateMessageOptions<LocationPayload>): Message {
    const p = options?.payload;
    if (typeof p?.latitude !== "number" || typeof p.longitude !== "number") {
      throw invalid("payload.latitude and payload.longitude must be numbers");
    }
    return this.compose(options, {
      type: TYPES.MSG_LOCATION,
      payload: { description: p.description ?? "", longitude: p.longitude, latitude: p.latitude },
    });
  }

  private compose(options: CreateMessageOptions<unknown>, element: MessageElement): Message {
    const to = requireString(options?.to, "to");
    if (options.conversationType !== undefined && options.conversationType !== TYPES.CONV_GROUP) {
      throw new ChatError(SDK_ERROR.UNSUPPORTED, "groupcast has group conversations only (TYPES.CONV_GROUP)");
    }
    return outgoingMessage(this.session.userID, to, element, randomUint32(), options.priority, options.cloudCustomData);
  }

  /**
   * Send a message made by a create*Message method. A connection that drops meanwhile
   * does not fail it: it is sent again (same `random`, so the server stores it once)
   * after the reconnect, for up to three request timeouts in all.
   */
  async sendMessage(message: Message, _options?: Record<string, unknown>): Promise<ChatResponse<{ message: Message }>> {
    if (message === null || typeof message !== "object" || !Array.isArray(message.elements)) {
      throw invalid("sendMessage takes a message made by a create*Message method");
    }
    const groupID = requireString(message.to, "message.to");
    if (message.from === "") message.from = this.session.userID;
    message.status = "unSend";
    this.sequencer.beginSend(groupID, message.random);
    let seq: number | null = null;
    try {
      const request = {
        groupID,
        random: message.random,
        msgBody: message.elements.map(elementToWire),
        cloudCustomData: message.cloudCustomData,
        priority: message.priority,
      };
      const deadline = Date.now() + 3 * this.requestTimeout;
      let result: WireSendResult;
      for (;;) {
        try {
          result = await this.session.request<WireSendResult>("sendGroupMessage", request);
          break;
        } catch (error) {
          // No reply (dropped, or none in time): the same request again is safe.
          const unanswered =
            error instanceof ChatError && (error.code === SDK_ERROR.CONNECTION_LOST || error.code === SDK_ERROR.TIMEOUT);
          if (!unanswered || Date.now() > deadline) throw error;
        }
      }
      seq = result.seq;
      message.status = "success";
      message.sequence = result.seq;
      message.time = result.time;
      this.remember(message);
      return ok({ message });
    } catch (error) {
      message.status = "fail";
      if (error instanceof ChatError) error.data = { message };
      throw error;
    } finally {
      this.sequencer.endSend(groupID, message.random, seq);
    }
  }

  /** A page of a group's history, newest page first, each page oldest first: up to 15
   * messages and tips; pass `nextReqMessageID` back for the page before it. */
  async getMessageList(
    options: GetMessageListOptions,
  ): Promise<ChatResponse<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>> {
    const groupID = groupOf(options?.conversationID);
    const count = Math.min(PAGE_MAX, Math.max(1, options.count ?? PAGE_MAX));
    let beforeSeq: number | undefined;
    if (options.nextReqMessageID) {
      const from = this.cache.get(options.nextReqMessageID);
      if (from === undefined || !from.sequence) {
        throw invalid(`unknown nextReqMessageID ${JSON.stringify(options.nextReqMessageID)}: pass the one a page gave`);
      }
      beforeSeq = from.sequence;
    }
    let page: WireHistory;
    try {
      page = await this.session.request<WireHistory>("getGroupHistory", { groupID, beforeSeq, count });
    } catch (error) {
      // A live room keeps no history: an empty conversation, as Tencent's SDK shows it.
      if (error instanceof ChatError && error.code === NO_HISTORY) {
        return ok({ messageList: [], nextReqMessageID: "", isCompleted: true });
      }
      throw error;
    }
    const me = this.session.userID;
    const messageList = page.messages.map((e) => (e.type === "groupMessage" ? messageFromWire(me, e) : tipFromWire(e)));
    for (const message of messageList) this.remember(message);
    return ok({ messageList, nextReqMessageID: messageList[0]?.ID ?? "", isCompleted: page.isCompleted });
  }

  async revokeMessage(message: Message): Promise<ChatResponse<{ message: Message }>> {
    const groupID = requireString(message?.to, "message.to");
    if (!message.sequence) throw invalid("only a sent (or received) group message can be revoked");
    await this.session.request("recallGroupMessage", { groupID, msgSeq: message.sequence, reason: "" });
    message.isRevoked = true;
    message.revoker = this.session.userID;
    return ok({ message });
  }

  /** Mark the group's messages read up to the last one this instance has seen. */
  async setMessageRead(options: { conversationID: string }): Promise<ChatResponse<Record<string, never>>> {
    const groupID = groupOf(options?.conversationID);
    const seen = this.sequencer.groupSeqs.get(groupID) ?? Number.MAX_SAFE_INTEGER;
    await this.session.request("setGroupReadSeq", { groupID, msgSeq: seen });
    return ok({});
  }
}
