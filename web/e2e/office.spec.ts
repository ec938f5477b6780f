// The CME office (issue 12, its first screens): a coordinator's roster of a live course with two fees and two seats,
// exported as CSV; the help desk's board-report list, a learner found by address with their page, and a reset link
// sent from it; and what a learner gets at those addresses (a refusal in words, and 403 from the services behind them).
import { readFileSync } from "node:fs";
import { bearer, gateway, newLearner, signUp, until } from "./support/api";
import { env, run } from "./support/env";
import { mailedLink } from "./support/mail";
import { checkPage } from "./support/page";
import { openNav, signIn, signOut } from "./support/ui";
import { expect, test } from "./fixtures";

test("a coordinator reads the roster of a full live course and downloads it; a learner is refused", async ({ page }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const coordinator = newLearner("office");
  const coordinatorId = await signUp(api, coordinator, { profession: "CME coordinator" });
  const admin = await bearer(api, env.adminEmail, env.adminPassword);
  for (const role of ["staff", "support"]) {
    const granted = await api.post(`/api/identity/users/${coordinatorId}/roles`, { headers: admin, data: { role } });
    expect(granted.ok(), await granted.text()).toBeTruthy();
  }
  const staff = await bearer(api, coordinator.email, coordinator.password);
  // A title of its own, not the run's tag: the catalog search journey counts the activities carrying that.
  const workshop = `Small Group Workshop ${Date.now().toString(36)}x`;
  const start = Date.now() + 30 * 86_400_000;
  const created = await api.post("/api/catalog/activities", {
    headers: staff,
    data: {
      title: workshop,
      format: "live_course",
      starts_at: new Date(start).toISOString(),
      ends_at: new Date(start + 8 * 3_600_000).toISOString(),
      location: "Main Campus, Room 4",
      fees: { physician: 30000, nurse: 12000 },
      capacity: 2,
      credit_designations: [{ credit_type: "AMA_PRA_1", max_credits: "7" }],
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const course = (await created.json()) as { id: string; title: string };
  expect((await api.post(`/api/catalog/activities/${course.id}/publish`, { headers: staff })).ok()).toBeTruthy();

  const [zoe, amir, late] = [
    newLearner("roster", { firstName: "Zoë", lastName: `Zimmer-${run}` }),
    newLearner("roster", { firstName: "Amir", lastName: `Abbas-${run}` }),
    newLearner("roster", { firstName: "Lou", lastName: `Late-${run}` }),
  ];
  const answers: number[] = [];
  for (const [learner, category] of [[zoe, "physician"], [amir, "nurse"], [late, "nurse"]] as const) {
    await signUp(api, learner);
    const headers = await bearer(api, learner.email, learner.password);
    const registered = await api.post(`/api/catalog/activities/${course.id}/registrations`, {
      headers,
      data: { attendee_category: category },
    });
    answers.push(registered.status());
  }
  expect(answers).toEqual([201, 201, 409]); // two seats: the third is refused, the course is full

  // The names reach the catalog from identity's events: wait until both are there.
  await until(async () => {
    const roster = await api.get(`/api/catalog/activities/${course.id}/registrations`, { headers: staff });
    const names = ((await roster.json()) as { name: string | null }[]).map((entry) => entry.name);
    return names.every(Boolean) && names.length === 2;
  }, "the learners' names on the roster");

  // A learner at the office's addresses: refused in words, and the services say 403.
  await signIn(page, late);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "CME office" })).toHaveCount(0);
  await page.goto(`/office/activities/${course.id}/roster`);
  await expect(page.getByRole("heading", { level: 1, name: "This page is for the CME office" })).toBeVisible();
  await checkPage(page, "office-refused");
  const learnerHeaders = await bearer(api, late.email, late.password);
  expect((await api.get(`/api/catalog/activities/${course.id}/registrations`, { headers: learnerHeaders })).status()).toBe(403);
  expect((await api.get("/api/board-reporting/reports/worklist", { headers: learnerHeaders })).status()).toBe(403);
  await signOut(page);

  // The coordinator: the office from the navigation, the course, its roster by last name.
  await signIn(page, coordinator);
  await openNav(page, "CME office");
  await expect(page.getByRole("heading", { level: 1, name: "CME office" })).toBeVisible();
  await page.getByLabel("Find an activity").fill(workshop);
  await expect(page.getByRole("link", { name: `Roster of ${course.title}` })).toBeVisible();
  await checkPage(page, "office");
  await page.getByRole("link", { name: `Roster of ${course.title}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Roster of ${course.title}` })).toBeVisible();
  const rows = page.getByRole("table", { name: `Roster of ${course.title}` }).getByRole("row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1)).toContainText(`Amir Abbas-${run}, MD`);
  await expect(rows.nth(1)).toContainText("$120.00");
  await expect(rows.nth(2)).toContainText(`Zoë Zimmer-${run}, MD`);
  await expect(rows.nth(2)).toContainText("$300.00");
  await expect(page.getByText("2 people registered.")).toBeVisible();
  await checkPage(page, "office-roster");

  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download the roster (CSV)" }).click();
  const file = await (await downloading).path();
  const csv = readFileSync(file, "utf-8").replace(/^\uFEFF/, "").trim().split(/\r?\n/);
  expect(csv[0]).toBe("Registration,Name,Degree,Email,Category,Fee (USD),Payment,Status,Registered at,Cancelled at");
  expect(csv.slice(1).map((line) => line.split(",")[1])).toEqual([`Amir Abbas-${run}`, `Zoë Zimmer-${run}`]);

  // The help desk's board reports: filters, the nearest deadline first.
  await openNav(page, "CME office");
  await page.getByRole("link", { name: "Board reports" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Board reports" })).toBeVisible();
  await expect(page.getByLabel("Status")).toHaveValue("failed");
  await page.getByLabel("Status").selectOption("");
  await expect(page.getByRole("status").filter({ hasText: "Loading" })).toHaveCount(0);
  await checkPage(page, "office-board-reports");

  // The help desk finds a learner by an address, opens their page, and sends them a reset link.
  await openNav(page, "CME office");
  await page.getByRole("link", { name: "Find a learner" }).click();
  await page.getByLabel("Name, email, NPI or board ID").fill(zoe.email);
  await expect(page.getByRole("link", { name: `Zoë Zimmer-${run}, MD` })).toBeVisible();
  await checkPage(page, "office-find-learner");
  await page.getByRole("link", { name: `Zoë Zimmer-${run}, MD` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Zoë Zimmer-${run}` })).toBeVisible();
  await expect(page.getByText("No claims.")).toBeVisible();
  await expect(page.getByText("No board reports.")).toBeVisible();
  await expect(page.getByText("No extension was ever granted.")).toBeVisible();
  await checkPage(page, "office-learner");
  await page.getByRole("button", { name: "Send a password reset link" }).click();
  const dialog = page.getByRole("dialog", { name: "Send a password reset link?" });
  await expect(dialog.getByText(zoe.email)).toBeVisible();
  await dialog.getByRole("button", { name: "Send a password reset link" }).click();
  await expect(page.getByText(`A password reset link was sent to ${zoe.email}.`)).toBeVisible();
  expect(await mailedLink(zoe.email, "/reset-password?token=")).toContain("/reset-password?token=");
  await api.dispose();
});
