// groupcast's wire objects in Tencent Web SDK shapes, and message bodies both ways.
// Message bodies are Tencent's REST elements (`{MsgType, MsgContent: {Text}}`); the Web SDK
// shows them as `message.type` and a camelCase `payload`.

import { TYPES } from "./constants.js";
import type {
  CustomField,
  Group,
  GroupApplication,
  GroupMember,
  GroupSystemNoticePayload,
  GroupTipPayload,
  Message,
  MessageElement,
} from "./types.js";
import type {
  WireCustomField,
  WireElem,
  WireGroup,
  WireGroupMessage,
  WireGroupTip,
  WireMember,
  WireNotice,
  WireProfileChange,
} from "./wire.js";

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const number = (value: unknown): number => (typeof value === "number" ? value : 0);

/** The ID of a message: stable from its creation, the same on every device. */
export function messageID(groupID: string, senderID: string, random: number): string {
  return `${groupID}-${senderID}-${random}`;
}

// -- message bodies -----------------------------------------------------------------------

// Each element type's fields: [Web SDK payload name, REST MsgContent name, kind], as data.
type Kind = "string" | "number";
const ELEMENT_FIELDS: Record<string, [string, string, Kind][]> = {
  [TYPES.MSG_TEXT]: [["text", "Text", "string"]],
  [TYPES.MSG_CUSTOM]: [
    ["data", "Data", "string"],
    ["description", "Desc", "string"],
    ["extension", "Ext", "string"],
  ],
  [TYPES.MSG_FACE]: [
    ["index", "Index", "number"],
    ["data", "Data", "string"],
  ],
  [TYPES.MSG_LOCATION]: [
    ["description", "Desc", "string"],
    ["longitude", "Longitude", "number"],
    ["latitude", "Latitude", "number"],
  ],
};

function rename(source: Record<string, unknown>, fields: [string, string, Kind][], toWire: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [sdkName, wireName, kind] of fields) {
    const value = source[toWire ? sdkName : wireName];
    out[toWire ? wireName : sdkName] = kind === "string" ? text(value) : number(value);
  }
  return out;
}

/** A wire element as the Web SDK shows it. Element types groupcast does not know yet are
 * passed through with their REST content. */
export function elementFromWire(elem: WireElem): MessageElement {
  const fields = ELEMENT_FIELDS[elem.MsgType];
  const content = elem.MsgContent ?? {};
  return { type: elem.MsgType, payload: fields ? rename(content, fields, false) : { ...content } };
}

/** A Web SDK element as a wire element. */
export function elementToWire(element: MessageElement): WireElem {
  const fields = ELEMENT_FIELDS[element.type];
  const payload = element.payload as Record<string, unknown>;
  return { MsgType: element.type, MsgContent: fields ? rename(payload, fields, true) : { ...payload } };
}

/** The fields every Message has, before its kind fills in the rest. */
function blank(): Message {
  return {
    ID: "",
    type: TYPES.MSG_TEXT,
    payload: { text: "" },
    conversationID: "",
    conversationType: TYPES.CONV_GROUP,
    to: "",
    from: "",
    flow: "in",
    time: 0,
    status: "success",
    isRevoked: false,
    revoker: "",
    revokeReason: "",
    priority: TYPES.MSG_PRIORITY_NORMAL,
    nick: "",
    avatar: "",
    nameCard: "",
    atUserList: [],
    cloudCustomData: "",
    isPeerRead: false,
    isRead: false,
    sequence: 0,
    random: 0,
    protocol: "JSON",
    elements: [],
    noNotify: false,
  };
}

/** A message the app is about to send (`createTextMessage` and friends). */
export function outgoingMessage(
  me: string,
  groupID: string,
  element: MessageElement,
  random: number,
  priority: string | undefined,
  cloudCustomData: string | undefined,
): Message {
  return {
    ...blank(),
    ID: messageID(groupID, me, random),
    type: element.type,
    payload: element.payload,
    elements: [element],
    conversationID: TYPES.CONV_GROUP + groupID,
    to: groupID,
    from: me,
    flow: "out",
    time: Math.floor(Date.now() / 1000),
    status: "unSend",
    priority: priority ?? TYPES.MSG_PRIORITY_NORMAL,
    cloudCustomData: cloudCustomData ?? "",
    random,
  };
}

export function messageFromWire(me: string, m: WireGroupMessage): Message {
  const elements = (m.msgBody ?? []).map(elementFromWire);
  const first = elements[0] ?? { type: TYPES.MSG_TEXT, payload: { text: "" } };
  return {
    ...blank(),
    ID: messageID(m.groupID, m.senderID, m.random),
    type: first.type,
    payload: first.payload,
    elements,
    conversationID: TYPES.CONV_GROUP + m.groupID,
    to: m.groupID,
    from: m.senderID,
    flow: m.senderID === me ? "out" : "in",
    time: m.time,
    isRevoked: m.recalled === true,
    priority: m.priority ?? TYPES.MSG_PRIORITY_NORMAL,
    cloudCustomData: m.cloudCustomData ?? "",
    sequence: m.seq,
    random: m.random,
    noNotify: m.noNotify === true,
  };
}

let liveOnly = 0; // IDs for what has no sequence (an AVChatRoom's tips and notices)

