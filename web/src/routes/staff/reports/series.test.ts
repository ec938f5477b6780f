import { bucketStart, bucketStarts, defaultPeriod, distinct, pivot, total } from "./series";

describe("buckets", () => {
  it("start on the day, the Monday before, or the first of the month, in UTC", () => {
    expect(bucketStart("2031-03-05", "day")).toBe("2031-03-05");
    expect(bucketStart("2031-03-05", "week")).toBe("2031-03-03");
    expect(bucketStart("2031-03-03", "week")).toBe("2031-03-03");
    expect(bucketStart("2031-03-09", "week")).toBe("2031-03-03");
    expect(bucketStart("2031-03-31", "month")).toBe("2031-03-01");
  });

  it("cover the period from the bucket holding its first day to the one holding its last", () => {
    expect(bucketStarts("2031-03-01", "2031-03-31", "week")).toEqual([
      "2031-02-24",
      "2031-03-03",
      "2031-03-10",
      "2031-03-17",
      "2031-03-24",
      "2031-03-31",
    ]);
    expect(bucketStarts("2030-11-15", "2031-02-01", "month")).toEqual(["2030-11-01", "2030-12-01", "2031-01-01", "2031-02-01"]);
    expect(bucketStarts("2031-02-27", "2031-03-02", "day")).toEqual(["2031-02-27", "2031-02-28", "2031-03-01", "2031-03-02"]);
  });

  it("cross the end of a year and a leap day", () => {
    expect(bucketStarts("2031-12-30", "2032-01-06", "week")).toEqual(["2031-12-29", "2032-01-05"]);
    expect(bucketStarts("2032-02-28", "2032-03-01", "day")).toEqual(["2032-02-28", "2032-02-29", "2032-03-01"]);
  });
});

describe("wide rows", () => {
  const counted = [
    { period: "2031-03-03", category: "nurse", n: 1 },
    { period: "2031-03-03", category: "physician", n: 2 },
    { period: "2031-03-17", category: "nurse", n: 3 },
    { period: "2031-03-17", category: "nurse", n: 1 },
  ];

  it("have a row for every key, zeros where nothing was counted, sums where several items meet", () => {
    const rows = pivot(
      counted,
      ["2031-03-03", "2031-03-10", "2031-03-17"],
      (c) => c.period,
      ["nurse", "physician"],
      (c) => c.category,
      (c) => c.n,
    );
    expect(rows).toEqual([
      { key: "2031-03-03", nurse: 1, physician: 2 },
      { key: "2031-03-10", nurse: 0, physician: 0 },
      { key: "2031-03-17", nurse: 4, physician: 0 },
    ]);
    expect(total(rows, "nurse")).toBe(5);
  });

  it("leave out items outside the keys or series", () => {
    const rows = pivot(counted, ["2031-03-03"], (c) => c.period, ["nurse"], (c) => c.category, (c) => c.n);
    expect(rows).toEqual([{ key: "2031-03-03", nurse: 1 }]);
  });

  it("name each series once, in the order first seen", () => {
    expect(distinct(counted, (c) => c.category)).toEqual(["nurse", "physician"]);
  });

  it("add decimals to the cent", () => {
    expect(total([{ key: "a", x: 0.1 }, { key: "b", x: 0.2 }], "x")).toBe(0.3);
  });
});

describe("the period a report opens with", () => {
  it("is the 84 days up to today in UTC", () => {
    expect(defaultPeriod(new Date("2031-03-31T23:30:00-05:00"))).toEqual({ from: "2031-01-08", to: "2031-04-01" });
  });
});
