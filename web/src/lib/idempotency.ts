// Commands the learner may send twice without meaning to (a tap again after a slow answer, a retry after the network
// dropped): each carries an Idempotency-Key, and the service answers a repeat with the first answer instead of acting
// again. The key stays the same while the same request is sent again and changes once it has been answered or the
// request changes (the service refuses one key for two different requests).

import { useRef } from "react";

export class IdempotencyKeys {
  private current: { request: string; key: string } | null = null;

  constructor(private readonly newKey: () => string = () => crypto.randomUUID()) {}

  /** The key to send `request` with. */
  keyFor(request: unknown): string {
    const serialised = JSON.stringify(request);
    if (this.current?.request !== serialised) this.current = { request: serialised, key: this.newKey() };
    return this.current.key;
  }

  /** The request was answered: the next one is a new command. */
  answered(): void {
    this.current = null;
  }
}

/** One IdempotencyKeys for the life of a form. */
export function useIdempotencyKeys(): IdempotencyKeys {
  const keys = useRef<IdempotencyKeys | null>(null);
  keys.current ??= new IdempotencyKeys();
  return keys.current;
}
