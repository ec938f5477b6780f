// Pages without sign-in: the certificate verification a QR code opens, an unknown code, and a page that does not exist.
import { gateway, learnerWithCertificate } from "./support/api";
import { checkPage } from "./support/page";
import { expect, test } from "./fixtures";

test("anyone can verify a certificate by its code; an unknown code is said plainly", async ({ page, world }) => {
  const api = await gateway();
  const { learner, certificate } = await learnerWithCertificate(api, world.journal.id);
  await api.dispose();

  await page.goto(`/verify/${certificate.verification_code}`);
  await expect(page.getByText("This certificate is valid")).toBeVisible();
  await expect(page.getByText(`${learner.firstName} ${learner.lastName}`)).toBeVisible();
  await expect(page.getByText(certificate.number)).toBeVisible();
  await checkPage(page, "verify");

  await page.getByLabel("Verification code").fill("NOT-A-CODE");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("No certificate has the code NOT-A-CODE")).toBeVisible();
  await checkPage(page, "verify-unknown");
});

test("a page that does not exist says so, with a way on", async ({ page }) => {
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await checkPage(page, "not-found");
});
