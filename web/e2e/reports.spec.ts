// The CME office's reports (issue 12, "Reports with pictures"): a coordinator's grand-rounds session with three
// registrations in two categories, their attendance by event code and their claims with evaluations (one with MOC
// points for a learner the board cannot match yet); the reports of that activity show those numbers in charts and
// tables and as CSV files; a learner gets the page's refusal and 403 from every report the page reads.
import { readFileSync } from "node:fs";
import type { Download, Page } from "@playwright/test";
import { bearer, gateway, newLearner, signUp, until } from "./support/api";
import { env } from "./support/env";
import { checkPage } from "./support/page";
import { openNav, signIn, signOut } from "./support/ui";
import { expect, test } from "./fixtures";

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function csvOf(page: Page, button: string): Promise<string[]> {
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: button }).click();
  const download: Download = await downloading;
  return readFileSync(await download.path(), "utf-8").replace(/^\uFEFF/, "").replace(/\r\n$/, "").split("\r\n");
}

test("a coordinator reads an activity's reports as charts, tables and CSV; a learner is refused", async ({ page }) => {
  test.setTimeout(240_000);
  const api = await gateway();
  const coordinator = newLearner("reports");
  const coordinatorId = await signUp(api, coordinator, { profession: "CME coordinator" });
  const admin = await bearer(api, env.adminEmail, env.adminPassword);
  expect((await api.post(`/api/identity/users/${coordinatorId}/roles`, { headers: admin, data: { role: "staff" } })).ok()).toBeTruthy();
  const staff = await bearer(api, coordinator.email, coordinator.password);

  const title = `Reports Grand Rounds ${Date.now().toString(36)}x`;
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  const created = await api.post("/api/catalog/activities", {
    headers: staff,
    data: {
      title,
      format: "grand_rounds",
      starts_at: at(-30 * 60_000),
      ends_at: at(30 * 60_000),
      location: "Lerner Auditorium",
      fees: { physician: 5000, nurse: 2000 },
      credit_designations: [
        { credit_type: "AMA_PRA_1", max_credits: "1" },
        { credit_type: "MOC_ABIM", max_credits: "1" },
      ],
      moc_boards: ["ABIM"],
      requires_event_code: true,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const activity = (await created.json()) as { id: string };
  const session = await api.post(`/api/catalog/activities/${activity.id}/sessions`, {
    headers: staff,
    data: { title: "Sepsis Update", starts_at: at(-30 * 60_000), ends_at: at(30 * 60_000) },
  });
  expect(session.status(), await session.text()).toBe(201);
  const { event_code: code } = (await session.json()) as { event_code: string };
  expect((await api.post(`/api/catalog/activities/${activity.id}/publish`, { headers: staff })).ok()).toBeTruthy();

  // Two physicians and a nurse register, attend by the session's code and claim credit with their evaluations; the
  // first also claims MOC points, which wait for an ABIM ID the learner has not given yet.
  const attendees = [
    { learner: newLearner("rep"), category: "physician", rating: 5, comment: "=1+1, clear and practical", moc: true },
    { learner: newLearner("rep"), category: "physician", rating: 4, comment: "", moc: false },
    { learner: newLearner("rep"), category: "nurse", rating: 3, comment: "Too fast", moc: false },
  ];
  const learnerHeaders: Record<string, string>[] = [];
  for (const { learner, category } of attendees) {
    await signUp(api, learner);
    const headers = await bearer(api, learner.email, learner.password);
    learnerHeaders.push(headers);
    const registered = await api.post(`/api/catalog/activities/${activity.id}/registrations`, { headers, data: { attendee_category: category } });
    expect(registered.status(), await registered.text()).toBe(201);
    const attended = await api.post("/api/catalog/attendance/event-code", { headers, data: { code } });
    expect(attended.ok(), await attended.text()).toBeTruthy();
  }
  for (const [index, { rating, comment, moc }] of attendees.entries()) {
    const headers = learnerHeaders[index]!;
    await until(
      async () =>
        ((await (await api.get("/api/credit/claimable", { headers })).json()) as { activity_id: string }[]).some(
          (c) => c.activity_id === activity.id,
        ),
      "the attendance to reach the credit service",
    );
    const claimed = await api.post("/api/credit/claims", {
      headers,
      data: {
        activity_id: activity.id,
        credits: moc ? { AMA_PRA_1: "1", MOC_ABIM: "1" } : { AMA_PRA_1: "0.75" },
        evaluation: { overall_rating: rating, objectives_met: rating > 3, free_of_commercial_bias: true, comments: comment },
        moc_boards: moc ? ["ABIM"] : [],
        share_permission: moc,
      },
    });
    expect(claimed.status(), await claimed.text()).toBe(201);
  }
  const today = utcDay(Date.now());
  const from = utcDay(Date.now() - 6 * DAY_MS);
  const query = `from=${from}&to=${today}&activity_id=${activity.id}`;
  await until(async () => {
    const report = await api.get(`/api/board-reporting/office/reports/board-reports?${query}`, { headers: staff });
    return ((await report.json()) as { rows: unknown[] }).rows.length === 1;
  }, "the board report of the MOC claim");

  // A learner at the reports: refused in words, and each report the page reads answers 403.
  await signIn(page, attendees[2]!.learner);
  await page.goto(`/office/reports?activity=${activity.id}`);
  await expect(page.getByRole("heading", { level: 1, name: "This page is for the CME office" })).toBeVisible();
  for (const path of [
    `/api/catalog/office/reports/registrations?${query}`,
    `/api/catalog/office/reports/attendance?${query}`,
    `/api/credit/office/reports/credits?${query}`,
    `/api/credit/office/reports/evaluations?${query}`,
    `/api/board-reporting/office/reports/board-reports?${query}`,
  ]) {
    expect((await api.get(path, { headers: learnerHeaders[2] })).status(), path).toBe(403);
  }
  await signOut(page);

  // The coordinator opens the reports from the office and chooses the activity, the last seven days, by day.
  await signIn(page, coordinator);
  await openNav(page, "CME office");
  await page.getByRole("link", { name: "Reports", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Reports" })).toBeVisible();
  await expect(page.getByText("Choose an activity above to see its evaluation results.")).toBeVisible();
  await page.getByLabel("Activity").selectOption({ label: title });
  await page.getByLabel("Show by").selectOption("day");
  await expect(page).toHaveURL(new RegExp(`bucket=day&activity=${activity.id}`));
  // A period of its own too (typed into the date range's segments elsewhere): the last seven days, today included.
  await page.goto(`/office/reports?from=${from}&to=${today}&bucket=day&activity=${activity.id}`);
  const dayLabel = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${today}T00:00:00Z`));

  const registrations = page.getByRole("region", { name: "Registrations", exact: true });
  await expect(registrations.getByText("3 confirmed, 0 cancelled since; fees of the confirmed ones $120.00.")).toBeVisible();
  const registrationRows = registrations.getByRole("table").getByRole("row");
  await expect(registrationRows).toHaveCount(8); // the header and seven days
  await expect(registrations.getByRole("row", { name: new RegExp(dayLabel) })).toHaveText(
    [dayLabel, "1", "2", "0", "$120.00"].join(""),
  );
  // The chart draws the same numbers: two stacks (nurse, physician) on today's bar, and its legend names them.
  const registrationChart = page.locator(`[data-chart="registrations-${from}-${today}.csv"]`);
  await expect(registrationChart.locator(".recharts-bar-rectangle path")).toHaveCount(2);
  await expect(registrationChart.locator(".recharts-legend-item-text")).toHaveText(["Nurse", "Physician", "Cancelled"]);

  const attendance = page.getByRole("region", { name: "Attendance", exact: true });
  await expect(attendance.getByText("3 attendances recorded.")).toBeVisible();
  await expect(attendance.locator(".recharts-bar-rectangle path")).toHaveCount(1);

  const credits = page.getByRole("region", { name: "Credit claimed", exact: true });
  await expect(credits.getByText("AMA PRA Category 1 Credit™: 2.50 in 3 claims. ABIM MOC points: 1.00 in 1 claim.")).toBeVisible();

  const boards = page.getByRole("region", { name: "Board reports", exact: true });
  await expect(boards.getByText("1 board report.")).toBeVisible();
  await expect(boards.getByRole("row", { name: /American Board of Internal Medicine \(ABIM\)/ })).toContainText("1");

  const ratings = page.getByRole("region", { name: "Overall rating", exact: true });
  await expect(ratings.getByText("3 responses; average rating 4 of 5.")).toBeVisible();
  await expect(ratings.getByRole("row", { name: /^5 of 5/ })).toHaveText("5 of 51");
  await expect(ratings.locator(".recharts-bar-rectangle path")).toHaveCount(3);
  const answers = page.getByRole("region", { name: "Objectives, commercial bias and practice change", exact: true });
  await expect(answers.getByText("Objectives met: 2 of 3 yes.", { exact: false })).toBeVisible();
  const comments = page.getByRole("region", { name: "Comments", exact: true });
  await expect(comments.getByText("2 comments.")).toBeVisible();
  await expect(comments.getByRole("cell", { name: "Too fast" })).toBeVisible();
  await checkPage(page, "office-reports");

  // The CSV files hold exactly what the tables show; text a learner typed cannot run as a formula.
  const registrationsCsv = await csvOf(page, "Download Registrations as CSV");
  expect(registrationsCsv[0]).toBe("Day,Nurse,Physician,Cancelled,Fees (confirmed)");
  expect(registrationsCsv).toHaveLength(8);
  expect(registrationsCsv.at(-1)).toBe(`${today},1,2,0,120.00`);
  const creditsCsv = await csvOf(page, "Download Credit claimed as CSV");
  expect(creditsCsv[0]).toBe("Day,AMA PRA Category 1 Credit™,ABIM MOC points,Claims (AMA PRA Category 1 Credit™),Claims (ABIM MOC points)");
  expect(creditsCsv.at(-1)).toBe(`${today},2.5,1,3,1`);
  const commentsCsv = await csvOf(page, "Download Comments as CSV");
  expect(commentsCsv).toEqual([
    "Day,Comment",
    `${today},Too fast`,
    `${today},"'=1+1, clear and practical"`,
  ]);
  await api.dispose();
});
