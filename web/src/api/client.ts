// The one typed client: one openapi-fetch client per service (types generated from its OpenAPI document, see
// scripts/openapi.mjs), all sharing ONE middleware that signs requests with the in-memory access token and, on a 401,
// refreshes once (the refresh shared by every caller, see auth.ts) and retries once.

import createClient, { type Client, type Middleware } from "openapi-fetch";
import { AuthSession, CLIENT_HEADER, CLIENT_NAME } from "./auth";
import type { paths as BoardReportingPaths } from "./types/board-reporting";
import type { paths as CatalogPaths } from "./types/catalog";
import type { paths as CertificatesPaths } from "./types/certificates";
import type { paths as CreditPaths } from "./types/credit";
import type { paths as IdentityPaths } from "./types/identity";
import type { paths as NotificationsPaths } from "./types/notifications";

export interface Api {
  identity: Client<IdentityPaths>;
  catalog: Client<CatalogPaths>;
  credit: Client<CreditPaths>;
  certificates: Client<CertificatesPaths>;
  boardReporting: Client<BoardReportingPaths>;
  notifications: Client<NotificationsPaths>;
}

function bearerOf(request: Request): string | null {
  const header = request.headers.get("Authorization");
  return header?.startsWith("Bearer ") ? header.slice(7) : null;
}

/** Adds the bearer token; on a 401 refreshes once and retries once (the retry's answer is final). */
export function authMiddleware(auth: AuthSession): Middleware {
  // The body of a sent request is consumed: keep a copy until its answer is known, to retry it.
  const copies = new Map<string, Request>();
  return {
    async onRequest({ request, id }) {
      await auth.whenReady(); // a request made while the silent sign-in runs waits for it, rather than a 401
      const token = auth.accessToken;
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      copies.set(id, request.clone());
      return request;
    },
    async onResponse({ request, response, id, options }) {
      const copy = copies.get(id);
      copies.delete(id);
      if (response.status !== 401 || !copy) return undefined;
      const sent = bearerOf(request);
      if (!sent && auth.getState().status !== "signed-in") return undefined; // anonymous: nothing to refresh
      const token = await auth.refresh(sent);
      if (!token) return undefined; // signed out: the page explains, the 401 stands
      copy.headers.set("Authorization", `Bearer ${token}`);
      return options.fetch(copy);
    },
    onError({ id }) {
      copies.delete(id);
    },
  };
}

export interface ApiOptions {
  fetch?: typeof fetch;
  /** Absolute origin outside a browser (tests); the page's own origin otherwise. */
  origin?: string;
}

export function createApi(auth: AuthSession, options: ApiOptions = {}): Api {
  const middleware = authMiddleware(auth);
  const origin = options.origin ?? "";
  function client<Paths extends {}>(service: string): Client<Paths> {
    const c = createClient<Paths>({
      baseUrl: `${origin}/api/${service}`,
      credentials: "same-origin",
      headers: { [CLIENT_HEADER]: CLIENT_NAME, Accept: "application/json" },
      // Late-bound so tests (and msw) can replace the global fetch.
      fetch: options.fetch ?? ((input: Request) => globalThis.fetch(input)),
    });
    c.use(middleware);
    return c;
  }
  return {
    identity: client<IdentityPaths>("identity"),
    catalog: client<CatalogPaths>("catalog"),
    credit: client<CreditPaths>("credit"),
    certificates: client<CertificatesPaths>("certificates"),
    boardReporting: client<BoardReportingPaths>("board-reporting"),
    notifications: client<NotificationsPaths>("notifications"),
  };
}
