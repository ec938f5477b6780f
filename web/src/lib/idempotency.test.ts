import { describe, expect, it } from "vitest";
import { IdempotencyKeys } from "./idempotency";

function counter(): () => string {
  let n = 0;
  return () => `key-${++n}`;
}

describe("IdempotencyKeys", () => {
  it("sends the same request again with the same key", () => {
    const keys = new IdempotencyKeys(counter());
    expect(keys.keyFor({ activity_id: "a", credits: { AMA: "1" } })).toBe("key-1");
    expect(keys.keyFor({ activity_id: "a", credits: { AMA: "1" } })).toBe("key-1");
  });

  it("gives a changed request a new key", () => {
    const keys = new IdempotencyKeys(counter());
    keys.keyFor({ credits: { AMA: "1" } });
    expect(keys.keyFor({ credits: { AMA: "2" } })).toBe("key-2");
  });

  it("gives the next command a new key once the last was answered", () => {
    const keys = new IdempotencyKeys(counter());
    keys.keyFor({ activity_id: "a" });
    keys.answered();
    expect(keys.keyFor({ activity_id: "a" })).toBe("key-2");
  });

  it("makes random UUIDs by default", () => {
    expect(new IdempotencyKeys().keyFor({})).toMatch(/^[0-9a-f-]{36}$/);
  });
});
