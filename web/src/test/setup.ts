import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";
import "../i18n";
import { clearAllDrafts } from "../lib/drafts";

// A route's code is loaded lazily (and transformed on first use in a test run): give it time.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => {
  cleanup();
  clearAllDrafts();
  sessionStorage.clear();
});
