// The catalog, an activity page with fees and the designation statement, registering (the fee shown before
// confirming), my registrations, the confirmation sent again, the emails we sent, and cancelling.
import { gateway, newLearner, signUp } from "./support/api";
import { checkPage } from "./support/page";
import { choose, openAccountPage, openNav, signIn } from "./support/ui";
import { expect, test } from "./fixtures";

test("a learner finds a live course, registers as a resident, gets the confirmation again, and cancels", async ({ page, world }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const learner = newLearner("register");
  await signUp(api, learner);
  await api.dispose();

  await page.goto("/catalog");
  await expect(page.getByRole("heading", { level: 1, name: "Activity catalog" })).toBeVisible();
  await checkPage(page, "catalog");
  await page.getByRole("navigation", { name: "Formats" }).getByRole("link", { name: "Live courses" }).click();
  await expect(page.getByRole("link", { name: "Live courses" })).toHaveAttribute("aria-current", "page");
  await expect(page).toHaveURL(/format=live_course/);
  await checkPage(page, "catalog-live-courses");
  await page.getByRole("link", { name: world.liveCourse.title }).click();
  await expect(page.getByRole("heading", { level: 1, name: world.liveCourse.title })).toBeVisible();
  await expect(page.getByRole("row", { name: /Resident or fellow \$150\.00/ })).toBeVisible();
  await expect(page.getByText(/designates this live activity for a maximum of 14\.25 AMA PRA Category 1 Credits™/)).toBeVisible();
  await expect(page.getByText("200 of 200 seats left")).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in to register" })).toBeVisible();
  await checkPage(page, "activity-live-course");

  await page.getByRole("link", { name: "Sign in to register" }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await signIn(page, learner);
  await expect(page.getByRole("heading", { level: 1, name: world.liveCourse.title })).toBeVisible();
  await choose(page.getByRole("radiogroup", { name: /Attendee category/ }), /Resident or fellow/);
  await expect(page.getByText("Your fee: $150.00")).toBeVisible();
  await page.getByRole("button", { name: "Continue" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm your registration" });
  await expect(dialog.getByText("$150.00")).toBeVisible();
  await checkPage(page, "register-confirm");
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(page.getByText(/You are registered \(number R-/)).toBeVisible();

  await openAccountPage(page, "My registrations");
  const card = page.getByRole("listitem").filter({ hasText: world.liveCourse.title });
  await expect(card.getByText(/Registered$/)).toBeVisible();
  await checkPage(page, "registrations");
  await card.getByRole("button", { name: /Email the confirmation again/ }).click();
  await expect(page.getByText(`The confirmation is on its way to ${learner.email}.`)).toBeVisible();

  await openAccountPage(page, "Emails we sent");
  await expect(page.getByRole("row", { name: /Registration|registration/ }).first()).toBeVisible({ timeout: 30_000 });
  await checkPage(page, "messages");

  await openAccountPage(page, "My registrations");
  await page.getByRole("listitem").filter({ hasText: world.liveCourse.title }).getByRole("button", { name: /Cancel registration/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel registration" }).click();
  await expect(page.getByRole("listitem").filter({ hasText: world.liveCourse.title }).getByText(/Cancelled$/)).toBeVisible();
  await openNav(page, "Catalog");
  await expect(page.getByRole("heading", { level: 1, name: "Activity catalog" })).toBeVisible();
});
