// Every key a component names is in en.json (a missing one would show the key itself to a learner).
import { describe, expect, it } from "vitest";
import en from "./en.json";

const sources = import.meta.glob<string>(["../**/*.{ts,tsx}", "!../**/*.test.{ts,tsx}", "!../api/types/**"], {
  query: "?raw",
  import: "default",
  eager: true,
});

function has(key: string): boolean {
  let node: unknown = en;
  for (const part of key.split(".")) {
    if (!node || typeof node !== "object") return false;
    const record = node as Record<string, unknown>;
    if (part in record) node = record[part];
    else if (`${part}_one` in record && `${part}_other` in record) return true;
    else return false;
  }
  return typeof node === "string";
}

describe("the English strings", () => {
  const keys = new Set<string>();
  for (const text of Object.values(sources)) {
    for (const match of text.matchAll(/\bt\(\s*"([a-zA-Z0-9_.]+)"/g)) keys.add(match[1]!);
    for (const match of text.matchAll(/"((?:validation|errors)\.[a-zA-Z]+)"/g)) keys.add(match[1]!);
  }

  it("has every key the portal uses", () => {
    expect(keys.size).toBeGreaterThan(300);
    expect([...keys].filter((key) => !has(key))).toEqual([]);
  });
});