export function tipFromWire(t: WireGroupTip): Message {
  const payload: GroupTipPayload = {
    operatorID: t.operatorID ?? "",
    operationType: t.operationType,
    userIDList: t.userIDList ?? [],
    newGroupProfile: t.newGroupProfile ? profileChange(t.newGroupProfile) : null,
    memberList: (t.memberList ?? []).map((change) => {
      const entry: GroupTipPayload["memberList"][number] = { userID: change.userID };
      if (change.muteTime !== undefined) entry.muteTime = change.muteTime;
      if (change.nameCard !== undefined) entry.nameCard = change.nameCard;
      if (change.memberCustomField !== undefined) entry.memberCustomField = fields(change.memberCustomField);
      return entry;
    }),
    memberNum: t.memberCount ?? 0,
    joinType: t.joinType ?? "",
  };
  const element = { type: TYPES.MSG_GRP_TIP, payload };
  return {
    ...blank(),
    ID: t.seq ? `${t.groupID}-tip-${t.seq}` : `${t.groupID}-tip-live-${++liveOnly}`,
    type: TYPES.MSG_GRP_TIP,
    payload,
    elements: [element],
    conversationID: TYPES.CONV_GROUP + t.groupID,
    to: t.groupID,
    from: t.operatorID ?? "",
    time: t.time ?? 0,
    sequence: t.seq,
  };
}

export function noticeFromWire(me: string, n: WireNotice): Message {
  const payload: GroupSystemNoticePayload = {
    operatorID: n.operatorID ?? "",
    operationType: n.operationType,
    groupProfile: { groupID: n.groupID, name: n.groupName ?? "" },
    handleMessage: n.handleMessage ?? "",
    userDefinedField: n.userDefinedField ?? "",
    applicationID: n.applicationID ?? "",
    messageRemindType: n.messageRemindType ?? "",
  };
  const element = { type: TYPES.MSG_GRP_SYS_NOTICE, payload };
  return {
    ...blank(),
    ID: n.seq ? `${TYPES.CONV_SYSTEM}-${me}-${n.seq}` : `${TYPES.CONV_SYSTEM}-${me}-live-${++liveOnly}`,
    type: TYPES.MSG_GRP_SYS_NOTICE,
    payload,
    elements: [element],
    conversationID: TYPES.CONV_SYSTEM,
    conversationType: TYPES.CONV_SYSTEM,
    to: me,
    from: TYPES.CONV_SYSTEM,
    time: n.time ?? 0,
    sequence: n.seq,
  };
}

// -- groups -----------------------------------------------------------------------------

function fields(list: WireCustomField[] | undefined): CustomField[] {
  return (list ?? []).map(({ key, value }) => ({ key, value }));
}

export function groupFromWire(g: WireGroup): Group {
  const self = g.selfInfo;
  const next = g.nextMessageSeq ?? 1;
  return {
    groupID: g.groupID,
    name: g.name,
    avatar: g.avatar ?? "",
    type: g.type,
    introduction: g.introduction ?? "",
    notification: g.notification ?? "",
    ownerID: g.ownerID ?? "",
    createTime: g.createTime ?? 0,
    infoSequence: g.infoSequence ?? 0,
    lastInfoTime: g.lastInfoTime ?? 0,
    selfInfo: {
      role: self?.role ?? "",
      messageRemindType: self?.messageRemindType ?? "",
      joinTime: self?.joinTime ?? 0,
      nameCard: self?.nameCard ?? "",
      muteUntil: self?.muteUntil ?? 0,
    },
    lastMessage: { lastTime: g.lastMessageTime ?? 0, lastSequence: next - 1, fromAccount: "", messageForShow: "" },
    nextMessageSeq: next,
    memberCount: g.memberCount ?? 0,
    maxMemberCount: g.maxMemberCount ?? 0,
    muteAllMembers: g.muteAllMembers === true,
    joinOption: g.joinOption ?? "",
    groupCustomField: fields(g.groupCustomField),
    isSupportTopic: false,
  };
}

function profileChange(change: WireProfileChange): Partial<Group> {
  const out: Partial<Group> = {};
  if (change.name !== undefined) out.name = change.name;
  if (change.introduction !== undefined) out.introduction = change.introduction;
  if (change.notification !== undefined) out.notification = change.notification;
  if (change.avatar !== undefined) out.avatar = change.avatar;
  if (change.ownerID !== undefined) out.ownerID = change.ownerID;
  if (change.joinOption !== undefined) out.joinOption = change.joinOption;
  if (change.muteAllMembers !== undefined) out.muteAllMembers = change.muteAllMembers;
  if (change.groupCustomField !== undefined) out.groupCustomField = fields(change.groupCustomField);
  return out;
}

export function memberFromWire(m: WireMember): GroupMember {
  return {
    userID: m.userID,
    avatar: m.avatar ?? "",
    nick: m.nick ?? "",
    role: m.role,
    joinTime: m.joinTime,
    nameCard: m.nameCard ?? "",
    muteUntil: m.muteUntil ?? 0,
    memberCustomField: fields(m.memberCustomField),
    lastSendMsgTime: m.lastSendMsgTime ?? 0,
  };
}

export function applicationFromWire(a: Record<string, unknown>): GroupApplication {
  return {
    applicationID: text(a.applicationID),
    groupID: text(a.groupID),
    groupName: text(a.groupName),
    applicationType: number(a.applicationType),
    fromUser: text(a.fromUser),
    toUser: text(a.toUser),
    addTime: number(a.addTime),
    requestMsg: text(a.requestMsg),
    handledMsg: text(a.handledMsg),
    handleStatus: number(a.handleStatus),
    handleResult: number(a.handleResult),
    read: a.read === true,
  };
}
