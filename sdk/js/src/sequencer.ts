// Nothing lost, nothing twice, in order: the port of the Python client's delivery rules
// (protocol/client.py; docs/protocol.md "Delivery of notices" and "Gap recovery").
//
// * System notices carry the user's sequence: the next one is delivered, older ones are
//   duplicates, a skip is fetched with syncNotifications (seq 0: live only, delivered).
// * Messages and tips of a group share the group's sequence: the same rules per group,
//   gaps fetched with getGroupHistory(afterSeq).
// * After every login: notices are synced from the last one seen, and the joined groups
//   listed; a group that moved meanwhile is fetched, a group new to this client starts at
//   its latest seq (its earlier history is what getMessageList is for).
// * The device that sends a message gets the reply, not a push; a message of ours that a
//   sync fetches before the reply came (or while a retry is under way) is not delivered.

import type { WireEntry, WireGroup, WireGroupList, WireHistory, WireNotice, WireNoticePage } from "./wire.js";

/** What the sequencer needs from its owner. */
export interface SequencerHost {
  /** A request on the current connection (no waiting for a reconnect). */
  request<T>(op: string, fields: Record<string, unknown>): Promise<T>;
  deliverNotice(notice: WireNotice): void;
  deliverEntry(entry: WireEntry): void;
  /** A background sync failed (the connection dropped): the next login catches up. */
  syncFailed(what: string, error: unknown): void;
}

const NOTICE_KICKED = 4;
const NOTICE_DISMISSED = 5;
const NOTICE_REMIND_TYPE = 20;

export class Sequencer {
  /** The last notice seq seen; null: start from the server's latest at the next login. */
  noticeSeq: number | null = null;
  /** The last message or tip seq seen, per group. */
  readonly groupSeqs = new Map<string, number>();
  /** Groups whose receive option is Discard: messages are not pushed, so skips are no gaps. */
  private readonly quiet = new Set<string>();
  /** Seqs of our own messages the reply gave before the group reached them. */
  private readonly sent = new Map<string, Set<number>>();
  /** `random`s of our own messages being sent (a retry may be under way). */
  private readonly sending = new Map<string, Set<number>>();
  private noticeSync: Promise<void> | null = null;
  private noticeAgain = false;
  private readonly groupSyncs = new Map<string, Promise<void>>();
  private readonly groupAgain = new Set<string>();

  constructor(
    private readonly host: SequencerHost,
    private readonly me: () => string,
  ) {}

  // -- notices ----------------------------------------------------------------------------

  onNotice(notice: WireNotice, leaveRoom: (groupID: string) => void): void {
    if (notice.operationType === NOTICE_KICKED || notice.operationType === NOTICE_DISMISSED) {
      leaveRoom(notice.groupID); // do not enter it again on reconnect
    } else if (notice.operationType === NOTICE_REMIND_TYPE) {
      this.setQuiet(notice.groupID, notice.messageRemindType === "Discard");
    }
    if (notice.seq === 0) {
      this.host.deliverNotice(notice); // live only: outside the sequence
      return;
    }
    const seen = this.noticeSeq ?? 0;
    if (notice.seq <= seen) return; // delivered already (by a sync)
    if (notice.seq === seen + 1) {
      this.noticeSeq = notice.seq;
      this.host.deliverNotice(notice);
    } else {
      this.syncNoticesSoon(); // a gap: fetch everything after the last one seen
    }
  }

  private syncNoticesSoon(): void {
    if (this.noticeSync !== null) {
      this.noticeAgain = true;
      return;
    }
    this.noticeSync = this.syncNotices()
      .catch((error) => this.host.syncFailed("notices", error))
      .finally(() => {
        this.noticeSync = null;
      });
  }

  /** Fetch and deliver the notices after `noticeSeq`, in order, once. */
  async syncNotices(): Promise<void> {
    do {
      this.noticeAgain = false;
      for (;;) {
        const page = await this.host.request<WireNoticePage>("syncNotifications", {
          afterSeq: this.noticeSeq ?? 0,
          count: 100,
        });
        for (const notice of page.notices) {
          if (notice.seq > (this.noticeSeq ?? 0)) {
            this.noticeSeq = notice.seq;
            this.host.deliverNotice(notice);
          }
        }
        if (page.complete && page.lastSeq <= (this.noticeSeq ?? 0)) break;
      }
    } while (this.noticeAgain); // a live notice skipped while this ran: look again
  }

  // -- group entries ------------------------------------------------------------------------

