import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthSession, CLIENT_HEADER, WARN_BEFORE_MS, type AuthDeps } from "./auth";
import { createApi } from "./client";
import { ChannelHub, FakeLocks, json, makeToken, tokenBody, UNAUTHORIZED } from "../test/fakes";

const ORIGIN = "http://portal.test";

type Handler = (request: Request) => Response | Promise<Response>;

/** A fake gateway: records every request, answers with `handler`. */
function gateway(handler: Handler) {
  const calls: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    calls.push(request.clone());
    return handler(request);
  });
  const count = (path: string) => calls.filter((r) => new URL(r.url).pathname === path).length;
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls, count };
}

function session(fetch: typeof globalThis.fetch, extra: Partial<AuthDeps> = {}) {
  return new AuthSession({
    fetch,
    locks: null,
    channel: null,
    now: () => Date.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    origin: ORIGIN,
    ...extra,
  });
}

const bearer = (request: Request) => request.headers.get("Authorization")?.slice(7);

describe("signing in and the silent sign-in on load", () => {
  it("keeps the access token in memory only and sends the portal header with same-origin credentials", async () => {
    const token = makeToken();
    const api = gateway(() => json(tokenBody(token)));
    const auth = session(api.fetch);
    await auth.signIn("jane@example.org", "correct horse battery");
    expect(auth.accessToken).toBe(token);
    expect(auth.getState()).toMatchObject({ status: "signed-in", user: { sub: "learner-1" } });
    const [request] = api.calls;
    expect(request!.headers.get(CLIENT_HEADER)).toBe("portal");
    expect(request!.credentials).toBe("same-origin");
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });

  it("signs in silently from the cookie on load", async () => {
    const api = gateway(() => json(tokenBody(makeToken())));
    const auth = session(api.fetch);
    await auth.start();
    expect(auth.getState().status).toBe("signed-in");
    const [request] = api.calls;
    expect(new URL(request!.url).pathname).toBe("/api/identity/sessions/refresh");
    expect(await request!.text()).toBe("");
  });

  it("is signed out on load when there is no valid cookie", async () => {
    const api = gateway(() => UNAUTHORIZED());
    const auth = session(api.fetch);
    await auth.start();
    expect(auth.getState()).toMatchObject({ status: "signed-out", reason: null });
  });
});

describe("a 401 refreshes once and retries once", () => {
  let stale: string;
  let fresh: string;
  beforeEach(() => {
    stale = makeToken();
    fresh = makeToken();
  });

  async function signedIn(handler: Handler) {
    const api = gateway(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/identity/sessions") return json(tokenBody(stale));
      return handler(request);
    });
    const auth = session(api.fetch);
    await auth.signIn("jane@example.org", "pw");
    await auth.start(); // the load-time refresh is answered by `handler` too; reset to the stale token below
    return { api, auth, client: createApi(auth, { fetch: api.fetch, origin: ORIGIN }) };
  }

  it("shares one refresh between concurrent requests that get a 401", async () => {
    let refreshed = false;
    const { api, client } = await signedIn(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/identity/sessions/refresh") {
        if (!refreshed) return json(tokenBody(stale)); // start(): keep the stale token
        await new Promise((r) => setTimeout(r, 20));
        return json(tokenBody(fresh));
      }
      return bearer(request) === fresh ? json([]) : UNAUTHORIZED();
    });
    refreshed = true;
    const before = api.count("/api/identity/sessions/refresh");
    const results = await Promise.all([
      client.catalog.GET("/registrations/mine"),
      client.credit.GET("/claimable"),
      client.certificates.GET("/certificates/mine"),
    ]);
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    expect(api.count("/api/identity/sessions/refresh") - before).toBe(1);
    // each request: once with the stale token, once (retried) with the fresh one
    expect(api.count("/api/credit/claimable")).toBe(2);
  });

  it("retries a request with a body, body intact", async () => {
    const bodies: string[] = [];
    let refreshed = false;
    const { client } = await signedIn(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/identity/sessions/refresh") return json(tokenBody(refreshed ? fresh : stale));
      bodies.push(await request.text());
      return bearer(request) === fresh ? json({ id: "x" }, 201) : UNAUTHORIZED();
    });
    refreshed = true;
    const result = await client.catalog.POST("/attendance/event-code", { body: { code: "ABCD1234" } });
    expect(result.response.status).toBe(201);
    expect(bodies).toEqual(['{"code":"ABCD1234"}', '{"code":"ABCD1234"}']);
  });

  it("retries only once: a second 401 is the answer", async () => {
    let refreshed = false;
    const { api, client } = await signedIn((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/identity/sessions/refresh") return json(tokenBody(refreshed ? fresh : stale));
      return UNAUTHORIZED();
    });
    refreshed = true;
    const before = api.count("/api/identity/sessions/refresh");
    const result = await client.credit.GET("/claimable");
    expect(result.response.status).toBe(401);
    expect(api.count("/api/credit/claimable")).toBe(2);
    expect(api.count("/api/identity/sessions/refresh") - before).toBe(1);
  });

  it("signs out when the refresh is refused", async () => {
    let refreshed = false;
    const { auth, client } = await signedIn((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/identity/sessions/refresh") return refreshed ? UNAUTHORIZED() : json(tokenBody(stale));
      return UNAUTHORIZED();
    });
    refreshed = true;
    const result = await client.credit.GET("/claimable");
    expect(result.response.status).toBe(401);
    expect(auth.getState()).toMatchObject({ status: "signed-out", reason: "session-ended" });
    expect(auth.accessToken).toBeNull();
  });

  it("stays signed in when the refresh cannot be reached (offline), and does not retry", async () => {
    let refreshed = false;
    const { auth, client } = await signedIn((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/api/identity/sessions/refresh") {
        if (refreshed) throw new TypeError("Failed to fetch");
        return json(tokenBody(stale));
      }
      return UNAUTHORIZED();
    });
    refreshed = true;
    const result = await client.credit.GET("/claimable");
    expect(result.response.status).toBe(401);
    expect(auth.getState().status).toBe("signed-in");
  });
});

