// The claim's refusals and the board report that waits for the learner: a wrong event code is explained; a claim
// the credit service refuses shows its reason beside the field; a report held for a missing board ID and birth date
// is fixed from the link straight to the profile field, and the board then accepts it.
import { gateway, newLearner, signUp } from "./support/api";
import { checkPage } from "./support/page";
import { enterEventCode, fillClaim, openAccountPage, openNav, signIn } from "./support/ui";
import { expect, test } from "./fixtures";

test("a wrong event code is explained, and a refused claim shows the service's reason by the field", async ({ page, world }) => {
  const api = await gateway();
  const learner = newLearner("refused");
  await signUp(api, learner, { board_ids: { ABIM: `AB${Date.now()}` }, birth_month: 4, birth_day: 30 });
  await api.dispose();
  await signIn(page, learner);

  await openNav(page, "Enter event code");
  await enterEventCode(page, "NOSUCHCODE");
  const code = page.getByLabel("Event code (required)");
  await expect(code).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator(`#${(await code.getAttribute("aria-describedby"))!.split(" ").join(", #")}`).filter({ hasText: "No session has this code" })).toBeVisible();
  await expect(page.getByText(/Check the code for typing errors/)).toBeVisible();
  await checkPage(page, "event-code-wrong");

  await enterEventCode(page, world.grandRounds.code);
  await page.getByRole("link", { name: "Claim credit now" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Claim credit: / })).toBeVisible({ timeout: 30_000 });
  // MOC chosen, but no permission to share: the credit service refuses, and says why, next to that checkbox.
  await fillClaim(page, { credits: { AMA_PRA_1: "1", MOC_ABIM: "1" }, boards: ["ABIM"], share: false });
  await page.getByRole("button", { name: "Claim credit" }).click();
  const share = page.getByRole("checkbox", { name: /permission to share/ });
  await expect(share).toHaveAttribute("aria-invalid", "true");
  const reason = page.getByText(/needs your permission to share your completion/);
  await expect(reason).toBeVisible();
  expect(await share.getAttribute("aria-describedby")).toContain(await reason.getAttribute("id"));
  await expect(page.getByRole("alert").filter({ hasText: "Please correct the highlighted fields." })).toBeVisible();
  await checkPage(page, "claim-refused");
});

test("a board report held for a missing board ID is fixed from the profile link, then accepted", async ({ page, world }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const learner = newLearner("held");
  await signUp(api, learner); // no board ID, no birth date
  await api.dispose();
  await signIn(page, learner);

  await openNav(page, "Enter event code");
  await enterEventCode(page, world.grandRounds.code);
  await page.getByRole("link", { name: "Claim credit now" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Claim credit: / })).toBeVisible({ timeout: 30_000 });
  await fillClaim(page, { credits: { AMA_PRA_1: "1", MOC_ABIM: "1" }, boards: ["ABIM"], share: true });
  // Explained before claiming: the report will wait for what the profile lacks.
  await expect(page.getByText("Your profile has no American Board of Internal Medicine ID. The report waits until you add it.")).toBeVisible();
  await page.getByRole("button", { name: "Claim credit" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Credit claimed" })).toBeVisible();

  await openAccountPage(page, "Board reports");
  const report = page.getByRole("listitem").filter({ hasText: world.grandRounds.title });
  await expect(report.getByText("Waiting for you")).toBeVisible({ timeout: 60_000 });
  await expect(report.getByText(/add your ABIM board \(diplomate\) ID and birth month and day/)).toBeVisible();
  await checkPage(page, "board-reports-held");

  await report.getByRole("link", { name: "Add your board ID" }).click();
  await expect(page).toHaveURL(/\/profile#board-id-ABIM$/);
  const abim = page.getByLabel("American Board of Internal Medicine (ABIM) diplomate ID");
  await expect(abim).toBeFocused();
  await abim.fill(learner.abimId!);
  await page.getByRole("button", { name: /Month$/ }).click();
  await page.getByRole("option", { name: "April" }).click();
  await page.getByRole("textbox", { name: "Day" }).fill("30");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Your profile is saved.")).toBeVisible();

  await openAccountPage(page, "Board reports");
  await expect(
    page.getByRole("listitem").filter({ hasText: world.grandRounds.title }).getByText("Accepted by the board"),
  ).toBeVisible({ timeout: 90_000 });
});
