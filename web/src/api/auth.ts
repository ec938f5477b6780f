// Sign-in the way a browser needs it.
//
// - The access token lives in this object only: never localStorage or sessionStorage, so a script injected into the
//   page later cannot read a stored one, and closing the last tab forgets it.
// - The refresh token is an HttpOnly cookie (Path=/api/identity/sessions) that only identity reads: this code never
//   sees it. On load the portal refreshes silently; if the cookie is valid the learner is signed in.
// - Refresh rotates the cookie and identity treats a reused one as theft (it ends the session). So within a tab all
//   callers share ONE refresh request, and across tabs a Web Lock ("opencme-refresh") lets one tab refresh at a time;
//   the new token is handed to the other tabs over a BroadcastChannel. A tab that waited for the lock first looks for
//   a token that another tab already got (broadcast, or asked for) before it refreshes itself.
// - Signing in or out in one tab does the same in every tab.
// - Before the access token expires: if the learner was active recently the session is extended silently; otherwise
//   a warning asks (WCAG 2.2.1), and if nobody answers the session ends (the cookie too: a shared hospital computer).

import { ApiError, NetworkError, toProblem } from "./problem";

export const SESSIONS_PATH = "/api/identity/sessions";
export const CLIENT_HEADER = "X-OpenCME-Client";
export const CLIENT_NAME = "portal";
/** The warning shows this long before the access token expires. */
export const WARN_BEFORE_MS = 2 * 60_000;
/** Activity this recent counts as "the learner is here": the session is extended without asking. */
export const ACTIVE_WITHIN_MS = 60_000;
/** How long a tab that needs a token waits for another tab to offer one before refreshing itself. */
export const ASK_TABS_MS = 250;
const ACTIVITY_BROADCAST_EVERY_MS = 15_000;
const REFRESH_LOCK = "opencme-refresh";
const TAB_LOCK_PREFIX = "opencme-tab:";
const CHANNEL = "opencme-auth";

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string | null;
  refresh_expires_in?: number;
}

export interface UserClaims {
  sub: string;
  email?: string;
  roles: string[];
  exp?: number;
}

export type AuthStatus = "unknown" | "signed-in" | "signed-out";
/** Why the learner is signed out, for the sign-in page to explain. */
export type SignedOutReason = "signed-out" | "expired" | "session-ended" | null;

export interface AuthState {
  status: AuthStatus;
  user: UserClaims | null;
  expiresAt: number | null;
  /** The "your session will end" warning is up. */
  warning: boolean;
  reason: SignedOutReason;
}

type Message =
  | { type: "token"; token: string; expiresAt: number }
  | { type: "signed-out"; reason: SignedOutReason }
  | { type: "token-request"; exclude: string | null }
  | { type: "activity"; at: number };

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  close(): void;
}

export interface LocksLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
  query?(): Promise<{ held?: { name?: string }[] }>;
}

export interface AuthDeps {
  fetch: typeof fetch;
  locks: LocksLike | null;
  channel: ChannelLike | null;
  now: () => number;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** Absolute origin for requests outside a browser (tests); "" in the browser. */
  origin?: string;
}

export function decodeClaims(token: string): UserClaims | null {
  try {
    const payload = token.split(".")[1];
    if (!payload) return null;
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as Record<string, unknown>;
    if (typeof claims.sub !== "string") return null;
    return {
      sub: claims.sub,
      email: typeof claims.email === "string" ? claims.email : undefined,
      roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [],
      exp: typeof claims.exp === "number" ? claims.exp : undefined,
    };
  } catch {
    return null;
  }
}

export class AuthSession {
  private token: string | null = null;
  private state: AuthState = { status: "unknown", user: null, expiresAt: null, warning: false, reason: null };
  private readonly listeners = new Set<() => void>();
  private inflight: Promise<string | null> | null = null;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private warnTimer: unknown = null;
  private endTimer: unknown = null;
  private lastActivity: number;
  private lastActivityBroadcast = 0;
  private tokenWaiters: ((token: string) => void)[] = [];
  private readonly deps: AuthDeps;

  constructor(deps: AuthDeps) {
    this.deps = deps;
    this.lastActivity = deps.now();
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    deps.channel?.addEventListener("message", (event) => this.onMessage(event.data as Message));
  }

  // --- state, for React (useSyncExternalStore) ---------------------------------------------------------------

  getState = (): AuthState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get accessToken(): string | null {
    return this.token;
  }