describe("tabs", () => {
  function tabs(fetch: typeof globalThis.fetch) {
    const locks = new FakeLocks();
    const hub = new ChannelHub();
    const make = () => session(fetch, { locks, channel: hub.join() });
    return { a: make(), b: make() };
  }

  it("two tabs opened at once sign in silently with one refresh request", async () => {
    const fresh = makeToken();
    let refreshes = 0;
    const api = gateway(async () => {
      refreshes += 1;
      await new Promise((r) => setTimeout(r, 10));
      return json(tokenBody(fresh));
    });
    const { a, b } = tabs(api.fetch);
    await Promise.all([a.start(), b.start()]);
    // The first tab refreshed; the second was handed its token rather than refreshing again with the same cookie.
    expect(refreshes).toBe(1);
    expect(a.accessToken).toBe(fresh);
    expect(b.accessToken).toBe(fresh);
  });

  it("two signed-in tabs that both get a 401 make one refresh request", async () => {
    const first = makeToken();
    const rotated = makeToken();
    let signedIn = false;
    const api = gateway(async (request) => {
      if (new URL(request.url).pathname === "/api/identity/sessions") {
        signedIn = true;
        return json(tokenBody(first));
      }
      if (!signedIn) return UNAUTHORIZED(); // both tabs open signed out
      await new Promise((r) => setTimeout(r, 10));
      return json(tokenBody(rotated));
    });
    const { a, b } = tabs(api.fetch);
    await Promise.all([a.start(), b.start()]);
    const before = api.count("/api/identity/sessions/refresh");
    await a.signIn("jane@example.org", "pw");
    await new Promise((r) => setTimeout(r, 5));
    expect(b.accessToken).toBe(first); // signing in in one tab signs in the others
    const [ta, tb] = await Promise.all([a.refresh(first), b.refresh(first)]);
    expect(ta).toBe(rotated);
    expect(tb).toBe(rotated);
    expect(api.count("/api/identity/sessions/refresh") - before).toBe(1);
  });

  it("signing out in one tab signs out every tab", async () => {
    const api = gateway((request) =>
      new URL(request.url).pathname.endsWith("/revoke") ? new Response(null, { status: 204 }) : json(tokenBody(makeToken())),
    );
    const { a, b } = tabs(api.fetch);
    await a.signIn("jane@example.org", "pw");
    await new Promise((r) => setTimeout(r, 5));
    expect(b.getState().status).toBe("signed-in");
    await a.signOut();
    await new Promise((r) => setTimeout(r, 5));
    expect(b.getState()).toMatchObject({ status: "signed-out", reason: "signed-out" });
    expect(api.count("/api/identity/sessions/revoke")).toBe(1);
  });
});

describe("the end of the session (WCAG 2.2.1)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("warns an idle learner two minutes before the end, and staying signed in refreshes", async () => {
    const api = gateway(() => json(tokenBody(makeToken(), 900)));
    const auth = session(api.fetch);
    await auth.signIn("jane@example.org", "pw");
    await vi.advanceTimersByTimeAsync(900_000 - WARN_BEFORE_MS - 1000);
    expect(auth.getState().warning).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(auth.getState().warning).toBe(true);
    expect(await auth.extend()).toBe(true);
    expect(auth.getState()).toMatchObject({ status: "signed-in", warning: false });
    expect(api.count("/api/identity/sessions/refresh")).toBe(1);
  });

  it("signs out (and ends the cookie's session) when the warning is not answered", async () => {
    const api = gateway((request) =>
      new URL(request.url).pathname.endsWith("/revoke") ? new Response(null, { status: 204 }) : json(tokenBody(makeToken(), 900)),
    );
    const auth = session(api.fetch);
    await auth.signIn("jane@example.org", "pw");
    await vi.advanceTimersByTimeAsync(900_000 + 1000);
    expect(auth.getState()).toMatchObject({ status: "signed-out", reason: "expired" });
    expect(api.count("/api/identity/sessions/revoke")).toBe(1);
  });

  it("extends the session without asking when the learner was active", async () => {
    const api = gateway(() => json(tokenBody(makeToken(), 900)));
    const auth = session(api.fetch);
    await auth.signIn("jane@example.org", "pw");
    await vi.advanceTimersByTimeAsync(900_000 - WARN_BEFORE_MS - 30_000);
    auth.noteActivity();
    await vi.advanceTimersByTimeAsync(31_000);
    expect(auth.getState().warning).toBe(false);
    expect(api.count("/api/identity/sessions/refresh")).toBe(1);
  });
});
