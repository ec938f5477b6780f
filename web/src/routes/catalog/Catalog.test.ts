import { describe, expect, it } from "vitest";
import { readFilters, writeFilters } from "./Catalog";

describe("the catalog's filters live in the URL", () => {
  it("reads and writes every filter, and drops what is empty or invalid", () => {
    const params = new URLSearchParams("format=webcast&q=sepsis&credit=AMA_PRA_1&credit=MOC_ABIM&from=2027-01-01&to=2027-01-31&past=1&page=3");
    const filters = readFilters(params);
    expect(filters).toEqual({
      q: "sepsis",
      format: "webcast",
      credit: ["AMA_PRA_1", "MOC_ABIM"],
      from: "2027-01-01",
      to: "2027-01-31",
      past: true,
      page: 3,
    });
    expect(writeFilters(filters).toString()).toBe(params.toString());
    expect(readFilters(new URLSearchParams("format=nonsense&page=-2"))).toMatchObject({ format: null, page: 1 });
    expect(writeFilters({ ...filters, q: "  ", from: "2027-01-01", to: null, past: false, page: 1, credit: [] }).toString()).toBe("format=webcast");
  });
});