  /** Resolves once the silent sign-in on load has answered (signed in or not). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private setState(patch: Partial<AuthState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  // --- sign-in, refresh, sign-out ----------------------------------------------------------------------------

  /** On load: holds a tab lock (so other tabs can count this one) and signs in silently from the cookie. */
  async start(): Promise<void> {
    const locks = this.deps.locks;
    if (locks) {
      const tabId = Math.random().toString(36).slice(2);
      // Held until the tab closes; never awaited.
      void locks.request(TAB_LOCK_PREFIX + tabId, () => new Promise<never>(() => undefined)).catch(() => undefined);
    }
    try {
      await this.refresh(null);
    } finally {
      if (this.state.status === "unknown") this.setState({ status: "signed-out" });
      this.markReady();
    }
  }

  async signIn(email: string, password: string): Promise<void> {
    const response = await this.post(SESSIONS_PATH, { email, password });
    const body = await readJson(response);
    if (!response.ok) throw new ApiError(toProblem(body, response));
    this.adopt(body as TokenResponse, { broadcast: true });
  }

  /** New tokens answered by identity outside sign-in (a password change ends every other session). */
  acceptTokens(tokens: TokenResponse): void {
    this.adopt(tokens, { broadcast: true });
  }

  /**
   * A fresh access token, or null when the learner is signed out. `failedToken` is the one a service just refused
   * (401): a token equal to it is never taken as the answer. Every caller in this tab shares one attempt.
   */
  refresh(failedToken: string | null): Promise<string | null> {
    if (!this.inflight) {
      this.inflight = this.refreshAcrossTabs(failedToken).finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  private async refreshAcrossTabs(failedToken: string | null): Promise<string | null> {
    const locks = this.deps.locks;
    if (!locks) return this.refreshHoldingLock(failedToken, false);
    // Another tab holding the lock now is refreshing: once it is done, its token is the answer.
    const contended = await this.lockHeld(REFRESH_LOCK);
    return locks.request(REFRESH_LOCK, () => this.refreshHoldingLock(failedToken, contended));
  }

  private async refreshHoldingLock(failedToken: string | null, contended: boolean): Promise<string | null> {
    // Another tab may have refreshed while this one waited for the lock: its broadcast token is the answer.
    if (this.usable(this.token, failedToken)) return this.token;
    if (contended || (await this.otherTabsOpen())) {
      const offered = await this.askOtherTabs(failedToken);
      if (offered) return offered;
    }
    let response: Response;
    try {
      response = await this.post(`${SESSIONS_PATH}/refresh`, undefined);
    } catch {
      return null; // offline: nothing is decided; the request that needed it shows a retry
    }
    const body = await readJson(response);
    if (response.ok) {
      this.adopt(body as TokenResponse, { broadcast: true });
      return this.token;
    }
    if (response.status >= 500) return null;
    // No valid cookie: signed out. Tell the other tabs only if this one was signed in (their cookie is the same).
    const wasSignedIn = this.state.status === "signed-in";
    this.clear(wasSignedIn ? "session-ended" : null);
    if (wasSignedIn) this.broadcast({ type: "signed-out", reason: "session-ended" });
    return null;
  }

  /** Stay signed in (the warning's answer, or activity): a new access token now. */
  async extend(): Promise<boolean> {
    return (await this.refresh(this.token)) !== null;
  }

  /** Sign out of this session: identity clears the cookie; every tab signs out. */
  async signOut(reason: SignedOutReason = "signed-out"): Promise<void> {
    this.clear(reason);
    this.broadcast({ type: "signed-out", reason });
    try {
      await this.post(`${SESSIONS_PATH}/revoke`, undefined);
    } catch {
      // Offline: the access token is already forgotten; the cookie ends with its own expiry.
    }
  }

  // --- activity and the end of the session -------------------------------------------------------------------

  /** The learner did something (key, pointer): shared with the other tabs, a little at a time. */
  noteActivity(): void {
    const now = this.deps.now();
    this.lastActivity = now;
    if (now - this.lastActivityBroadcast > ACTIVITY_BROADCAST_EVERY_MS) {
      this.lastActivityBroadcast = now;
      this.broadcast({ type: "activity", at: now });
    }
  }

  private schedule(): void {
    this.deps.clearTimer(this.warnTimer);
    this.deps.clearTimer(this.endTimer);
    this.warnTimer = this.endTimer = null;
    const expiresAt = this.state.expiresAt;
    if (this.state.status !== "signed-in" || expiresAt === null) return;
    const now = this.deps.now();
    this.warnTimer = this.deps.setTimer(() => this.beforeExpiry(), Math.max(0, expiresAt - WARN_BEFORE_MS - now));
    this.endTimer = this.deps.setTimer(() => this.atExpiry(), Math.max(0, expiresAt - now));
  }

  private beforeExpiry(): void {
    if (this.deps.now() - this.lastActivity < ACTIVE_WITHIN_MS) {
      void this.extend();
    } else {
      this.setState({ warning: true });
    }
  }

  private atExpiry(): void {
    if (this.state.status !== "signed-in") return;
    if (this.state.warning) {
      void this.signOut("expired");
    } else {
      void this.extend(); // the silent extension failed offline: try once more
    }
  }

  // --- between tabs --------------------------------------------------------------------------------------------

  private onMessage(message: Message): void {
    switch (message.type) {
      case "token":
        if (message.token !== this.token && message.expiresAt > this.deps.now()) {
          if (this.state.expiresAt === null || message.expiresAt >= this.state.expiresAt) {
            this.adopt({ access_token: message.token, token_type: "Bearer", expires_in: 0 }, {
              broadcast: false,
              expiresAt: message.expiresAt,
            });
          }
        }
        for (const waiter of this.tokenWaiters.splice(0)) waiter(message.token);
        break;
      case "signed-out":
        if (this.state.status !== "signed-out") this.clear(message.reason);
        break;
      case "token-request":
        if (this.usable(this.token, message.exclude) && this.state.expiresAt !== null) {
          this.broadcast({ type: "token", token: this.token!, expiresAt: this.state.expiresAt });
        }
        break;
      case "activity":
        this.lastActivity = Math.max(this.lastActivity, message.at);
        break;
    }
  }

  private async lockHeld(name: string): Promise<boolean> {
    try {
      const { held = [] } = (await this.deps.locks?.query?.()) ?? {};
      return held.some((lock) => lock.name === name);
    } catch {
      return false;
    }
  }

  private async otherTabsOpen(): Promise<boolean> {
    const locks = this.deps.locks;
    if (!locks?.query) return this.deps.channel !== null;
    try {
      const { held = [] } = await locks.query();
      return held.filter((lock) => lock.name?.startsWith(TAB_LOCK_PREFIX)).length > 1;
    } catch {
      return true;
    }
  }

  private askOtherTabs(failedToken: string | null): Promise<string | null> {
    if (!this.deps.channel) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = this.deps.setTimer(() => {
        this.tokenWaiters = this.tokenWaiters.filter((w) => w !== waiter);
        resolve(null);
      }, ASK_TABS_MS);
      const waiter = (token: string) => {
        if (token === failedToken) return;
        this.deps.clearTimer(timer);
        // adopt() already ran in onMessage when the offer was newer than this tab's token.
        resolve(this.usable(this.token, failedToken) ? this.token : null);
      };
      this.tokenWaiters.push(waiter);
      this.broadcast({ type: "token-request", exclude: failedToken });
    });
  }

