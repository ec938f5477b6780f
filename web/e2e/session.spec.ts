// Sign-in the way a browser needs it (identity's cookie sessions, "API 1" in web/README.md): a reload or a mailed
// link opens signed in, a second tab gets the session without refreshing it again, and signing out in one tab signs
// out every tab and the cookie.
import { gateway, newLearner, signUp } from "./support/api";
import { openNav, signIn } from "./support/ui";
import { expect, test } from "./fixtures";

const REFRESH = "/api/identity/sessions/refresh";

test("a reload and a second tab stay signed in; signing out in one tab signs out both", async ({ page, context }) => {
  const api = await gateway();
  const learner = newLearner("cookie");
  await signUp(api, learner);
  await api.dispose();
  await signIn(page, learner);
  const cookies = await context.cookies();
  const refresh = cookies.find((c) => c.name === "opencme_refresh");
  expect(refresh, "the refresh token is an HttpOnly cookie").toBeTruthy();
  expect(refresh!.httpOnly).toBe(true);
  expect(refresh!.path).toBe("/api/identity/sessions");
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toMatch(/eyJ/);

  await page.goto("/certificates");
  await expect(page.getByRole("heading", { level: 1, name: "Certificates" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "Certificates" })).toBeVisible();

  const second = await context.newPage();
  const refreshes: string[] = [];
  second.on("request", (request) => {
    if (new URL(request.url()).pathname === REFRESH) refreshes.push(request.url());
  });
  await second.goto("/account");
  await expect(second.getByRole("heading", { level: 1, name: "My account" })).toBeVisible();
  expect(refreshes, "the second tab took the first tab's token instead of refreshing again").toEqual([]);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You are signed out.")).toBeVisible();
  await expect(second.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" })).toBeVisible();
  await second.reload();
  await expect(second).toHaveURL(/\/sign-in\?next=%2Faccount/);
  await openNav(second, "Catalog");
});