  onEntry(entry: WireEntry): void {
    const groupID = entry.groupID;
    if (entry.seq === 0) {
      this.host.deliverEntry(entry); // an AVChatRoom's: outside any sequence
      return;
    }
    const seen = this.groupSeqs.get(groupID);
    if (seen === undefined || entry.seq === seen + 1 || this.quiet.has(groupID)) {
      // (Discard: messages are not pushed, so skips are expected and not fetched.)
      this.pass(groupID, entry);
    } else if (entry.seq > seen + 1) {
      this.syncGroupSoon(groupID); // a gap: fetch it, this one included
    }
    // entry.seq <= seen: delivered already
  }

  private pass(groupID: string, entry: WireEntry): void {
    this.groupSeqs.set(groupID, Math.max(entry.seq, this.groupSeqs.get(groupID) ?? 0));
    const sent = this.sent.get(groupID);
    if (sent?.delete(entry.seq)) return; // our own message, fetched with a gap: not a push
    if (entry.type === "groupMessage" && entry.senderID === this.me() && this.sending.get(groupID)?.has(entry.random)) {
      return; // our own message whose reply is still to come
    }
    this.host.deliverEntry(entry);
  }

  syncGroupSoon(groupID: string): void {
    if (this.groupSyncs.has(groupID)) {
      this.groupAgain.add(groupID);
      return;
    }
    const running = this.syncGroup(groupID)
      .catch((error) => this.host.syncFailed(`group ${groupID}`, error))
      .finally(() => this.groupSyncs.delete(groupID));
    this.groupSyncs.set(groupID, running);
  }

  /** Fetch and deliver the group's history after `groupSeqs`, in order, once. */
  private async syncGroup(groupID: string): Promise<void> {
    do {
      this.groupAgain.delete(groupID);
      for (;;) {
        const after = this.groupSeqs.get(groupID) ?? 0;
        const page = await this.host.request<WireHistory>("getGroupHistory", { groupID, afterSeq: after, count: 100 });
        for (const entry of page.messages) {
          if (entry.seq > (this.groupSeqs.get(groupID) ?? 0)) this.pass(groupID, entry);
        }
        if (page.isCompleted) break;
      }
    } while (this.groupAgain.has(groupID));
  }

  private setQuiet(groupID: string, quiet: boolean): void {
    if (quiet) this.quiet.add(groupID);
    else this.quiet.delete(groupID);
  }

  // -- our own sends ------------------------------------------------------------------------

  beginSend(groupID: string, random: number): void {
    const randoms = this.sending.get(groupID) ?? new Set<number>();
    randoms.add(random);
    this.sending.set(groupID, randoms);
  }

  endSend(groupID: string, random: number, seq: number | null): void {
    const randoms = this.sending.get(groupID);
    randoms?.delete(random);
    if (randoms?.size === 0) this.sending.delete(groupID);
    if (!seq) return;
    const seen = this.groupSeqs.get(groupID) ?? 0;
    if (seen === seq - 1) {
      this.groupSeqs.set(groupID, seq); // our own message: no gap to fill
    } else if (seq > seen) {
      const sent = this.sent.get(groupID) ?? new Set<number>();
      sent.add(seq);
      this.sent.set(groupID, sent);
    }
  }

  remindTypeSet(groupID: string, remindType: string): void {
    this.setQuiet(groupID, remindType === "Discard");
  }

  // -- after each login ---------------------------------------------------------------------

  /**
   * Catch up after a login: notices first, then every joined group (paged). Returns the
   * joined groups as listed.
   */
  async afterLogin(notificationSeq: number): Promise<WireGroup[]> {
    if (this.noticeSeq === null) this.noticeSeq = notificationSeq;
    else if (notificationSeq > this.noticeSeq) await this.syncNotices();
    const groups: WireGroup[] = [];
    let offset = 0;
    for (;;) {
      const page = await this.host.request<WireGroupList>("getGroupList", { offset, count: 100 });
      for (const group of page.groupList) {
        groups.push(group);
        const latest = (group.nextMessageSeq ?? 1) - 1;
        const seen = this.groupSeqs.get(group.groupID);
        if (group.selfInfo?.messageRemindType === "Discard") {
          this.quiet.add(group.groupID);
          if (seen === undefined || seen < latest) this.groupSeqs.set(group.groupID, latest);
        } else if (seen === undefined) {
          this.groupSeqs.set(group.groupID, latest); // new to this client: start now
        } else if (seen < latest) {
          this.syncGroupSoon(group.groupID); // said while we were away
        }
      }
      if (!page.nextOffset) return groups;
      offset = page.nextOffset;
    }
  }
}
