// Renders a route of the portal as the browser does (router, query cache, the signed-in session), against msw.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { createMemoryRouter, RouterProvider } from "react-router";
import { auth } from "../api";
import { routes } from "../router";
import { makeToken, tokenBody } from "./fakes";

export const server = setupServer(
  http.post("*/api/identity/sessions/refresh", () => HttpResponse.json(tokenBody(makeToken({ sub: "learner-1" })))),
  http.get("*/api/identity/organisation", () =>
    HttpResponse.json({ name: "Test Health System", address: "1 Main St", phone: "216.444.9990", support_email: "help@example.org" }),
  ),
  http.get("*/api/board-reporting/boards", () =>
    HttpResponse.json([
      { code: "ABIM", name: "American Board of Internal Medicine", mode: "report", deadline_days: 60, self_report_instructions: null },
      { code: "ABS", name: "American Board of Surgery", mode: "self_report", deadline_days: null, self_report_instructions: "Report it yourself." },
    ]),
  ),
);

let started = false;

/** The portal at `path`, signed in (the silent refresh answers with a token). */
export async function renderRoute(path: string) {
  if (!started) {
    await auth.start();
    started = true;
  }
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...view, router, queryClient };
}

export function problem(status: number, errors: { field: string; reason: string }[], detail = "refused") {
  return HttpResponse.json(
    { type: "about:blank", title: "Invalid request", status, detail, errors },
    { status, headers: { "Content-Type": "application/problem+json" } },
  );
}