  private broadcast(message: Message): void {
    try {
      this.deps.channel?.postMessage(message);
    } catch {
      // a closed channel (tab closing): nothing to tell
    }
  }

  // --- helpers -------------------------------------------------------------------------------------------------

  private usable(token: string | null, refused: string | null): token is string {
    return (
      token !== null &&
      token !== refused &&
      this.state.expiresAt !== null &&
      this.state.expiresAt - this.deps.now() > 10_000
    );
  }

  private adopt(tokens: TokenResponse, options: { broadcast: boolean; expiresAt?: number }): void {
    const user = decodeClaims(tokens.access_token);
    const expiresAt = options.expiresAt ?? this.deps.now() + tokens.expires_in * 1000;
    this.token = tokens.access_token;
    this.setState({ status: "signed-in", user, expiresAt, warning: false, reason: null });
    this.schedule();
    if (options.broadcast) this.broadcast({ type: "token", token: tokens.access_token, expiresAt });
  }

  private clear(reason: SignedOutReason): void {
    this.token = null;
    this.setState({ status: "signed-out", user: null, expiresAt: null, warning: false, reason });
    this.schedule();
  }

  private post(path: string, body: unknown): Promise<Response> {
    return this.deps
      .fetch(`${this.deps.origin ?? ""}${path}`, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          [CLIENT_HEADER]: CLIENT_NAME,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      .catch((error: unknown) => {
        throw new NetworkError(error);
      });
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The browser's own locks, channel and clock. */
export function browserAuthDeps(): AuthDeps {
  const locks =
    typeof navigator !== "undefined" && "locks" in navigator && navigator.locks
      ? {
          request: <T,>(name: string, cb: () => Promise<T>) => navigator.locks.request(name, cb) as Promise<T>,
          query: () => navigator.locks.query() as Promise<{ held?: { name?: string }[] }>,
        }
      : null;
  return {
    fetch: (...args) => globalThis.fetch(...args),
    locks,
    channel: typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(CHANNEL) : null,
    now: () => Date.now(),
    setTimer: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimer: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}
