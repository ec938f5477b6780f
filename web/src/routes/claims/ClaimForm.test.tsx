import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http, HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { problem, renderRoute, server } from "../../test/render";
import { claimBody, emptyClaim } from "./ClaimForm";

const ACTIVITY = "7d5c2a9e-1f0b-4b8e-9a51-3e0f6f2d9c10";
const claimable = {
  activity_id: ACTIVITY,
  title: "Medicine Grand Rounds: Sepsis",
  format: "grand_rounds",
  completed_on: "2026-12-01",
  window_closes: "2026-12-31",
  window_extended: false,
  designations: { AMA_PRA_1: "1", MOC_ABIM: "1" },
  moc_boards: ["ABIM"],
};
const profile = { id: "learner-1", first_name: "Jane", last_name: "Doe", email: "jane@example.org", emails: [], roles: ["learner"], profile_version: 1, board_ids: { ABIM: "123456" }, birth_month: 4, birth_day: 30 };

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function answering(claims: Parameters<typeof http.post>[1]) {
  server.use(
    http.get("*/api/credit/claimable", () => HttpResponse.json([claimable])),
    http.get("*/api/identity/me", () => HttpResponse.json(profile)),
    http.post("*/api/credit/claims", claims),
  );
}

const credit = (name: string) => screen.getByRole("textbox", { name });

describe("the credit field (0.25 steps up to the maximum)", () => {
  it("rounds to a quarter and stops at the maximum, and says so", async () => {
    answering(() => HttpResponse.json({}, { status: 500 }));
    const user = userEvent.setup();
    await renderRoute(`/activities/${ACTIVITY}/claim`);
    const ama = await screen.findByRole("textbox", { name: "AMA PRA Category 1 Credit™" });
    expect(ama).toHaveAccessibleDescription(/Up to 1\.00, in steps of 0\.25/);
    await user.type(ama, "0.8");
    await user.tab();
    expect(ama).toHaveValue("0.75");
    await user.clear(ama);
    await user.type(ama, "3");
    await user.tab();
    expect(ama).toHaveValue("1.00");
    const moc = credit("ABIM MOC points");
    await user.click(screen.getByRole("button", { name: "Add 0.25 to ABIM MOC points" }));
    await user.click(screen.getByRole("button", { name: "Add 0.25 to ABIM MOC points" }));
    expect(moc).toHaveValue("0.25");
  });
});

describe("claiming", () => {
  it("explains what is missing beside each field before sending anything", async () => {
    let sent = false;
    answering(() => {
      sent = true;
      return HttpResponse.json({});
    });
    const user = userEvent.setup();
    await renderRoute(`/activities/${ACTIVITY}/claim`);
    await user.click(await screen.findByRole("button", { name: "Claim credit" }));
    expect(await screen.findByText("Please correct the highlighted fields.")).toBeInTheDocument();
    const rating = screen.getByRole("radiogroup", { name: /rate this activity/ });
    expect(rating).toHaveAccessibleDescription(/Please choose a rating/);
    expect(rating).toHaveAttribute("aria-invalid", "true");
    expect(sent).toBe(false);
  });

  it("sends the evaluation, the credit and the MOC choice, and shows the service's refusal beside its field and at the top", async () => {
    let body: unknown;
    answering(async ({ request }) => {
      body = await request.json();
      return problem(422, [
        { field: "credits.AMA_PRA_1", reason: "at most 1 can be claimed for this activity" },
        { field: "activity_id", reason: "the claim window closed on 2026-11-30; contact support if you need an exception" },
      ]);
    });
    const user = userEvent.setup();
    await renderRoute(`/activities/${ACTIVITY}/claim`);
    await user.click(await screen.findByText("5 – Excellent"));
    await user.click(within(screen.getByRole("radiogroup", { name: /objectives met/ })).getByText("Yes"));
    await user.click(within(screen.getByRole("radiogroup", { name: /commercial bias/ })).getByText("Yes"));
    await user.type(credit("AMA PRA Category 1 Credit™"), "0.75");
    await user.type(credit("ABIM MOC points"), "0.75");
    await user.click(screen.getByText(/Report my completion to the American Board of Internal Medicine/));
    await user.click(screen.getByText(/permission to share my completion/));
    await user.click(screen.getByRole("button", { name: "Claim credit" }));

    await waitFor(() => expect(body).toBeDefined());
    expect(body).toEqual({
      activity_id: ACTIVITY,
      credits: { AMA_PRA_1: "0.75", MOC_ABIM: "0.75" },
      evaluation: { overall_rating: 5, objectives_met: true, free_of_commercial_bias: true, will_change_practice: null, comments: "" },
      moc_boards: ["ABIM"],
      share_permission: true,
    });
    const ama = credit("AMA PRA Category 1 Credit™");
    await waitFor(() => expect(ama).toHaveAttribute("aria-invalid", "true"));
    expect(ama).toHaveAccessibleDescription(/At most 1 can be claimed for this activity/);
    const alert = screen.getByRole("alert", { name: "" });
    expect(alert).toHaveTextContent("The claim window closed on 2026-11-30");
    // nothing typed is lost
    expect(ama).toHaveValue("0.75");
  });

  it("keeps a half-filled claim as a draft that comes back after a reload", async () => {
    answering(() => HttpResponse.json({}, { status: 500 }));
    const user = userEvent.setup();
    const first = await renderRoute(`/activities/${ACTIVITY}/claim`);
    await user.type(await screen.findByRole("textbox", { name: "Comments (optional)" }), "Great speaker");
    await user.type(credit("AMA PRA Category 1 Credit™"), "0.5");
    await user.tab();
    first.unmount();
    const stored = Object.keys(sessionStorage).find((key) => key.startsWith("opencme-draft:learner-1:claim:"));
    expect(stored).toBeDefined();
    expect(sessionStorage.getItem(stored!)).not.toMatch(/token|password|eyJ/i);

    await renderRoute(`/activities/${ACTIVITY}/claim`);
    expect(await screen.findByText("We restored what you typed earlier.")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Comments (optional)" })).toHaveValue("Great speaker");
    expect(credit("AMA PRA Category 1 Credit™")).toHaveValue("0.50");
  });
});

describe("the claim body", () => {
  it("sends only the credit types claimed, as strings in quarter steps", () => {
    const values = emptyClaim(claimable);
    values.evaluation = { overall_rating: 4, objectives_met: "yes", free_of_commercial_bias: "no", will_change_practice: "unsure", comments: " ok " };
    values.credits = { AMA_PRA_1: 1, MOC_ABIM: null };
    expect(claimBody(ACTIVITY, values)).toEqual({
      activity_id: ACTIVITY,
      credits: { AMA_PRA_1: "1.00" },
      evaluation: { overall_rating: 4, objectives_met: true, free_of_commercial_bias: false, will_change_practice: null, comments: "ok" },
      moc_boards: [],
      share_permission: false,
    });
  });
});
