// Shared set-up: one coordinator and one set of activities per run (worker-scoped), made through the API; each test
// makes its own learners. Every test fails on a CSP violation or an uncaught error in the page.
import { test as base, expect } from "@playwright/test";
import { createWorld, gateway, type World } from "./support/api";
import { watchConsole } from "./support/page";

export const test = base.extend<{ consoleProblems: string[] }, { world: World }>({
  world: [
    async ({}, use) => {
      const api = await gateway();
      try {
        await use(await createWorld(api));
      } finally {
        await api.dispose();
      }
    },
    { scope: "worker", timeout: 60_000 },
  ],
  consoleProblems: [
    async ({ page }, use) => {
      const problems = watchConsole(page);
      await use(problems);
      expect(problems, "CSP violations or page errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
