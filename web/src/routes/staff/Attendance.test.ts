import { describe, expect, it } from "vitest";
import { addressesIn } from "./Attendance";
import { groupedCode } from "./SessionCode";

describe("addressesIn", () => {
  it("finds the addresses of a sign-in sheet, each once, in the order first seen", () => {
    const pasted = 'Jane Doe <jane@example.org>; "Li, Wei" <wei.li@example.org>\nJANE@example.org, bob@example.org\n\nname,email\n';
    expect(addressesIn(pasted)).toEqual(["jane@example.org", "wei.li@example.org", "bob@example.org"]);
  });

  it("reads a CSV export with a header and quoted cells", () => {
    expect(addressesIn('"Name","Email"\n"Ann Lee","ann@example.org"\n"Bo Park","bo@example.org"\n')).toEqual([
      "ann@example.org",
      "bo@example.org",
    ]);
  });

  it("finds nothing in text without an address", () => {
    expect(addressesIn("Attendees of grand rounds\n(none yet)")).toEqual([]);
  });
});

describe("groupedCode", () => {
  it("groups a code in fours for reading aloud", () => {
    expect(groupedCode("K7MQ2XPR")).toBe("K7MQ 2XPR");
    expect(groupedCode("ABCDE")).toBe("ABCD E");
    expect(groupedCode("ABCD")).toBe("ABCD");
  });
});
