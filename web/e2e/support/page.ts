// What every page is checked for: axe (WCAG 2.2 A/AA) with 0 violations, one h1, a title, no horizontal scrolling at
// 360 px, and screenshots at desktop and phone width for web/README.md.
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), "..", "screenshots");
mkdirSync(SCREENSHOTS, { recursive: true });

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 360, height: 740 };
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

export async function expectAccessible(page: Page, name: string): Promise<void> {
  await expect(page.locator('[role="status"]:has-text("Loading")')).toHaveCount(0);
  // react-aria's live announcer holds a few seconds of spoken announcements, each labelled by an element of the
  // page that announced it; after a navigation that element is gone. It is visually hidden and not part of the page.
  const results = await new AxeBuilder({ page }).withTags(TAGS).exclude("[data-live-announcer]").analyze();
  const summary = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).slice(0, 5).join("\n    ")}`,
  );
  expect(summary, `axe violations on ${name}`).toEqual([]);
  await expect(page.locator("h1"), `one h1 on ${name}`).toHaveCount(1);
  expect((await page.title()).trim(), `title of ${name}`).not.toBe("");
}

/** Screenshots are retaken only when asked (npm run e2e:screenshots): they are committed, and cost time. */
const SHOOT = process.env.OPENCME_SCREENSHOTS === "1";

/**
 * axe at desktop width; at 360 px the page must not scroll sideways (mobile.spec.ts runs axe at that width too);
 * and the README's screenshots of both. Leaves the page at its previous size.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  const before = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await expectAccessible(page, name);
  if (SHOOT) await shoot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${name} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  if (SHOOT) await shoot(page, `${name}-phone`);
  await page.setViewportSize(before);
}

async function shoot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${file}.png`), fullPage: true, animations: "disabled", caret: "hide" });
}

/** The console must stay clean of CSP violations and uncaught errors. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  return problems;
}
