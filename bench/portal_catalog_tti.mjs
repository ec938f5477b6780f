// Time to interactive of the portal's catalog page, in Debian's Chromium through the gateway of a running stack.
//
//   ./opencme up     (in another terminal)
//   node bench/portal_catalog_tti.mjs [--runs 20] [--url http://127.0.0.1:8080/catalog]
//
// Each run is a fresh browser context (nothing cached, as a learner's first visit) and then a second load in the same
// context (the hashed assets cached, as every later visit). "Interactive" is when the catalog's list of activities is on
// the page and the search field accepts input (the React app has rendered the data it fetched); the navigation timing
// (domContentLoaded, load) is the browser's own. Prints median and p99 of each.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), "..", "web", "package.json"));
const { chromium } = require("@playwright/test");

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const runs = Number(option("runs", "20"));
const url = option("url", "http://127.0.0.1:8080/catalog");

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1];
  return `median ${median.toFixed(0).padStart(5)} ms   p99 ${p99.toFixed(0).padStart(5)} ms`;
}

async function load(page) {
  const started = performance.now();
  await page.goto(url, { waitUntil: "commit" });
  await page.getByRole("searchbox").or(page.getByRole("textbox").first()).waitFor({ state: "visible" });
  await page.getByRole("heading", { level: 1 }).waitFor();
  await page.locator("main a[href^='/activities/']").first().waitFor();
  const interactive = performance.now() - started;
  const timing = await page.evaluate(() => {
    const [nav] = performance.getEntriesByType("navigation");
    return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
  });
  return { interactive, ...timing };
}

const browser = await chromium.launch({
  executablePath: process.env.OPENCME_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const first = { interactive: [], dcl: [], load: [] };
const again = { interactive: [], dcl: [], load: [] };
for (let i = 0; i < runs; i += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  for (const [into, result] of [
    [first, await load(page)],
    [again, await load(page)],
  ]) {
    for (const key of Object.keys(into)) into[key].push(result[key]);
  }
  await context.close();
}
await browser.close();

console.log(`catalog page ${url}, ${runs} runs, Chromium headless`);
for (const [label, into] of [
  ["first visit (nothing cached)", first],
  ["later visit (assets cached)", again],
]) {
  console.log(`${label}`);
  console.log(`  interactive (list shown, search usable)  ${summary(into.interactive)}`);
  console.log(`  DOMContentLoaded                          ${summary(into.dcl)}`);
  console.log(`  load                                      ${summary(into.load)}`);
}
