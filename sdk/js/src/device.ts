// The default deviceID. A fresh one per instance; in a browser the IDs handed out are
// kept for the tab in sessionStorage, so a reload is the same device again (its old
// session is taken over, not left counting against the device limit) while two tabs, or
// two instances in one tab, are two devices.

const STORAGE_KEY = "groupcast-chat:deviceIDs";
const claimed = new Set<string>();

function fresh(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function tabStorage(): Storage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null; // storage disabled (privacy settings): fresh IDs, no reuse
  }
}

export function claimDeviceID(): string {
  const storage = tabStorage();
  let kept: string[] = [];
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "[]");
    if (Array.isArray(parsed)) kept = parsed.filter((id): id is string => typeof id === "string");
  } catch {
    kept = [];
  }
  let id = kept.find((candidate) => !claimed.has(candidate));
  if (id === undefined) {
    id = fresh();
    kept.push(id);
    try {
      storage?.setItem(STORAGE_KEY, JSON.stringify(kept));
    } catch {
      // full or disabled: the ID is still unique, only not reused after a reload
    }
  }
  claimed.add(id);
  return id;
}

export function releaseDeviceID(id: string): void {
  claimed.delete(id);
}
