// The learner's account: profile (the name-change note; identity's reason beside a field), email addresses (add,
// verify from the mailed link, sign in with the new one, make it primary), sessions, password, preferences.
import { gateway, newLearner, signUp } from "./support/api";
import { mailedLink } from "./support/mail";
import { checkPage } from "./support/page";
import { openAccountPage, openNav, signIn, signOut } from "./support/ui";
import { expect, test } from "./fixtures";

test("a learner edits the profile, manages email addresses, sessions, password and preferences", async ({ page }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const learner = newLearner("account");
  await signUp(api, learner, { npi: "1234567893", board_ids: { ABIM: "123456" }, birth_month: 4, birth_day: 30 });
  await api.dispose();
  await signIn(page, learner);

  await openNav(page, "My account");
  await expect(page.getByRole("heading", { level: 1, name: "My account" })).toBeVisible();
  await checkPage(page, "account");

  await page.getByRole("link", { name: /^Profile/ }).click();
  await expect(page.getByText(/Certificates already issued keep the name they were issued with/)).toBeVisible();
  await checkPage(page, "profile");
  // identity decides the NPI (its check digit): its reason shows beside the field.
  const npi = page.getByLabel("National Provider Identifier (NPI)");
  await npi.fill("1234567890");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(npi).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText(/not a valid NPI/i)).toBeVisible();
  await checkPage(page, "profile-refused");
  await npi.fill("1234567893");
  await page.getByLabel("Last name (required)").fill(`${learner.lastName}-Smith`);
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Your profile is saved.")).toBeVisible();

  const second = `second.${learner.email}`;
  await openAccountPage(page, "Email addresses");
  await page.getByLabel("Email address to add (required)").fill(second);
  await page.getByRole("button", { name: "Add address" }).click();
  await expect(page.getByRole("heading", { name: second })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: second }).getByText("Not verified yet")).toBeVisible();
  await checkPage(page, "emails");

  await openAccountPage(page, "Where you are signed in");
  await expect(page.getByText("This browser")).toBeVisible();
  await checkPage(page, "sessions");

  await openAccountPage(page, "Email preferences");
  await expect(page.getByRole("checkbox", { name: /Remind me before a claim window closes/ })).toBeChecked();
  await page.getByRole("checkbox", { name: /Remind me/ }).locator("xpath=ancestor::label[1]").click();
  await page.getByRole("button", { name: "Save preferences" }).click();
  await expect(page.getByText("Your email preferences are saved.")).toBeVisible();
  await checkPage(page, "preferences");

  const newPassword = "another long passphrase for the test";
  await openAccountPage(page, "Change password");
  await page.getByLabel("Current password (required)").fill(learner.password);
  await page.getByLabel("New password (required)", { exact: true }).fill(newPassword);
  await page.getByLabel("New password again (required)").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password is changed.")).toBeVisible();
  await checkPage(page, "change-password");

  // Changing the password kept this browser signed in. Verify the second address from its mail, sign out, sign in with
  // it (any verified address works) and make it primary.
  await page.goto(await mailedLink(second, "/verify-email?token="));
  await expect(page.getByText("Your email address is verified.")).toBeVisible();
  await signOut(page);
  await page.goto("/sign-in");
  await signIn(page, { email: second, password: newPassword });
  await openAccountPage(page, "Email addresses");
  const item = page.getByRole("listitem").filter({ hasText: second });
  await expect(item.getByText(/Verified$/)).toBeVisible();
  await item.getByRole("button", { name: "Make primary" }).click();
  await expect(item.getByText("Primary: emails go here")).toBeVisible();
});
