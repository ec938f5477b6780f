// Browser tests against the real stack through the gateway (never mocks). The harness sets OPENCME_BASE_URL and the
// other OPENCME_* variables (see e2e/env.ts). Debian's Chromium drives them: no browser download; a missing
// Chromium fails the run.
import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";

const chromium = process.env.OPENCME_CHROMIUM ?? "/usr/bin/chromium";
if (!existsSync(chromium)) {
  throw new Error(`Chromium not found at ${chromium}: install Debian's "chromium" package (or set OPENCME_CHROMIUM).`);
}

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./e2e/.results",
  // One worker: the machine has 2 cores shared with the services under test.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never", outputFolder: "e2e/.report" }]] : [["list"]],
  use: {
    baseURL: process.env.OPENCME_BASE_URL ?? "http://127.0.0.1:8080",
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    acceptDownloads: true,
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
});
