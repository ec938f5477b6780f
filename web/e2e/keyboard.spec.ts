// Keyboard only: sign in, enter the event code, complete the evaluation and claim, with Tab, arrows, Space and
// Enter. Every step checks that what has focus shows it (a visible focus indicator).
import type { Locator, Page } from "@playwright/test";
import { gateway, newLearner, signUp } from "./support/api";
import { expect, test } from "./fixtures";

/** Presses Tab until `target` has focus (as a person does), failing if it is not reachable. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<void> {
  for (let i = 0; i < max; i += 1) {
    if (await target.evaluate((el) => el === document.activeElement || el.contains(document.activeElement)).catch(() => false)) {
      await expectVisibleFocus(page);
      return;
    }
    await page.keyboard.press("Tab");
  }
  throw new Error(`could not reach ${target} with the Tab key`);
}

async function expectVisibleFocus(page: Page): Promise<void> {
  const ring = await page.evaluate(() => {
    let el = document.activeElement as HTMLElement | null;
    // A visually hidden input (radio, checkbox) shows its focus on its label.
    if (el && el.tagName === "INPUT" && ["radio", "checkbox"].includes((el as HTMLInputElement).type)) el = el.closest("label");
    if (!el) return "";
    const style = getComputedStyle(el);
    const box = el.querySelector<HTMLElement>("[aria-hidden='true']");
    const boxStyle = box ? getComputedStyle(box) : null;
    return [style.outlineStyle !== "none" ? style.outlineWidth : "", boxStyle && boxStyle.outlineStyle !== "none" ? boxStyle.outlineWidth : ""].join("|");
  });
  expect(ring.replace(/\|/g, ""), "the focused element shows a focus outline").not.toBe("");
}

test("the claim journey works with the keyboard alone", async ({ page, world }) => {
  test.setTimeout(180_000);
  const api = await gateway();
  const learner = newLearner("keyboard");
  await signUp(api, learner, { board_ids: { ABIM: `KB${Date.now()}` }, birth_month: 1, birth_day: 15 });
  await api.dispose();

  await page.goto("/");
  await tabTo(page, page.getByRole("link", { name: "Skip to main content" }));
  await tabTo(page, page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sign in" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeFocused();
  await tabTo(page, page.getByLabel("Email address (required)"));
  await page.keyboard.type(learner.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(learner.password);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

  await tabTo(page, page.getByRole("link", { name: "Enter event code" }));
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByLabel("Event code (required)"));
  await page.keyboard.type(world.grandRounds.code);
  await page.keyboard.press("Enter");
  await tabTo(page, page.getByRole("link", { name: "Claim credit now" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: /^Claim credit: / })).toBeVisible({ timeout: 30_000 });

  // Radio groups: Tab into the group, arrows to choose.
  await tabTo(page, page.getByRole("radio", { name: "1 – Poor" }));
  for (let i = 0; i < 4; i += 1) await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("radio", { name: "5 – Excellent" })).toBeChecked();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await expect(page.getByRole("radiogroup", { name: /objectives met/ }).getByRole("radio", { name: "Yes" })).toBeChecked();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await expect(page.getByRole("radiogroup", { name: /commercial bias/ }).getByRole("radio", { name: "Yes" })).toBeChecked();

  // Credit: type, or step with the arrow keys (0.25 a step, never above the maximum).
  const ama = page.getByRole("textbox", { name: "AMA PRA Category 1 Credit™", exact: true });
  await tabTo(page, ama);
  await page.keyboard.type("0.8");
  await page.keyboard.press("Tab");
  await expect(ama).toHaveValue("0.75");
  const moc = page.getByRole("textbox", { name: "ABIM MOC points", exact: true });
  await tabTo(page, moc);
  for (let i = 0; i < 6; i += 1) await page.keyboard.press("ArrowUp");
  await expect(moc).toHaveValue("1.00"); // 6 steps of 0.25 stop at the maximum, 1

  await tabTo(page, page.getByRole("checkbox", { name: /\(ABIM\)/ }));
  await page.keyboard.press("Space");
  await tabTo(page, page.getByRole("checkbox", { name: /permission to share/ }));
  await page.keyboard.press("Space");
  await tabTo(page, page.getByRole("button", { name: "Claim credit" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Credit claimed" })).toBeVisible();
  await expect(page.getByText(/0\.75 AMA PRA Category 1 Credit™/)).toBeVisible();
});
