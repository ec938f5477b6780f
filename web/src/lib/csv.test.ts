import { csvCell, toCsv } from "./csv";

describe("CSV cells", () => {
  it("leaves plain text and numbers as they are", () => {
    expect(csvCell("Heart failure")).toBe("Heart failure");
    expect(csvCell(12.5)).toBe("12.5");
    expect(csvCell(-2)).toBe("-2");
    expect(csvCell(null)).toBe("");
  });

  it("quotes commas, quotes and line breaks, doubling the quotes", () => {
    expect(csvCell("Doe, Jane")).toBe('"Doe, Jane"');
    expect(csvCell('She said "great"')).toBe('"She said ""great"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
  });

  it.each(["=SUM(A1:A9)", "+1", "-1+2", "@cmd", "\tx", "\rx"])("disarms %j, which a spreadsheet would run", (text) => {
    expect(csvCell(text).replace(/^"/, "").startsWith("'")).toBe(true);
  });

  it("disarms a formula that must also be quoted", () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
  });
});

describe("a CSV file", () => {
  it("starts with a byte-order mark and ends each row with CRLF", () => {
    expect(toCsv(["Week", "Nurse"], [["2031-03-03", 2], ["2031-03-10", 0]])).toBe(
      "\ufeffWeek,Nurse\r\n2031-03-03,2\r\n2031-03-10,0\r\n",
    );
  });
});
