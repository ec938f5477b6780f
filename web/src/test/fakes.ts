// Test doubles for what a browser gives the auth session: Web Locks, BroadcastChannel, and tokens.
import type { ChannelLike, LocksLike } from "../api/auth";

/** navigator.locks for tests: one holder per name at a time, in request order; query() lists held locks. */
export class FakeLocks implements LocksLike {
  private tails = new Map<string, Promise<unknown>>();
  private held = new Map<string, number>();

  request<T>(name: string, callback: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const run = previous.then(async () => {
      this.held.set(name, (this.held.get(name) ?? 0) + 1);
      try {
        return await callback();
      } finally {
        this.held.set(name, (this.held.get(name) ?? 1) - 1);
      }
    });
    this.tails.set(
      name,
      run.catch(() => undefined),
    );
    return run;
  }

  async query() {
    return { held: [...this.held.entries()].filter(([, n]) => n > 0).map(([name]) => ({ name })) };
  }
}

/** BroadcastChannel for tests: delivers to every other member of the hub, asynchronously, in order. */
export class ChannelHub {
  private members = new Set<FakeChannel>();

  join(): FakeChannel {
    const channel = new FakeChannel(this);
    this.members.add(channel);
    return channel;
  }

  send(from: FakeChannel, message: unknown): void {
    for (const member of this.members) {
      if (member !== from) setTimeout(() => member.deliver(message), 0);
    }
  }

  leave(channel: FakeChannel): void {
    this.members.delete(channel);
  }
}

export class FakeChannel implements ChannelLike {
  private listeners: ((event: MessageEvent) => void)[] = [];
  constructor(private hub: ChannelHub) {}
  postMessage(message: unknown): void {
    this.hub.send(this, structuredClone(message));
  }
  addEventListener(_type: "message", listener: (event: MessageEvent) => void): void {
    this.listeners.push(listener);
  }
  close(): void {
    this.hub.leave(this);
  }
  deliver(message: unknown): void {
    for (const listener of this.listeners) listener({ data: message } as MessageEvent);
  }
}

function base64url(value: string): string {
  return btoa(value).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

let serial = 0;
/** An unsigned JWT-shaped token: the portal only reads its claims, the services verify it. */
export function makeToken(claims: Record<string, unknown> = {}): string {
  serial += 1;
  const payload = { sub: "learner-1", email: "jane@example.org", roles: ["learner"], jti: `t${serial}`, ...claims };
  return `${base64url(JSON.stringify({ alg: "ES256" }))}.${base64url(JSON.stringify(payload))}.signature`;
}

export function tokenBody(token: string, expiresIn = 900) {
  return { access_token: token, token_type: "Bearer", expires_in: expiresIn, refresh_token: null, refresh_expires_in: 1209600 };
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
  });
}

export const UNAUTHORIZED = () => json({ type: "about:blank", title: "Unauthorized", status: 401, detail: "token expired" }, 401);
