// What this tab is waiting for after an action whose result travels between services (a claim's certificate is
// issued a moment after the claim): the page that shows the result asks again until it is there.

const claimed = new Map<string, { title: string; at: number }>();
const WAIT_MS = 3 * 60_000;

export function noteClaimed(activityId: string, title: string): void {
  claimed.set(activityId, { title, at: Date.now() });
}

/** Claims of this tab whose certificate is not in `have` yet (and not waited for too long). */
export function awaitingCertificates(have: { activity_id: string }[] | undefined): { activityId: string; title: string }[] {
  const present = new Set((have ?? []).map((c) => c.activity_id));
  const now = Date.now();
  const waiting: { activityId: string; title: string }[] = [];
  for (const [activityId, { title, at }] of claimed) {
    if (present.has(activityId) || now - at > WAIT_MS) claimed.delete(activityId);
    else waiting.push({ activityId, title });
  }
  return waiting;
}
