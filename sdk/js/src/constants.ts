// The names and string values of Tencent Cloud Chat's Web SDK v3 (`TencentCloudChat.EVENT`,
// `TencentCloudChat.TYPES`), so that code written against `@tencentcloud/chat` keeps
// working. Events groupcast never fires are defined too: listening to them is harmless.

/** Event names (`chat.on(EVENT.MESSAGE_RECEIVED, handler)`). */
export const EVENT = Object.freeze({
  SDK_READY: "sdkStateReady",
  SDK_NOT_READY: "sdkStateNotReady",
  SDK_DESTROY: "sdkDestroy",
  MESSAGE_RECEIVED: "onMessageReceived",
  MESSAGE_MODIFIED: "onMessageModified",
  MESSAGE_REVOKED: "onMessageRevoked",
  MESSAGE_READ_BY_PEER: "onMessageReadByPeer",
  MESSAGE_READ_RECEIPT_RECEIVED: "onMessageReadReceiptReceived",
  CONVERSATION_LIST_UPDATED: "onConversationListUpdated",
  TOTAL_UNREAD_MESSAGE_COUNT_UPDATED: "onTotalUnreadMessageCountUpdated",
  GROUP_LIST_UPDATED: "onGroupListUpdated",
  GROUP_ATTRIBUTES_UPDATED: "groupAttributesUpdated",
  GROUP_SYSTEM_NOTICE_RECEIVED: "receiveGroupSystemNotice",
  PROFILE_UPDATED: "onProfileUpdated",
  KICKED_OUT: "kickedOut",
  NET_STATE_CHANGE: "netStateChange",
  ERROR: "error",
} as const);

export type EventName = (typeof EVENT)[keyof typeof EVENT];

/** Type constants, with Tencent's string (or number) values. */
export const TYPES = Object.freeze({
  // message types (`message.type`)
  MSG_TEXT: "TIMTextElem",
  MSG_IMAGE: "TIMImageElem",
  MSG_SOUND: "TIMSoundElem",
  MSG_AUDIO: "TIMSoundElem",
  MSG_FILE: "TIMFileElem",
  MSG_VIDEO: "TIMVideoFileElem",
  MSG_FACE: "TIMFaceElem",
  MSG_LOCATION: "TIMLocationElem",
  MSG_GEO: "TIMLocationElem",
  MSG_CUSTOM: "TIMCustomElem",
  MSG_MERGER: "TIMRelayElem",
  MSG_GRP_TIP: "TIMGroupTipElem",
  MSG_GRP_SYS_NOTICE: "TIMGroupSystemNoticeElem",
  // message priority
  MSG_PRIORITY_HIGH: "High",
  MSG_PRIORITY_NORMAL: "Normal",
  MSG_PRIORITY_LOW: "Low",
  MSG_PRIORITY_LOWEST: "Lowest",
  MSG_AT_ALL: "__kImSDK_MesssageAtALL__",
  // conversations
  CONV_C2C: "C2C",
  CONV_GROUP: "GROUP",
  CONV_SYSTEM: "@TIM#SYSTEM",
  // group types (Work and Meeting keep their legacy wire names, as in Tencent's SDK)
  GRP_WORK: "Private",
  GRP_PRIVATE: "Private",
  GRP_PUBLIC: "Public",
  GRP_MEETING: "ChatRoom",
  GRP_CHATROOM: "ChatRoom",
  GRP_AVCHATROOM: "AVChatRoom",
  GRP_COMMUNITY: "Community",
  // member roles
  GRP_MBR_ROLE_OWNER: "Owner",
  GRP_MBR_ROLE_ADMIN: "Admin",
  GRP_MBR_ROLE_MEMBER: "Member",
  GRP_MBR_ROLE_CUSTOM: "Custom",
  // group tips (`message.payload.operationType` of a MSG_GRP_TIP)
  GRP_TIP_MBR_JOIN: 1,
  GRP_TIP_MBR_QUIT: 2,
  GRP_TIP_MBR_KICKED_OUT: 3,
  GRP_TIP_MBR_SET_ADMIN: 4,
  GRP_TIP_MBR_CANCELED_ADMIN: 5,
  GRP_TIP_GRP_PROFILE_UPDATED: 6,
  GRP_TIP_MBR_PROFILE_UPDATED: 7,
  // receive options
  MSG_REMIND_ACPT_AND_NOTE: "AcceptAndNotify",
  MSG_REMIND_ACPT_NOT_NOTE: "AcceptNotNotify",
  MSG_REMIND_DISCARD: "Discard",
  // join options and results
  JOIN_OPTIONS_FREE_ACCESS: "FreeAccess",
  JOIN_OPTIONS_NEED_PERMISSION: "NeedPermission",
  JOIN_OPTIONS_DISABLE_APPLY: "DisableApply",
  JOIN_STATUS_SUCCESS: "JoinedSuccess",
  JOIN_STATUS_ALREADY_IN_GROUP: "AlreadyInGroup",
  JOIN_STATUS_WAIT_APPROVAL: "WaitAdminApproval",
  // group profile filter keys
  GRP_PROFILE_OWNER_ID: "ownerID",
  GRP_PROFILE_CREATE_TIME: "createTime",
  GRP_PROFILE_LAST_INFO_TIME: "lastInfoTime",
  GRP_PROFILE_MEMBER_NUM: "memberNum",
  GRP_PROFILE_MAX_MEMBER_NUM: "maxMemberNum",
  GRP_PROFILE_JOIN_OPTION: "joinOption",
  GRP_PROFILE_INTRODUCTION: "introduction",
  GRP_PROFILE_NOTIFICATION: "notification",
  GRP_PROFILE_MUTE_ALL_MBRS: "muteAllMembers",
  // why a session ended (`KICKED_OUT` event's `data.type`)
  KICKED_OUT_MULT_ACCOUNT: "multipleAccount",
  KICKED_OUT_MULT_DEVICE: "multipleDevice",
  KICKED_OUT_USERSIG_EXPIRED: "userSigExpired",
  KICKED_OUT_REST_API: "REST_API_Kick",
  // network state (`NET_STATE_CHANGE` event's `data.state`)
  NET_STATE_CONNECTED: "connected",
  NET_STATE_CONNECTING: "connecting",
  NET_STATE_DISCONNECTED: "disconnected",
} as const);

/**
 * Codes of refusals made by the SDK itself, before or instead of the server (the
 * server's own codes are documented in groupcast's docs/protocol.md).
 */
export const SDK_ERROR = Object.freeze({
  /** An argument is missing or of the wrong type. */
  INVALID_ARGUMENT: 2901,
  /** Not logged in (call `login` first), or logged out meanwhile. */
  NOT_LOGGED_IN: 2902,
  /** The connection dropped before the reply came: the request may or may not have run. */
  CONNECTION_LOST: 2903,
  /** No reply in time. */
  TIMEOUT: 2904,
  /** The instance was destroyed. */
  DESTROYED: 2905,
  /** Not available in groupcast (C2C conversations, media messages until the server takes them). */
  UNSUPPORTED: 2906,
  /** No server could be reached (every URL was tried). */
  CONNECT_FAILED: 2907,
} as const);
