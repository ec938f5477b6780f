// The organisation's contact (identity's public GET /organisation, "API 3" in web/README.md): in the footer of
// every page and on error pages.
import { request } from "@playwright/test";
import { env } from "./support/env";
import { expect, test } from "./fixtures";

test("the support contact shows in the footer and on an error page", async ({ page }) => {
  const api = await request.newContext({ baseURL: env.baseUrl });
  const response = await api.get("/api/identity/organisation");
  expect(response.status(), "GET /api/identity/organisation").toBe(200);
  const organisation = (await response.json()) as { name: string; phone: string; support_email: string };
  await api.dispose();

  await page.goto("/");
  const footer = page.getByRole("contentinfo");
  await expect(footer.getByText(organisation.name)).toBeVisible();
  await expect(footer.getByRole("link", { name: organisation.phone })).toBeVisible();
  await expect(footer.getByRole("link", { name: organisation.support_email })).toHaveAttribute("href", `mailto:${organisation.support_email}`);
  expect(await page.title()).toContain(organisation.name);

  await page.goto("/no/such/page");
  await expect(page.getByRole("main").getByRole("link", { name: organisation.support_email })).toBeVisible();
});
