// Catalog search (the catalog service's search parameters, "API 2" in web/README.md): words, credit type, dates,
// past activities and paging with the total.
import { gateway } from "./support/api";
import { run } from "./support/env";
import { checkPage } from "./support/page";
import { expect, test } from "./fixtures";

test("a learner searches the catalog by words, credit type and dates, with paging", async ({ page, world }) => {
  await page.goto("/catalog");
  await page.getByLabel("Search by words").fill(run);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(new RegExp(`q=${run}`));
  for (const activity of [world.grandRounds, world.webcast, world.liveCourse, world.journal]) {
    await expect(page.getByRole("link", { name: activity.title })).toBeVisible();
  }
  await expect(page.getByText("Showing 1–4 of 4")).toBeVisible();
  await checkPage(page, "catalog-search");

  await page.getByText("More filters: credit type, dates, past activities").click();
  await page.getByRole("checkbox", { name: "ANCC contact hours" }).locator("xpath=ancestor::label[1]").click();
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("link", { name: world.liveCourse.title })).toBeVisible();
  await expect(page.getByRole("link", { name: world.webcast.title })).toHaveCount(0);
  await expect(page.getByText("Showing 1–1 of 1")).toBeVisible();

  // Dates: only what takes place in the next week (the grand rounds today, enduring material available now).
  await page.goto(`/catalog?q=${run}&from=${new Date().toISOString().slice(0, 10)}&to=${new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10)}`);
  await expect(page.getByRole("link", { name: world.grandRounds.title })).toBeVisible();
  await expect(page.getByRole("link", { name: world.liveCourse.title })).toHaveCount(0);

  await page.goto(`/catalog?q=${run}&past=1`);
  await expect(page.getByText("No activity matches these filters.")).toBeVisible();

  const api = await gateway();
  const total = Number((await api.get("/api/catalog/activities", { params: { limit: 1 } })).headers()["x-total-count"]);
  await api.dispose();
  if (total > 20) {
    await page.goto("/catalog");
    await expect(page.getByText(new RegExp(`Showing 1–20 of ${total}`))).toBeVisible();
    await page.getByRole("link", { name: /Next page/ }).click();
    await expect(page).toHaveURL(/page=2/);
    await expect(page.getByText(new RegExp(`Showing 21–`))).toBeVisible();
  }
});
