import { describe, expect, it, vi } from "vitest";
import { ApiError, NetworkError } from "../../api/problem";
import { applyProblem, readable, sameNames } from "./problem";

const refusal = (errors: { field: string; reason: string }[], status = 422, detail = "refused") =>
  new ApiError({ type: "about:blank", title: "Invalid request", status, detail, errors });

describe("a problem onto a form", () => {
  it("puts each field's reason beside its field, focusing the first, and the rest at the top", () => {
    const setError = vi.fn();
    const result = applyProblem(
      refusal([
        { field: "credits.AMA_PRA_1", reason: "at most 1 can be claimed for this activity" },
        { field: "activity_id", reason: "the claim window closed on 2026-11-30" },
        { field: "share_permission", reason: "reporting to your board needs your permission" },
      ]),
      setError,
      sameNames(["credits.AMA_PRA_1", "share_permission"]),
    );
    expect(setError).toHaveBeenNthCalledWith(1, "credits.AMA_PRA_1", { type: "server", message: "At most 1 can be claimed for this activity" }, { shouldFocus: true });
    expect(setError).toHaveBeenNthCalledWith(2, "share_permission", expect.objectContaining({ type: "server" }), { shouldFocus: false });
    expect(result).toEqual({ titleKey: "errors.refused", messages: ["The claim window closed on 2026-11-30"], retryable: false });
  });

  it("says 'correct the highlighted fields' when every reason has its field", () => {
    const result = applyProblem(refusal([{ field: "npi", reason: "Value error, not a valid NPI" }]), vi.fn(), sameNames(["npi"]));
    expect(result.titleKey).toBe("errors.fixFields");
  });

  it("shows the detail when the problem names no field", () => {
    const result = applyProblem(
      new ApiError({ title: "Conflict", status: 409, detail: "this email already has an account" }),
      vi.fn(),
      sameNames([]),
    );
    expect(result.messages).toEqual(["this email already has an account"]);
  });

  it("offers a retry and keeps what was typed when the service could not answer", () => {
    expect(applyProblem(new NetworkError(), vi.fn(), sameNames([]))).toMatchObject({ titleKey: "errors.network", retryable: true });
    expect(applyProblem(refusal([], 503), vi.fn(), sameNames([]))).toMatchObject({ titleKey: "errors.server", retryable: true });
    expect(applyProblem(refusal([], 429), vi.fn(), sameNames([]))).toMatchObject({ titleKey: "errors.tooMany", retryable: true });
  });

  it("drops the validation library's prefix", () => {
    expect(readable("Value error, not a valid NPI (10 digits with a correct check digit)")).toBe(
      "Not a valid NPI (10 digits with a correct check digit)",
    );
  });
});
