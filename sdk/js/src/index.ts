// groupcast-chat: groupcast's client, with Tencent Cloud Chat Web SDK v3 names.
//
//   import GroupcastChat from "groupcast-chat";
//   const chat = GroupcastChat.create({ SDKAppID: 1400000000, url: "ws://127.0.0.1:8080/ws" });
//   chat.on(GroupcastChat.EVENT.MESSAGE_RECEIVED, (event) => console.log(event.data));
//   await chat.login({ userID: "alice", userSig });

import { GroupcastChat } from "./chat.js";

export { GroupcastChat };
export { EVENT, SDK_ERROR, TYPES } from "./constants.js";
export type { EventName } from "./constants.js";
export { ChatError } from "./errors.js";
export type * from "./types.js";
export default GroupcastChat;
