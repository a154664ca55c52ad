// What groupcast's `/ws` sends and takes (docs/protocol.md): camelCase frames, `op`
// and `seq` on requests, `type` on everything the server sends. Only the fields the SDK
// reads are declared; the server may send more (newer servers add fields).

export interface WireReply {
  type: "reply";
  seq: number;
  code: number;
  message: string;
  data: unknown;
}

export interface WireCustomField {
  key: string;
  value: string;
}

export interface WireSelfInfo {
  role: string;
  joinTime: number;
  messageRemindType: string;
  nameCard?: string;
  muteUntil?: number;
}

export interface WireGroup {
  groupID: string;
  type: string;
  name: string;
  introduction?: string;
  notification?: string;
  avatar?: string;
  ownerID?: string;
  createTime?: number;
  infoSequence?: number;
  lastInfoTime?: number;
  memberCount?: number;
  maxMemberCount?: number;
  joinOption?: string;
  muteAllMembers?: boolean;
  groupCustomField?: WireCustomField[];
  selfInfo?: WireSelfInfo | null;
  nextMessageSeq?: number;
  lastMessageTime?: number;
}

export interface WireMember {
  userID: string;
  role: string;
  joinTime: number;
  nick?: string;
  avatar?: string;
  nameCard?: string;
  lastSendMsgTime?: number;
  muteUntil?: number;
  memberCustomField?: WireCustomField[];
  messageRemindType?: string | null;
}

export interface WireElem {
  MsgType: string;
  MsgContent: Record<string, unknown>;
}

export interface WireGroupMessage {
  type: "groupMessage";
  groupID: string;
  seq: number;
  time: number;
  senderID: string;
  random: number;
  msgBody: WireElem[];
  cloudCustomData?: string;
  priority?: string;
  noNotify?: boolean;
  recalled?: boolean;
}

export interface WireMemberChange {
  userID: string;
  muteTime?: number;
  role?: string;
  nameCard?: string;
  memberCustomField?: WireCustomField[];
}

export interface WireProfileChange {
  name?: string;
  introduction?: string;
  notification?: string;
  avatar?: string;
  ownerID?: string;
  joinOption?: string;
  muteAllMembers?: boolean;
  groupCustomField?: WireCustomField[];
}

export interface WireGroupTip {
  type: "groupTip";
  groupID: string;
  operationType: number;
  seq: number;
  operatorID?: string;
  time?: number;
  userIDList?: string[];
  joinType?: string;
  memberCount?: number;
  newGroupProfile?: WireProfileChange | null;
  memberList?: WireMemberChange[];
}

export interface WireNotice {
  type: "groupSystemNotice";
  seq: number;
  operationType: number;
  groupID: string;
  groupName?: string;
  operatorID?: string;
  time?: number;
  handleMessage?: string;
  applicationID?: string;
  userDefinedField?: string;
  messageRemindType?: string;
}

export interface WireRecalled {
  type: "groupMessageRecalled";
  groupID: string;
  seq: number;
  operatorID: string;
  reason?: string;
}

export interface WireLoginResult {
  userID: string;
  deviceID: string;
  serverTime: number;
  heartbeatInterval: number;
  idleTimeout: number;
  devices?: { deviceID: string; platform: string; loginTime: number }[];
  notificationSeq?: number;
}

export interface WireGroupList {
  groupList: WireGroup[];
  total: number;
  nextOffset?: number;
}

export interface WireHistory {
  messages: (WireGroupMessage | WireGroupTip)[];
  isCompleted: boolean;
}

export interface WireNoticePage {
  notices: WireNotice[];
  lastSeq: number;
  complete: boolean;
}

export interface WireSendResult {
  groupID: string;
  seq: number;
  time: number;
  random: number;
}

/** An entry of a group's history: a message or a tip (they share the group's seq). */
export type WireEntry = WireGroupMessage | WireGroupTip;

/** Any frame the server pushes (replies aside). */
export type WirePush = WireEntry | WireNotice | WireRecalled | { type: string; [field: string]: unknown };
