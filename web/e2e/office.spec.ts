// The CME office (issue 12, its first screens): a coordinator's roster of a live course with two fees and two seats,
// exported as CSV; the help desk's board-report list, a learner found by address with their page, and a reset link
// sent from it; and what a learner gets at those addresses (a refusal in words, and 403 from the services behind them).
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import { bearer, gateway, learnerWithCertificate, newCoordinator, newLearner, signUp, uniqueNpi, until } from "./support/api";
import { run } from "./support/env";
import { mailedLink } from "./support/mail";
import { checkPage } from "./support/page";
import { openNav, signIn, signOut } from "./support/ui";
import { expect, test } from "./fixtures";

test("a coordinator reads the roster of a full live course and downloads it; a learner is refused", async ({ page }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const { coordinator, staff } = await newCoordinator(api);
  // A title of its own, not the run's tag: the catalog search journey counts the activities carrying that.
  const workshop = `Small Group Workshop ${Date.now().toString(36)}x`;
  const start = new Date(Date.now() + 30 * 86_400_000);
  start.setHours(8, 0, 0, 0);

  // The coordinator makes the course in the portal: a draft first, with its statement to check, then published.
  await signIn(page, coordinator);
  await openNav(page, "CME office");
  await page.getByRole("link", { name: "New activity" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "New activity" })).toBeVisible();
  await page.getByRole("button", { name: "Save as a draft" }).click();
  await expect(page.getByText("Please choose the format.")).toBeVisible(); // the form's own checks first
  await page.getByLabel("Title (required)").fill(workshop);
  await page.getByRole("button", { name: /Format \(required\)$/ }).click();
  await page.getByRole("option", { name: "Live course" }).click();
  await page.getByLabel("Place").fill("Main Campus, Room 4");
  await typeDateTime(page, "Starts", start);
  await typeDateTime(page, "Ends", new Date(start.getTime() + 8 * 3_600_000));
  await page.getByRole("textbox", { name: "Capacity" }).fill("2");
  for (const [n, category, dollars] of [[1, "Physician", "300"], [2, "Nurse", "120"]] as const) {
    await page.getByRole("button", { name: "Add a fee" }).click();
    await page.getByRole("button", { name: new RegExp(`Category of fee ${n} \\(required\\)$`) }).click();
    await page.getByRole("option", { name: category, exact: true }).click();
    await page.getByRole("textbox", { name: `Fee ${n} in US dollars (required)` }).fill(dollars);
  }
  await page.getByRole("textbox", { name: "Maximum credits 1 (required)" }).fill("7");
  await checkPage(page, "office-new-activity");
  await page.getByRole("button", { name: "Save as a draft" }).click();
  await expect(page.getByRole("heading", { level: 1, name: workshop })).toBeVisible();
  await expect(page.getByText("Learners cannot see it yet.", { exact: false })).toBeVisible();
  await expect(page.getByText(/designates this live activity for a maximum of 7 AMA PRA Category 1 Credits™/)).toBeVisible();
  await checkPage(page, "office-activity-draft");
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByRole("dialog", { name: "Publish this activity?" }).getByRole("button", { name: "Publish" }).click();
  await expect(page.getByText("Learners find it in the catalog.")).toBeVisible();
  const course = { id: new URL(page.url()).pathname.split("/").pop() ?? "", title: workshop };

  // Once published, what credit already uses is shown but locked; the description may still change.
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await expect(page.getByText("This activity is published")).toBeVisible();
  await expect(page.getByLabel("Title")).toBeDisabled();
  await page.getByLabel("Description").fill("Hands-on airway skills in small groups.");
  await checkPage(page, "office-edit-activity");
  await page.getByRole("button", { name: "Save the changes" }).click();
  await expect(page.getByText("Hands-on airway skills in small groups.")).toBeVisible();
  await signOut(page);

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

test("a coordinator adds a grand-rounds session, shows its code and records attendance from a list", async ({ page }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const { coordinator, staff } = await newCoordinator(api);
  const series = `Surgery Grand Rounds ${Date.now().toString(36)}x`;
  const created = await api.post("/api/catalog/activities", {
    headers: staff,
    data: {
      title: series,
      format: "grand_rounds",
      starts_at: new Date(Date.now() - 3_600_000).toISOString(),
      ends_at: new Date(Date.now() + 90 * 86_400_000).toISOString(),
      location: "Surgery Auditorium",
      credit_designations: [{ credit_type: "AMA_PRA_1", max_credits: "1" }],
      requires_event_code: true,
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const rounds = (await created.json()) as { id: string };
  expect((await api.post(`/api/catalog/activities/${rounds.id}/publish`, { headers: staff })).ok()).toBeTruthy();

  // Two attendees with accounts whose addresses are confirmed; the third address has no account.
  const attendees = [
    newLearner("attendee", { firstName: "Ines", lastName: `Ibarra-${run}` }),
    newLearner("attendee", { firstName: "Oskar", lastName: `Olsen-${run}` }),
  ];
  for (const attendee of attendees) {
    await signUp(api, attendee);
    const token = new URL(await mailedLink(attendee.email, "/verify-email?token=")).searchParams.get("token");
    expect((await api.post(`/api/identity/email-verifications/${token}`)).status()).toBe(204);
  }
  const stranger = `no-account-${run}@example.org`;

  await signIn(page, coordinator);
  await openNav(page, "CME office");
  await page.getByLabel("Find an activity").fill(series);
  await page.getByRole("link", { name: `Sessions and event codes of ${series}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Sessions and event codes of ${series}` })).toBeVisible();
  await expect(page.getByText("No session yet. Add the first one below.")).toBeVisible();

  // A session from now to in an hour, its code working for 14 days; the form refuses an end before the start first.
  await page.getByLabel("Session title").fill("Trauma Systems Update");
  await typeDateTime(page, "Starts", new Date(Date.now() + 3_600_000));
  await typeDateTime(page, "Ends", new Date(Date.now() - 3_600_000));
  await page.getByRole("button", { name: "Add the session" }).click();
  await expect(page.getByText("The session must end after it starts.")).toBeVisible();
  await typeDateTime(page, "Starts", new Date(Date.now() - 600_000));
  await typeDateTime(page, "Ends", new Date(Date.now() + 3_000_000));
  await page.getByRole("textbox", { name: "Code works for (days) (required)" }).fill("14");
  await page.getByRole("button", { name: "Add the session" }).click();
  const table = page.getByRole("table", { name: `Sessions of ${series}` });
  await expect(table.getByRole("row")).toHaveCount(2);
  const code = ((await table.getByRole("row").nth(1).getByRole("cell").nth(1).textContent()) ?? "").trim();
  expect(code).toMatch(/^[A-Z0-9]{4,20}$/);
  await expect(table).toContainText("0 accepted of 0 entries");
  await checkPage(page, "office-sessions");

  // The code, large, for the slide.
  await page.getByRole("link", { name: "Show the code of Trauma Systems Update" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Event code" })).toBeVisible();
  await expect(page.getByLabel(`The code is ${code.split("").join(" ")}`)).toHaveText(code.replace(/(.{4})(?=.)/g, "$1 "));
  await expect(page.getByText(/Record your attendance at .*\/event-code with this code:/)).toBeVisible();
  await checkPage(page, "office-session-code");

  // Attendance from a pasted list: two confirmed addresses (one in "Name <address>" form) and one without an account.
  await page.getByRole("link", { name: "Back to the sessions" }).click();
  await page.getByRole("link", { name: "Attendance of Trauma Systems Update" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Attendance of / })).toBeVisible();
  await page
    .getByLabel("Email addresses")
    .fill(`${attendees[0].email}\nOskar Olsen <${attendees[1].email.toUpperCase()}>; ${stranger}`);
  await expect(page.getByText("3 addresses found.")).toBeVisible();
  await page.getByRole("button", { name: "Record 3 attendees" }).click();
  const results = page.getByRole("table", { name: "Result for each address" });
  await expect(results.getByRole("row")).toHaveCount(4);
  await expect(results.getByRole("row", { name: new RegExp(stranger) })).toContainText("Pending");
  await checkPage(page, "office-attendance");

  // Confirmed addresses are recorded at once, or as soon as their confirmation has reached the catalog: both attendees
  // end up under "Who attended" by name; the stranger's address waits for an account.
  await until(async () => {
    await page.reload();
    const said = page.getByText(/^\d+ learners? recorded\.$/);
    await said.waitFor();
    return (await said.textContent()) === "2 learners recorded.";
  }, "both attendees recorded");
  const attended = page.getByRole("table", { name: "Who attended" });
  await expect(attended).toContainText(`Ines Ibarra-${run}`);
  await expect(attended).toContainText(`Oskar Olsen-${run}`);
  await expect(page.getByRole("listitem").filter({ hasText: stranger })).toBeVisible();
  await api.dispose();
});

/** Types a local date and time into a react-aria date-time field, segment by segment, as a keyboard user would. */
async function typeDateTime(page: Page, label: string, when: Date): Promise<void> {
  const group = page.getByRole("group", { name: label });
  await group.getByRole("spinbutton").first().click();
  const hours = when.getHours() % 12 || 12;
  const pad = (n: number) => String(n).padStart(2, "0");
  await page.keyboard.type(`${pad(when.getMonth() + 1)}${pad(when.getDate())}${when.getFullYear()}${pad(hours)}${pad(when.getMinutes())}`);
  await page.keyboard.type(when.getHours() < 12 ? "A" : "P");
}

test("the help desk finds a learner by NPI, corrects a claim (the certificate is reissued) and grants an extension", async ({
  page,
  world,
}) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const { coordinator } = await newCoordinator(api);
  const npi = uniqueNpi();
  const { auth, certificate } = await learnerWithCertificate(
    api,
    world.webcast.id,
    newLearner("helped", { firstName: "Noor", lastName: `Nasser-${run}` }),
    { npi },
  );

  await signIn(page, coordinator);
  await openNav(page, "CME office");
  await page.getByRole("link", { name: "Find a learner" }).click();
  await page.getByLabel("Name, email, NPI or board ID").fill(npi);
  await page.getByRole("link", { name: `Noor Nasser-${run}, MD` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Noor Nasser-${run}` })).toBeVisible();

  // The claim: 1 credit becomes 0.5, with a reason; credit replaces the claim and certificates reissues it.
  await page.getByRole("button", { name: `Correct the claim for ${world.webcast.title}` }).click();
  const dialog = page.getByRole("dialog", { name: `Correct the claim for ${world.webcast.title}` });
  await dialog.getByLabel("AMA PRA Category 1 Credit™").fill("0.5");
  await dialog.getByLabel("Reason (kept with the change)").fill("Left after the first half; asked us to correct it.");
  await dialog.getByRole("button", { name: "Correct the claim" }).click();
  await expect(page.getByText(`The claim for ${world.webcast.title} is corrected; its certificate is being reissued.`)).toBeVisible();
  await expect(page.getByRole("table", { name: "Claims" })).toContainText("Revoked");
  const reissued = await until(async () => {
    const mine = (await (await api.get("/api/certificates/certificates/mine", { headers: auth })).json()) as {
      id: string;
      credits: { amount: string }[];
    }[];
    return mine.find((c) => c.id !== certificate.id && c.credits.some((credit) => Number(credit.amount) === 0.5));
  }, "the reissued certificate");
  expect(reissued.id).not.toBe(certificate.id);

  // An extension of the claim window for another activity, then withdrawn; both stay in the history.
  await page.getByLabel("Find the activity by its title").fill(world.journal.title);
  await page.getByRole("button", { name: `Choose ${world.journal.title}` }).click();
  const until60 = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("Last day to claim").fill(until60);
  await page.getByLabel("Reason (kept with the change)").fill("In hospital during the claim window.");
  await page.getByRole("button", { name: "Grant the extension" }).click();
  await expect(page.getByRole("table", { name: "Extensions in force" })).toContainText(world.journal.title);
  await checkPage(page, "office-learner-actions");
  await page.getByRole("button", { name: `Withdraw the extension for ${world.journal.title}` }).click();
  await page.getByRole("dialog", { name: "Withdraw the extension?" }).getByRole("button", { name: "Withdraw" }).click();
  await expect(page.getByText("No extension in force.")).toBeVisible();
  await expect(page.getByRole("table", { name: "Claim-window extensions" })).toContainText("In hospital during the claim window.");
  await api.dispose();
});
