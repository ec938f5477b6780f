// The learner's whole path, as issue 9 lists it: sign up -> verify from the mailed link -> sign in -> find the grand
// rounds -> enter its code -> evaluation -> claim 0.75 with ABIM MOC -> certificate -> download it (the PDF has the
// learner's name) -> select two -> one PDF of two pages -> transcript total -> board report accepted by the board.
import { newLearner, until } from "./support/api";
import { boardReports } from "./support/board";
import { mailedLink } from "./support/mail";
import { checkPage } from "./support/page";
import { readPdf } from "./support/pdf";
import { choose, enterEventCode, fillClaim, openNav, signIn } from "./support/ui";
import { expect, test } from "./fixtures";

test("a learner signs up, claims grand-rounds credit with ABIM MOC, and gets certificates, a transcript and a board report", async ({
  page,
  world,
}) => {
  test.setTimeout(240_000);
  const learner = newLearner("journey");

  await test.step("sign up with the full profile", async () => {
    await page.goto("/");
    await checkPage(page, "home");
    await page.getByRole("main").getByRole("link", { name: "Sign up" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Create your account" })).toBeVisible();
    await page.getByLabel("Email address (required)").fill(learner.email);
    await page.getByLabel("Password (required)", { exact: true }).fill(learner.password);
    await page.getByLabel("Password again (required)").fill(learner.password);
    await page.getByLabel("First name (required)").fill(learner.firstName);
    await page.getByLabel("Last name (required)").fill(learner.lastName);
    await page.getByLabel("Degree or credentials").fill("MD");
    await page.getByLabel("Profession").fill("Physician");
    await page.getByLabel("Specialty").fill("Internal Medicine");
    await page.getByLabel("Organisation").fill("Cleveland Clinic");
    await page.getByLabel("National Provider Identifier (NPI)").fill("1234567893");
    await page.getByLabel(/American Board of Internal Medicine \(ABIM\) diplomate ID/).fill(learner.abimId!);
    await page.getByRole("button", { name: /Month$/ }).click();
    await page.getByRole("option", { name: "April" }).click();
    await page.getByRole("textbox", { name: "Day" }).fill("30");
    await checkPage(page, "sign-up");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Your account is ready")).toBeVisible();
    await checkPage(page, "sign-up-done");
  });

  await test.step("verify the email from the link in the real SMTP sink", async () => {
    await page.goto(await mailedLink(learner.email, "/verify-email?token="));
    await expect(page.getByText("Your email address is verified.")).toBeVisible();
    await checkPage(page, "verify-email");
  });

  await test.step("sign in", async () => {
    await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();
    await checkPage(page, "sign-in");
    await signIn(page, learner);
  });

  await test.step("find the grand rounds in the catalog and enter its code", async () => {
    await openNav(page, "Catalog");
    await page.getByRole("navigation", { name: "Formats" }).getByRole("link", { name: "Grand rounds" }).click();
    await page.getByRole("link", { name: world.grandRounds.title }).click();
    await expect(page.getByRole("heading", { level: 1, name: world.grandRounds.title })).toBeVisible();
    await checkPage(page, "activity-grand-rounds");
    await enterEventCode(page, world.grandRounds.code.toLowerCase());
    await expect(page.getByText(/Attendance recorded/)).toBeVisible();
    await page.getByRole("link", { name: "Claim credit now" }).click();
  });

  await test.step("complete the evaluation and claim 0.75 with ABIM MOC", async () => {
    await expect(page.getByRole("heading", { level: 1, name: `Claim credit: ${world.grandRounds.title}` })).toBeVisible({ timeout: 30_000 });
    await fillClaim(page, { credits: { AMA_PRA_1: "0.75", MOC_ABIM: "0.75" }, boards: ["ABIM"], share: true });
    await checkPage(page, "claim");
    await page.getByRole("button", { name: "Claim credit" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Credit claimed" })).toBeVisible();
    await checkPage(page, "claim-done");
  });

  await test.step("the certificate appears; its PDF has the learner's name", async () => {
    await page.getByRole("main").getByRole("link", { name: "Certificates" }).click();
    const row = page.getByRole("row", { name: new RegExp(world.grandRounds.title) });
    await expect(row).toBeVisible({ timeout: 60_000 });
    await checkPage(page, "certificates");
    const download = page.waitForEvent("download");
    await row.getByRole("button", { name: /PDF/ }).click();
    const pdf = await readPdf(await (await download).path());
    expect(pdf.text).toContain(`${learner.firstName} ${learner.lastName}`);
    expect(pdf.text).toContain("0.75");
    // The page the "certificate issued" email links to.
    await row.getByRole("link", { name: world.grandRounds.title }).click();
    await expect(page.getByRole("heading", { level: 1, name: /^Certificate / })).toBeVisible();
    await checkPage(page, "certificate");
  });

  await test.step("a second activity: take a free webcast and claim it", async () => {
    await openNav(page, "Catalog");
    await page.getByRole("navigation", { name: "Formats" }).getByRole("link", { name: "Webcasts" }).click();
    await page.getByRole("link", { name: world.webcast.title }).click();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Register" }).click();
    await expect(page.getByText(/You are registered/).first()).toBeVisible();
    await openNav(page, "Claim credit");
    const card = page.getByRole("listitem").filter({ hasText: world.webcast.title });
    await expect(card).toBeVisible({ timeout: 30_000 });
    await checkPage(page, "claims");
    await card.getByRole("link", { name: /Claim credit/ }).click();
    await fillClaim(page, { credits: { AMA_PRA_1: "0.5" } });
    await page.getByRole("button", { name: "Claim credit" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Credit claimed" })).toBeVisible();
  });

  await test.step("select two certificates: one PDF with two pages", async () => {
    await page.getByRole("main").getByRole("link", { name: "Certificates" }).click();
    await expect(page.getByRole("row", { name: new RegExp(world.webcast.title) })).toBeVisible({ timeout: 60_000 });
    await choose(page, `Select ${world.grandRounds.title}`, "checkbox");
    await choose(page, `Select ${world.webcast.title}`, "checkbox");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download 2 selected as one PDF" }).click();
    const bundle = await readPdf(await (await download).path());
    expect(bundle.pages).toBe(2);
    await expect(page.getByText(/Downloaded 2 certificates/)).toBeVisible();
  });

  await test.step("the transcript totals the credit; its PDF downloads", async () => {
    await openNav(page, "Transcript");
    await expect(page.getByRole("row", { name: /AMA PRA Category 1 Credit™ 1\.25/ })).toBeVisible();
    await checkPage(page, "transcript");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download transcript (PDF)" }).click();
    const transcript = await readPdf(await (await download).path());
    expect(transcript.text).toContain(world.grandRounds.title);
  });

  await test.step("the ABIM report is accepted by the (fake) board", async () => {
    await openNav(page, "My account");
    await page.getByRole("link", { name: /Board reports/ }).click();
    await expect(page.getByText("Accepted by the board")).toBeVisible({ timeout: 90_000 });
    await checkPage(page, "board-reports");
    const received = await until(
      async () => (await boardReports()).find((r) => r.report.Learner.BoardID === learner.abimId && r.answer.status === "accepted"),
      "the board to receive the report",
    );
    expect(received.report.Learner.LastName).toBe(learner.lastName);
    expect(received.report.PermissionToShare).toBe(true);
  });
});
