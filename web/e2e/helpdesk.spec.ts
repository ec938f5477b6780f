// The help desk's learner page, whole: registrations (one cancelled), certificates, the emails sent (one sent again),
// and a duplicate account merged into it after a side-by-side preview; afterwards the survivor's transcript has both
// accounts' certificates and the merge is on the page with its reason. A learner is refused at the merge page, and
// the services behind it answer 403.
import { bearer, gateway, learnerWithCertificate, newCoordinator, newLearner, signUp, uniqueNpi, until } from "./support/api";
import { run } from "./support/env";
import { mailedText } from "./support/mail";
import { checkPage } from "./support/page";
import { openNav, signIn, signOut } from "./support/ui";
import { expect, test } from "./fixtures";

test("the help desk cancels a registration, resends an email and merges a duplicate after its preview", async ({
  page,
  world,
}) => {
  test.setTimeout(240_000);
  const api = await gateway();
  const { coordinator } = await newCoordinator(api);
  const npi = uniqueNpi();
  const surname = `Okafor-${run}`;
  // The same physician twice: once with her NPI and a webcast's certificate, once with another address and a journal
  // article's certificate, and the live course registered for on the first account.
  const kept = await learnerWithCertificate(api, world.webcast.id, newLearner("kept", { firstName: "Maya", lastName: surname }), {
    npi,
  });
  const duplicate = await learnerWithCertificate(
    api,
    world.journal.id,
    newLearner("dup", { firstName: "Maya", lastName: surname }),
  );
  const registered = await api.post(`/api/catalog/activities/${world.liveCourse.id}/registrations`, {
    headers: kept.auth,
    data: { attendee_category: "physician" },
  });
  expect(registered.status(), await registered.text()).toBe(201);

  await signIn(page, coordinator);
  await openNav(page, "CME office");
  await page.getByRole("link", { name: "Find a learner" }).click();
  // Found on the list of the course she registered for (by NPI, name or address is the office journey's way).
  await page.getByLabel("Find the activity by its title").fill(world.liveCourse.title);
  await page.getByRole("button", { name: `Choose ${world.liveCourse.title}` }).click();
  await checkPage(page, "office-find-learner-by-activity");
  await page.getByRole("table", { name: `Registered for ${world.liveCourse.title}` }).getByRole("link", { name: `Maya ${surname}` }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Maya ${surname}` })).toBeVisible();
  const registrations = page.getByRole("table", { name: "Registrations" });
  await expect(registrations).toContainText(world.liveCourse.title);
  await expect(registrations).toContainText(world.webcast.title);
  await expect(page.getByRole("table", { name: "Certificates" })).toContainText(kept.certificate.number);
  const emails = page.getByRole("table", { name: "Emails sent" });
  await expect(emails).toContainText("Sent");
  await checkPage(page, "office-learner-records");

  // The live course's registration, cancelled after a confirmation.
  await registrations.getByRole("button", { name: `Cancel the registration for ${world.liveCourse.title}` }).click();
  const cancelDialog = page.getByRole("dialog", { name: "Cancel this registration?" });
  await cancelDialog.getByRole("button", { name: "Cancel the registration" }).click();
  await expect(cancelDialog.getByText("say why the registration is cancelled")).toBeVisible(); // staff give a reason
  await cancelDialog.getByLabel("Reason (the learner sees it)").fill("Called: cannot attend after all");
  await cancelDialog.getByRole("button", { name: "Cancel the registration" }).click();
  await expect(page.getByText(`The registration for ${world.liveCourse.title} is cancelled.`)).toBeVisible();
  const cancelledRow = registrations.getByRole("row", { name: new RegExp(world.liveCourse.title) });
  await expect(cancelledRow).toContainText("Cancelled");
  await expect(cancelledRow).toContainText("Called: cannot attend after all");
  const told = await mailedText(kept.learner.email, "Your registration has been cancelled.");
  expect(told).toContain(world.liveCourse.title);

  // The certificate email, sent again: a second copy arrives.
  const subject = await until(async () => {
    const row = emails.getByRole("row").filter({ hasText: "certificate" }).first();
    return (await row.count()) > 0 ? ((await row.getByRole("rowheader").textContent()) ?? "").trim() : null;
  }, "the certificate email in the list");
  await emails.getByRole("button", { name: `Send ${subject} again` }).first().click();
  await page.getByRole("dialog", { name: "Send this email again?" }).getByRole("button", { name: "Send again" }).click();
  await expect(page.getByText(`A fresh copy of “${subject}” is on its way.`)).toBeVisible();
  await expect(emails).toContainText("a copy sent again");

  // The merge: the duplicate is found by name, the preview shows both accounts and what moves.
  await page.getByRole("link", { name: "Merge a duplicate account into this one" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Merge a duplicate account" })).toBeVisible();
  await page.getByLabel("Name, email, NPI or board ID").fill(duplicate.learner.email);
  await page.getByRole("button", { name: `Merge Maya ${surname} into this account` }).click();
  await expect(page.getByText(`${duplicate.learner.email} (not verified) moves to this account.`)).toBeVisible();
  const goes = page.getByRole("region", { name: "Merged into it (the duplicate)" });
  const stays = page.getByRole("region", { name: "Stays (this account)" });
  await expect(goes.getByRole("list", { name: "Certificates" })).toContainText(world.journal.title);
  await expect(stays.getByRole("list", { name: "Certificates" })).toContainText(world.webcast.title);
  await expect(goes).toContainText(duplicate.learner.email);
  await checkPage(page, "office-merge-preview");
  await page.getByRole("button", { name: "Merge the accounts" }).click();
  await expect(page.getByText("Say why the accounts are merged", { exact: false })).toBeVisible();
  const reason = `Same physician, registered twice (ticket ${run})`;
  await page.getByLabel("Reason (kept in the audit log)").fill(reason);
  await page.getByRole("button", { name: "Merge the accounts" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Merge the accounts? This cannot be undone." });
  await confirm.getByRole("button", { name: "Merge", exact: true }).click();
  await expect(page.getByText("The accounts are merged.", { exact: false })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: `Maya ${surname}` })).toBeVisible();
  await expect(page.getByRole("table", { name: "Merged accounts" })).toContainText(reason);

  // The survivor's transcript now has both certificates (certificates moved them on account.merged).
  const titles = await until(async () => {
    const transcript = (await (await api.get("/api/certificates/transcript", { headers: kept.auth })).json()) as {
      rows: { activity_title: string }[];
    };
    const rows = transcript.rows.map((r) => r.activity_title);
    return rows.includes(world.journal.title) ? rows : null;
  }, "the duplicate's certificate on the survivor's transcript");
  expect(titles).toEqual(expect.arrayContaining([world.webcast.title, world.journal.title]));
  await page.reload();
  await expect(page.getByRole("table", { name: "Certificates" })).toContainText(world.journal.title);
  await checkPage(page, "office-learner-merged");
  await signOut(page);

  // A learner: refused in words at the merge page, and identity and catalog say 403.
  const learner = newLearner("not-support");
  await signUp(api, learner);
  await signIn(page, learner);
  await page.goto(`/office/learners/${kept.learnerId}/merge`);
  await expect(page.getByRole("heading", { level: 1, name: "This page is for the CME office" })).toBeVisible();
  const headers = await bearer(api, learner.email, learner.password);
  const pair = { surviving_user_id: kept.learnerId, merged_user_id: kept.learnerId };
  expect((await api.post("/api/identity/merges/preview", { headers, data: pair })).status()).toBe(403);
  expect((await api.get(`/api/catalog/learners/${kept.learnerId}/registrations`, { headers })).status()).toBe(403);
  await api.dispose();
});
