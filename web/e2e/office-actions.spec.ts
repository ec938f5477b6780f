// The coordinator's remaining office actions (issue 12): cancelling an activity with a reason (its registrant is
// emailed and sees it cancelled) and unpublishing one nobody registered for; a new event code for a session (the old
// one is refused at the learner's event-code page); the administrator's board registry. A learner at those addresses
// is refused in words, and the services answer 403.
import type { APIRequestContext } from "@playwright/test";
import { bearer, gateway, newCoordinator, newLearner, signUp } from "./support/api";
import { env, run } from "./support/env";
import { mailedText } from "./support/mail";
import { checkPage } from "./support/page";
import { openNav, signIn, signOut } from "./support/ui";
import { expect, test } from "./fixtures";

async function publishedActivity(api: APIRequestContext, staff: Record<string, string>, data: Record<string, unknown>) {
  const start = new Date(Date.now() + 20 * 86_400_000);
  const created = await api.post("/api/catalog/activities", {
    headers: staff,
    data: {
      format: "live_course",
      starts_at: start.toISOString(),
      ends_at: new Date(start.getTime() + 8 * 3_600_000).toISOString(),
      location: "Main Campus, Room 2",
      credit_designations: [{ credit_type: "AMA_PRA_1", max_credits: "6" }],
      ...data,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const activity = (await created.json()) as { id: string; title: string };
  expect((await api.post(`/api/catalog/activities/${activity.id}/publish`, { headers: staff })).ok()).toBeTruthy();
  return activity;
}

test("a coordinator cancels a course with a reason: the registrant is emailed and sees it cancelled; another is unpublished", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const { coordinator, staff } = await newCoordinator(api);
  const course = await publishedActivity(api, staff, { title: `Airway Workshop ${Date.now().toString(36)}x` });
  const mistake = await publishedActivity(api, staff, { title: `Published By Mistake ${Date.now().toString(36)}x` });
  const learner = newLearner("cancelled", { firstName: "Rosa", lastName: `Registrant-${run}` });
  await signUp(api, learner);
  const learnerHeaders = await bearer(api, learner.email, learner.password);
  const registered = await api.post(`/api/catalog/activities/${course.id}/registrations`, { headers: learnerHeaders, data: {} });
  expect(registered.status()).toBe(201);
  const reason = `The course director is ill; a new date will follow (${run}).`;

  // A learner at the coordinator's activity page: refused in words; the services say 403.
  await signIn(page, learner);
  await page.goto(`/office/activities/${course.id}`);
  await expect(page.getByRole("heading", { level: 1, name: "This page is for the CME office" })).toBeVisible();
  for (const action of ["cancel", "unpublish"]) {
    const refused = await api.post(`/api/catalog/activities/${course.id}/${action}`, { headers: learnerHeaders, data: { reason } });
    expect(refused.status()).toBe(403);
  }
  await signOut(page);

  await signIn(page, coordinator);
  await page.goto(`/office/activities/${course.id}`);
  await expect(page.getByRole("heading", { level: 1, name: course.title })).toBeVisible();
  await page.getByRole("button", { name: "Cancel activity" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Cancel this activity?" });
  await expect(dialog.getByText("This cannot be undone.", { exact: false })).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel activity" }).click(); // without a reason: the service says why
  await expect(dialog.getByText(/reason/i).last()).toBeVisible();
  await dialog.getByLabel("Reason (sent to registrants)").fill(reason);
  await dialog.getByRole("button", { name: "Cancel activity" }).click();
  await expect(page.getByText(`Cancelled: ${course.title}. Registrants are being emailed.`)).toBeVisible();
  await expect(page.getByText(reason, { exact: false })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel activity" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Edit", exact: true })).toHaveCount(0);
  await checkPage(page, "office-activity-cancelled");

  // The one with nobody registered goes back to a draft.
  await page.goto(`/office/activities/${mistake.id}`);
  await page.getByRole("button", { name: "Unpublish" }).click();
  const unpublishing = page.getByRole("dialog", { name: "Unpublish this activity?" });
  await unpublishing.getByRole("button", { name: "Unpublish" }).click();
  await expect(unpublishing.getByRole("alert")).toContainText("reason"); // refused: a reason is needed
  await unpublishing.getByLabel("Reason (kept with the draft)").fill("Published before the disclosures were in");
  await unpublishing.getByRole("button", { name: "Unpublish" }).click();
  await expect(page.getByText("Learners cannot see it yet.", { exact: false })).toBeVisible();
  await expect(page.getByText("Published before the disclosures were in", { exact: false })).toBeVisible();
  await signOut(page);

  // The registrant's email, with the reason; their registrations and the activity's page say it is cancelled.
  const mail = await mailedText(learner.email, "has been cancelled");
  expect(mail).toContain(reason);
  expect(mail).toContain(course.title);
  await signIn(page, learner);
  await page.goto("/registrations");
  const card = page.getByRole("listitem").filter({ hasText: course.title });
  await expect(card).toContainText("Cancelled");
  await expect(card).toContainText(`The organiser cancelled this activity: ${reason}`);
  await checkPage(page, "registrations-activity-cancelled");
  await page.goto(`/activities/${course.id}`);
  await expect(page.getByText("This activity was cancelled")).toBeVisible();
  await expect(page.getByRole("button", { name: /Register/ })).toHaveCount(0);
  await api.dispose();
});

test("a coordinator gives a session a new code: the old one is refused at the event-code page, the new one works", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const { coordinator, staff } = await newCoordinator(api);
  const rounds = await publishedActivity(api, staff, {
    // A title of its own, not the run's tag: the catalog search journey counts the activities carrying that.
    title: `Medicine Grand Rounds ${Date.now().toString(36)}x`,
    format: "grand_rounds",
    starts_at: new Date(Date.now() - 3_600_000).toISOString(),
    ends_at: new Date(Date.now() + 60 * 86_400_000).toISOString(),
    requires_event_code: true,
  });
  const added = await api.post(`/api/catalog/activities/${rounds.id}/sessions`, {
    headers: staff,
    data: {
      title: "Sepsis Bundles",
      starts_at: new Date(Date.now() - 600_000).toISOString(),
      ends_at: new Date(Date.now() + 3_000_000).toISOString(),
    },
  });
  expect(added.status(), await added.text()).toBe(201);
  const session = (await added.json()) as { id: string; event_code: string };
  const learner = newLearner("code");
  await signUp(api, learner);

  await signIn(page, coordinator);
  await page.goto(`/office/activities/${rounds.id}/sessions/${session.id}/code`);
  await expect(page.getByRole("heading", { level: 1, name: "Event code" })).toBeVisible();
  await page.getByRole("button", { name: "New code" }).click();
  const dialog = page.getByRole("dialog", { name: "Give this session a new code?" });
  await expect(dialog.getByText("The current code stops working at once", { exact: false })).toBeVisible();
  await dialog.getByRole("button", { name: "New code" }).click();
  await expect(page.getByText("The session has a new code.")).toBeVisible();
  const shown = page.getByLabel(/^The code is /);
  await expect(shown).not.toHaveText(session.event_code.replace(/(.{4})(?=.)/g, "$1 "));
  const newCode = ((await shown.textContent()) ?? "").replace(/\s/g, "");
  expect(newCode).toMatch(/^[A-Z0-9]{4,20}$/);
  await checkPage(page, "office-session-new-code");
  await signOut(page);

  await signIn(page, learner);
  await page.goto("/event-code");
  await page.getByLabel("Event code").fill(session.event_code);
  await page.getByRole("button", { name: "Record my attendance" }).click();
  await expect(page.getByText("No session has this code").first()).toBeVisible(); // the form's alert and the field say it
  await page.getByLabel("Event code").fill(newCode);
  await page.getByRole("button", { name: "Record my attendance" }).click();
  await expect(page.getByText("Attendance recorded: Sepsis Bundles")).toBeVisible();
  const headers = await bearer(api, learner.email, learner.password);
  expect((await api.post(`/api/catalog/sessions/${session.id}/code`, { headers })).status()).toBe(403);
  await api.dispose();
});

test("an administrator adds a board and edits its deadline; a learner is refused", async ({ page }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  // Codes are letters only: the run's tag, its digits as letters.
  const code = `AB${run.toUpperCase().replace(/[0-9]/g, (d) => "GHIJKLMNOP"[Number(d)])}`.slice(0, 16);
  const name = `American Board of Testing ${run}`;

  await signIn(page, { email: env.adminEmail, password: env.adminPassword });
  await openNav(page, "CME office");
  await page.getByRole("link", { name: "Certifying boards" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Certifying boards" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Certifying boards" })).toContainText("American Board of Surgery");
  await checkPage(page, "office-admin-boards");

  await page.getByLabel("Code (required)").fill(code.toLowerCase());
  await page.getByLabel("Name (required)").fill(name);
  await page.getByRole("button", { name: "Add the board" }).click();
  await expect(page.getByText("Use a capital letter, then 1 to 15 letters or hyphens (e.g. ABPMR).")).toBeVisible();
  await page.getByLabel("Code (required)").fill(code);
  await page.getByRole("button", { name: "Add the board" }).click();
  await expect(page.getByText(`Board ${code} added.`)).toBeVisible();
  const row = page.getByRole("table", { name: "Certifying boards" }).getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("60 days");

  await page.getByRole("button", { name: `Edit ${code}` }).click();
  await expect(page.getByRole("heading", { level: 2, name: `Edit ${code}` })).toBeVisible();
  await page.getByRole("textbox", { name: "Report within (days) (required)" }).fill("30");
  await page.getByRole("button", { name: "Save the board" }).click();
  await expect(page.getByText(`Board ${code} saved.`)).toBeVisible();
  await expect(row).toContainText("30 days");
  const boards = (await (await api.get("/api/board-reporting/boards")).json()) as { code: string; deadline_days: number }[];
  expect(boards.find((b) => b.code === code)?.deadline_days).toBe(30);
  // The board's history: newest first, who made each change and what it changed.
  await page.getByRole("button", { name: `Edit ${code}` }).click();
  const history = page.getByRole("table", { name: `Changes to ${code}` });
  await expect(history.getByRole("row")).toHaveCount(3); // the header and two changes
  await expect(history.getByRole("row").nth(1)).toContainText("Report within (days): 60 days → 30 days");
  await expect(history.getByRole("row").nth(1)).toContainText("Portal Administrator");
  await expect(history.getByRole("row").nth(2)).toContainText(`Added as “${name}”.`);
  await checkPage(page, "office-admin-board-history");
  await page.getByRole("button", { name: "Cancel" }).click();
  await signOut(page);

  const learner = newLearner("boards");
  await signUp(api, learner);
  await signIn(page, learner);
  await page.goto("/office/admin/boards");
  await expect(page.getByRole("heading", { level: 1, name: "This page is for the CME office" })).toBeVisible();
  const headers = await bearer(api, learner.email, learner.password);
  expect((await api.post("/api/board-reporting/boards", { headers, data: { code: "ABZZ", name: "x", mode: "report", deadline_days: 5 } })).status()).toBe(403);
  expect((await api.patch(`/api/board-reporting/boards/${code}`, { headers, data: { deadline_days: 5 } })).status()).toBe(403);
  await api.dispose();
});
