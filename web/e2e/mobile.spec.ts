// A phone, 360 px wide: the catalog (the menu, the format tabs) and a claim, with axe at that width.
import { gateway, newLearner, signUp } from "./support/api";
import { expectAccessible, PHONE } from "./support/page";
import { enterEventCode, fillClaim, openNav, signIn } from "./support/ui";
import { expect, test } from "./fixtures";

test.use({ viewport: PHONE, isMobile: true, hasTouch: true });

async function noSidewaysScroll(page: import("@playwright/test").Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
}

test("on a 360 px phone a learner browses the catalog and claims credit", async ({ page, world }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const learner = newLearner("phone");
  await signUp(api, learner);
  await api.dispose();

  await page.goto("/catalog");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden(); // behind the menu button
  await expectAccessible(page, "catalog (phone)");
  await noSidewaysScroll(page);
  await page.getByRole("navigation", { name: "Formats" }).getByRole("link", { name: "Grand rounds" }).tap();
  await expect(page.getByRole("link", { name: world.grandRounds.title })).toBeVisible();
  await noSidewaysScroll(page);

  await page.getByRole("button", { name: "Menu" }).tap();
  await expect(page.getByRole("button", { name: "Menu" })).toHaveAttribute("aria-expanded", "true");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" }).tap();
  await signIn(page, learner);

  await openNav(page, "Enter event code");
  await enterEventCode(page, world.grandRounds.code);
  await page.getByRole("link", { name: "Claim credit now" }).tap();
  await expect(page.getByRole("heading", { level: 1, name: /^Claim credit: / })).toBeVisible({ timeout: 30_000 });
  await expectAccessible(page, "claim (phone)");
  await noSidewaysScroll(page);
  await fillClaim(page, { credits: { AMA_PRA_1: "0.25" } });
  await page.getByRole("button", { name: "Claim credit" }).tap();
  await expect(page.getByRole("heading", { level: 1, name: "Credit claimed" })).toBeVisible();
  await expectAccessible(page, "claim done (phone)");
  await noSidewaysScroll(page);
});
