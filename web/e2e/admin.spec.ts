// Administration (issue 12): an administrator gives a colleague the help-desk role and sees it in the security log,
// changes the organisation's phone number (the footer shows it at once, the next email carries it), and looks at the
// signing keys; a learner at those addresses is refused in words, and identity answers 403.
import { bearer, gateway, newLearner, signUp } from "./support/api";
import { env, run } from "./support/env";
import { mailedText } from "./support/mail";
import { checkPage } from "./support/page";
import { openNav, signIn, signOut } from "./support/ui";
import { expect, test } from "./fixtures";

test("an administrator gives a role, changes the organisation's phone and sees the security log; a learner is refused", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const colleague = newLearner("colleague", { firstName: "Hana", lastName: `Helpdesk-${run}` });
  const colleagueId = await signUp(api, colleague, { profession: "CME coordinator" });
  const admin = await bearer(api, env.adminEmail, env.adminPassword);
  const original = (await (await api.get("/api/identity/organisation")).json()) as Record<string, unknown>;
  const phone = `+1 555 010 ${String(Date.now() % 10_000).padStart(4, "0")}`;

  try {
    await signIn(page, { email: env.adminEmail, password: env.adminPassword });
    await openNav(page, "CME office");
    await expect(page.getByRole("heading", { level: 2, name: "Administration" })).toBeVisible();

    // Roles: the colleague found by name gets the help-desk role; the change is in the log below.
    await page.getByRole("link", { name: "Roles" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Roles" })).toBeVisible();
    await page.getByLabel("Name, email, NPI or board ID").fill(`Helpdesk-${run}`);
    const name = `Hana Helpdesk-${run}`;
    await page.getByRole("button", { name: `Give ${name} the help desk role` }).click();
    await expect(page.getByText(`${name} now has the help desk role.`)).toBeVisible();
    await expect(page.getByRole("button", { name: `Take the help desk role from ${name}` })).toBeVisible();
    await expect(page.getByRole("table", { name: "Role given" })).toContainText(colleague.email);
    await checkPage(page, "office-admin-roles");
    const granted = (await (await api.get(`/api/identity/users/${colleagueId}`, { headers: admin })).json()) as { roles: string[] };
    expect(granted.roles).toContain("support");

    // The organisation's phone: the footer shows the new number at once.
    await openNav(page, "CME office");
    await page.getByRole("link", { name: "Organisation settings" }).click();
    await page.getByLabel("Help-desk phone (required)").fill(phone);
    await checkPage(page, "office-admin-organisation");
    await page.getByRole("button", { name: "Save the settings" }).click();
    await expect(page.getByText("Settings saved. The portal and the next emails use them.")).toBeVisible();
    await expect(page.getByRole("contentinfo").getByRole("link", { name: phone })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("contentinfo").getByRole("link", { name: phone })).toBeVisible();

    // ... and the next email: a reset link sent to the colleague carries it, once notifications has the change.
    expect((await api.post(`/api/identity/users/${colleagueId}/password-resets`, { headers: admin })).status()).toBe(202);
    expect(await mailedText(colleague.email, phone)).toContain("/reset-password?token=");

    // The security log, filtered to role changes.
    await openNav(page, "CME office");
    await page.getByRole("link", { name: "Security log" }).click();
    await page.getByLabel("What happened").selectOption("role.granted");
    await expect(page.getByRole("table", { name: "Security log" })).toContainText(colleague.email);
    await checkPage(page, "office-admin-audit");

    await openNav(page, "CME office");
    await page.getByRole("link", { name: "Signing keys" }).click();
    await expect(page.getByRole("table", { name: "Signing keys" })).toContainText("Signing");
    await checkPage(page, "office-admin-keys");
    await signOut(page);

    // A learner: refused in words, and identity says 403.
    const learner = newLearner("not-admin");
    await signUp(api, learner);
    await signIn(page, learner);
    for (const path of ["/office/admin/organisation", "/office/admin/people", "/office/admin/keys"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1, name: "This page is for the CME office" })).toBeVisible();
    }
    const headers = await bearer(api, learner.email, learner.password);
    expect((await api.put("/api/identity/organisation", { headers, data: { ...original, phone } })).status()).toBe(403);
    expect((await api.post(`/api/identity/users/${colleagueId}/roles`, { headers, data: { role: "admin" } })).status()).toBe(403);
    expect((await api.get("/api/identity/signing-keys", { headers })).status()).toBe(403);
  } finally {
    const { name, address, phone: before, support_email, brand_colour } = original;
    await api.put("/api/identity/organisation", {
      headers: admin,
      data: { name, address, phone: before, support_email, brand_colour },
    });
    await api.dispose();
  }
});
