// Drafts of long forms (the evaluation and claim) survive a refresh, a sign-in after the session ended and a reload
// of the tab: kept in memory and in sessionStorage (this tab only, gone when it closes), keyed by learner and
// activity. Never credentials or tokens: only what the form's own fields hold.

const PREFIX = "opencme-draft:";
const memory = new Map<string, string>();

function storage(): Storage | null {
  try {
    return typeof sessionStorage !== "undefined" ? sessionStorage : null;
  } catch {
    return null; // storage disabled: memory only
  }
}

export function draftKey(userId: string, kind: string, id: string): string {
  return `${PREFIX}${userId}:${kind}:${id}`;
}

export function loadDraft<T>(key: string): T | null {
  const raw = memory.get(key) ?? storage()?.getItem(key) ?? null;
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

export function saveDraft(key: string, value: unknown): void {
  const raw = JSON.stringify(value);
  memory.set(key, raw);
  try {
    storage()?.setItem(key, raw);
  } catch {
    // full or disabled: the memory copy still covers a refresh of the session
  }
}

export function clearDraft(key: string): void {
  memory.delete(key);
  storage()?.removeItem(key);
}

/** Forgets every draft (sign-out on purpose: the next person at this computer starts clean). */
export function clearAllDrafts(): void {
  memory.clear();
  const store = storage();
  if (!store) return;
  for (let i = store.length - 1; i >= 0; i -= 1) {
    const key = store.key(i);
    if (key?.startsWith(PREFIX)) store.removeItem(key);
  }
}
