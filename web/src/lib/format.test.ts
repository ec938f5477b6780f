import { describe, expect, it } from "vitest";
import { daysUntil as days, formatBytes, formatCredits, formatDate, formatDateTime, formatDay, formatFee, formatMonth, formatRange, instantToLocal, localToInstant, monthKey } from "./format";

// Intl puts narrow and thin spaces around times and ranges; compare with plain spaces.
const plain = (text: string) => text.replace(/[\u202f\u2009\u00a0]/g, " ");

describe("dates", () => {
  it("shows a calendar day as that day in every time zone", () => {
    expect(formatDay("2026-12-31")).toBe("Dec 31, 2026");
    expect(formatDay("2027-01-01")).toBe("Jan 1, 2027");
    expect(formatDay(null)).toBe("");
  });

  it("shows an instant in the reader's time zone", () => {
    expect(formatDate("2027-01-15T02:00:00Z", "en-US", "America/New_York")).toBe("Jan 14, 2027");
    expect(formatDate("2027-01-15T02:00:00Z", "en-US", "Europe/Paris")).toBe("Jan 15, 2027");
    expect(plain(formatDateTime("2027-01-15T13:30:00Z", "en-US", "UTC"))).toBe("Jan 15, 2027, 1:30 PM");
  });

  it("shows a range once for what both ends share", () => {
    expect(plain(formatRange("2027-01-15T08:00:00Z", "2027-01-15T17:00:00Z", "en-US", "UTC"))).toBe("Jan 15, 2027, 8:00 AM – 5:00 PM");
    expect(plain(formatRange("2027-01-15T08:00:00Z", "2027-01-16T17:00:00Z", "en-US", "UTC"))).toBe(
      "Jan 15, 2027, 8:00 AM – Jan 16, 2027, 5:00 PM",
    );
    expect(plain(formatRange("2027-01-15T08:00:00Z", null, "en-US", "UTC"))).toBe("Jan 15, 2027, 8:00 AM");
  });

  it("counts whole days to a calendar day", () => {
    const now = new Date(2026, 11, 1, 23, 30);
    expect(days("2026-12-01", now)).toBe(0);
    expect(days("2026-12-31", now)).toBe(30);
    expect(days("2026-11-30", now)).toBe(-1);
  });

  it("groups by month and names the month", () => {
    expect(monthKey(new Date(2027, 0, 15, 12).toISOString())).toBe("2027-01");
    expect(formatMonth("2027-01")).toBe("January 2027");
  });
});

describe("credit amounts", () => {
  it("always show two decimals", () => {
    expect(formatCredits("0.75")).toBe("0.75");
    expect(formatCredits("1")).toBe("1.00");
    expect(formatCredits(14.25)).toBe("14.25");
    expect(formatCredits("40.5")).toBe("40.50");
    expect(formatCredits(null)).toBe("");
  });
});

describe("fees", () => {
  it("turn cents into the currency", () => {
    expect(formatFee(45000)).toBe("$450.00");
    expect(formatFee(129500)).toBe("$1,295.00");
    expect(formatFee(0)).toBe("$0.00");
  });
});

describe("download sizes", () => {
  it("read as bytes, kB or MB", () => {
    expect(formatBytes(512)).toBe("512 byte");
    expect(formatBytes(2048)).toBe("2 kB");
    expect(formatBytes(1.5 * 1024 * 1024)).toBe("1.5 MB");
  });
});

describe("local date-times and instants", () => {
  it("round-trips an instant through the date-time field's local value", () => {
    const instant = "2027-01-15T13:05:07.000Z";
    const local = instantToLocal(instant);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(localToInstant(local)).toBe(instant);
  });

  it("gives null for nothing or nonsense", () => {
    expect(instantToLocal(null)).toBeNull();
    expect(localToInstant("")).toBeNull();
    expect(localToInstant("not a date")).toBeNull();
  });
});
