// Forgot password (the same answer for every address) -> the mailed link -> a new password -> sign in with it.
import { gateway, newLearner, signUp } from "./support/api";
import { mailedLink } from "./support/mail";
import { checkPage } from "./support/page";
import { signIn } from "./support/ui";
import { expect, test } from "./fixtures";

test("a learner resets a forgotten password from the mailed link", async ({ page }) => {
  const api = await gateway();
  const learner = newLearner("reset");
  await signUp(api, learner);
  await api.dispose();

  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot your password?" }).first().click();
  await checkPage(page, "forgot-password");
  // An address without an account gets the same answer (nobody can probe which addresses have accounts).
  await page.getByLabel("Email address (required)").fill(`nobody.${learner.email}`);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
  const unknownAnswer = await page.getByRole("main").innerText();
  await page.goto("/forgot-password");
  await page.getByLabel("Email address (required)").fill(learner.email);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Check your email" })).toBeVisible();
  expect((await page.getByRole("main").innerText()).replace(learner.email, "")).toBe(unknownAnswer.replace(`nobody.${learner.email}`, ""));
  await checkPage(page, "forgot-password-sent");

  await page.goto(await mailedLink(learner.email, "/reset-password?token="));
  await expect(page.getByRole("heading", { level: 1, name: "Choose a new password" })).toBeVisible();
  await checkPage(page, "reset-password");
  const newPassword = "a brand new passphrase for jordan";
  await page.getByLabel("New password (required)").fill(newPassword);
  await page.getByLabel("New password again (required)").fill(newPassword);
  await page.getByRole("button", { name: "Save new password" }).click();
  await expect(page.getByText("Your password is changed. Sign in with your new password.")).toBeVisible();
  await signIn(page, { email: learner.email, password: newPassword });
});
