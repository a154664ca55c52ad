// The objects an app sees, in the shapes of Tencent Cloud Chat's Web SDK v3
// (`Message`, `Group`, `GroupMember`, the payloads, the `{code, data}` responses).
// Where groupcast adds a field, its comment says so.

import type { EventName } from "./constants.js";

/** What every method's promise resolves to. */
export interface ChatResponse<T> {
  code: 0;
  data: T;
}

/** An event passed to an `on` handler. */
export interface ChatEvent<T = unknown> {
  name: EventName;
  data: T;
}

export type EventHandler<T = any> = (event: ChatEvent<T>) => void;

/** Anything with the browser's WebSocket constructor shape (the `ws` package's too). */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  binaryType: string;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface CreateOptions {
  /** The app ID the server serves (`GROUPCAST_SDKAPPID`). */
  SDKAppID: number;
  /** groupcast: the server's WebSocket URL, e.g. `wss://chat.example.com/ws`. */
  url?: string;
  /** groupcast: several nodes' URLs; a reconnect moves on to the next one. */
  urls?: string[];
  /** groupcast: a WebSocket constructor, for runtimes without a global one (Node 20: `ws`). */
  WebSocket?: WebSocketConstructor;
  /** groupcast: frames as JSON text (default) or MessagePack binary. */
  codec?: "json" | "msgpack";
  /**
   * groupcast: this instance's device. Default: a fresh ID per instance (in a browser,
   * kept for the tab in sessionStorage, so a reload is the same device and two tabs are
   * two devices). The same deviceID logging in elsewhere takes over (KICKED_OUT).
   */
  deviceID?: string;
  /** groupcast: the platform told to the server (default `Web`). */
  platform?: "Web" | "Android" | "iOS" | "iPad" | "Windows" | "macOS" | "Linux" | "Unknown";
  /** groupcast: milliseconds to wait for a reply (default 10000). */
  requestTimeout?: number;
}

export interface LoginOptions {
  userID: string;
  userSig: string;
}

// -- messages ---------------------------------------------------------------------------

export interface TextPayload {
  text: string;
}

export interface CustomPayload {
  data: string;
  description: string;
  extension: string;
}

export interface FacePayload {
  index: number;
  data: string;
}

export interface LocationPayload {
  description: string;
  longitude: number;
  latitude: number;
}

export interface GroupTipPayload {
  operatorID: string;
  operationType: number;
  userIDList: string[];
  /** For GRP_TIP_GRP_PROFILE_UPDATED: only the fields that changed. */
  newGroupProfile: Partial<Group> | null;
  /** For GRP_TIP_MBR_PROFILE_UPDATED: `{userID, muteTime}` (and `nameCard`, `memberCustomField` when set). */
  memberList: { userID: string; muteTime?: number; nameCard?: string; memberCustomField?: CustomField[] }[];
  /** The group's member count after the change. */
  memberNum: number;
  /** groupcast: for GRP_TIP_MBR_JOIN, `"Apply"` or `"Invited"`. */
  joinType: string;
}

export interface GroupSystemNoticePayload {
  operatorID: string;
  operationType: number;
  groupProfile: { groupID: string; name: string };
  handleMessage: string;
  userDefinedField: string;
  /** groupcast: the application to pass to `handleGroupApplication` (types 1, 12). */
  applicationID: string;
  /** groupcast (type 20): the receive option set on another device. */
  messageRemindType: string;
}

export type MessagePayload =
  | TextPayload
  | CustomPayload
  | FacePayload
  | LocationPayload
  | GroupTipPayload
  | GroupSystemNoticePayload
  | Record<string, unknown>;

/** An element of a message body, as groupcast stores it (Tencent's REST shape). */
export interface MessageElement {
  type: string;
  payload: MessagePayload;
}

export interface Message {
  ID: string;
  /** `TYPES.MSG_*`: the type of the first element. */
  type: string;
  payload: any;
  conversationID: string;
  conversationType: string;
  /** The group ID (a system notice: the logged-in user). */
  to: string;
  from: string;
  flow: "in" | "out";
  /** Unix seconds (the server's time once sent). */
  time: number;
  status: "unSend" | "success" | "fail";
  isRevoked: boolean;
  /** Who recalled it (revoked messages). */
  revoker: string;
  /** groupcast: the reason given with the recall. */
  revokeReason: string;
  priority: string;
  nick: string;
  avatar: string;
  nameCard: string;
  atUserList: string[];
  cloudCustomData: string;
  isPeerRead: boolean;
  isRead: boolean;
  /** The group's sequence number of the message or tip (0: not stored, or not sent yet). */
  sequence: number;
  random: number;
  protocol: "JSON";
  /** groupcast: every element of the body (the first is `type` and `payload`). */
  elements: MessageElement[];
  /** groupcast: the member asked for no notification of this group's messages. */
  noNotify: boolean;
}

export interface CreateMessageOptions<P> {
  /** The group ID. */
  to: string;
  /** `TYPES.CONV_GROUP` (groupcast has group conversations only). */
  conversationType: string;
  payload: P;
  priority?: string;
  cloudCustomData?: string;
}

export interface GetMessageListOptions {
  conversationID: string;
  nextReqMessageID?: string;
  count?: number;
}

// -- groups -----------------------------------------------------------------------------

export interface CustomField {
  key: string;
  value: string;
}

export interface GroupSelfInfo {
  role: string;
  messageRemindType: string;
  joinTime: number;
  nameCard: string;
  /** groupcast: unix seconds until which you are muted (0: not muted). */
  muteUntil: number;
}

export interface Group {
  groupID: string;
  name: string;
  avatar: string;
  type: string;
  introduction: string;
  notification: string;
  ownerID: string;
  createTime: number;
  infoSequence: number;
  lastInfoTime: number;
  /** Empty fields for a non-member. */
  selfInfo: GroupSelfInfo;
  lastMessage: { lastTime: number; lastSequence: number; fromAccount: string; messageForShow: string };
  nextMessageSeq: number;
  memberCount: number;
  maxMemberCount: number;
  muteAllMembers: boolean;
  joinOption: string;
  groupCustomField: CustomField[];
  isSupportTopic: boolean;
}

export interface GroupMember {
  userID: string;
  avatar: string;
  nick: string;
  role: string;
  joinTime: number;
  nameCard: string;
  muteUntil: number;
  memberCustomField: CustomField[];
  /** groupcast: unix seconds of the member's last message (0: never). */
  lastSendMsgTime: number;
}

export interface GroupApplication {
  /** groupcast: what `handleGroupApplication({application})` acts on. */
  applicationID: string;
  groupID: string;
  groupName: string;
  /** 0: `fromUser` applied to join; 1: `fromUser` invited `toUser` (you). */
  applicationType: number;
  fromUser: string;
  toUser: string;
  addTime: number;
  requestMsg: string;
  handledMsg: string;
  /** 0 pending, 1 handled by someone else, 2 handled by you. */
  handleStatus: number;
  /** 0 refused, 1 accepted. */
  handleResult: number;
  read: boolean;
}

export interface CreateGroupOptions {
  name: string;
  type?: string;
  groupID?: string;
  introduction?: string;
  notification?: string;
  avatar?: string;
  maxMemberNum?: number;
  joinOption?: string;
  memberList?: { userID: string; role?: string; memberCustomField?: CustomField[] }[];
  groupCustomField?: CustomField[];
}

export interface UpdateGroupProfileOptions {
  groupID: string;
  name?: string;
  introduction?: string;
  notification?: string;
  avatar?: string;
  joinOption?: string;
  muteAllMembers?: boolean;
  groupCustomField?: CustomField[];
}
