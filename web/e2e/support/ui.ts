// Steps of the learner's journeys as a person does them in the portal.
import { expect, type Locator, type Page } from "@playwright/test";
import type { Learner } from "./api";

export async function signIn(page: Page, learner: Pick<Learner, "email" | "password">): Promise<void> {
  if (!page.url().includes("/sign-in")) {
    await page.goto("/sign-in");
  }
  await page.getByLabel("Email address (required)").fill(learner.email);
  await page.getByLabel("Password (required)", { exact: true }).fill(learner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" }).or(page.getByRole("button", { name: "Menu" }))).toBeVisible();
  await expect(page).not.toHaveURL(/\/sign-in/);
}

/** Signs out from the navigation, as a person does. */
export async function signOut(page: Page): Promise<void> {
  const menu = page.getByRole("button", { name: "Menu" });
  if ((await menu.isVisible()) && (await menu.getAttribute("aria-expanded")) !== "true") await menu.click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByText("You are signed out.")).toBeVisible();
}

/** Opens a page from the navigation (a click, as a person does: the session lives in the page). */
export async function openNav(page: Page, name: string): Promise<void> {
  const menu = page.getByRole("button", { name: "Menu" });
  if (await menu.isVisible()) {
    if ((await menu.getAttribute("aria-expanded")) !== "true") await menu.click();
  }
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
}

/** A page under "My account". */
export async function openAccountPage(page: Page, name: string): Promise<void> {
  await openNav(page, "My account");
  await page.getByRole("link", { name }).click();
}

export async function enterEventCode(page: Page, code: string): Promise<void> {
  await page.getByLabel("Event code (required)").fill(code);
  await page.getByRole("button", { name: "Record my attendance" }).click();
}

export interface ClaimAnswers {
  credits: Record<string, string>;
  boards?: string[];
  share?: boolean;
}

const CREDIT_LABELS: Record<string, string> = {
  AMA_PRA_1: "AMA PRA Category 1 Credit™",
  MOC_ABIM: "ABIM MOC points",
};

/** Clicks a radio button or checkbox as a person does: on its label (the input itself is visually hidden). */
export async function choose(scope: Page | Locator, name: string | RegExp, role: "radio" | "checkbox" = "radio"): Promise<void> {
  const input = scope.getByRole(role, { name });
  await input.locator("xpath=ancestor::label[1]").click();
  await expect(input).toBeChecked();
}

export async function fillClaim(page: Page, answers: ClaimAnswers): Promise<void> {
  await choose(page, "5 – Excellent");
  await choose(page.getByRole("radiogroup", { name: /learning objectives met/ }), "Yes");
  await choose(page.getByRole("radiogroup", { name: /free of commercial bias/ }), "Yes");
  for (const [type, amount] of Object.entries(answers.credits)) {
    const field = page.getByRole("textbox", { name: CREDIT_LABELS[type] ?? type, exact: true });
    await field.fill(amount);
    await field.blur();
  }
  for (const board of answers.boards ?? []) {
    await choose(page, new RegExp(`\\(${board}\\)`), "checkbox");
  }
  if (answers.share) await choose(page, /permission to share/, "checkbox");
}
