import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { http } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { problem, renderRoute, server } from "../../test/render";

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

async function fillRequired(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByLabelText("Email address (required)"), "jane@example.org");
  await user.type(screen.getByLabelText("Password (required)"), "a long enough passphrase");
  await user.type(screen.getByLabelText("Password again (required)"), "a long enough passphrase");
  await user.type(screen.getByLabelText("First name (required)"), "Jane");
  await user.type(screen.getByLabelText("Last name (required)"), "Doe");
}

describe("signing up", () => {
  it("explains why the board IDs and the birth date are asked", async () => {
    await renderRoute("/sign-up");
    expect(await screen.findByText(/The board finds you by your board \(diplomate\) ID together with your birth month and day/)).toBeInTheDocument();
    expect(screen.getByText(/We never ask for the year/)).toBeInTheDocument();
    expect(await screen.findByLabelText("American Board of Internal Medicine (ABIM) diplomate ID")).toBeInTheDocument();
  });

  it("checks the form's shape in the browser: passwords differ, NPI digits", async () => {
    const user = userEvent.setup();
    await renderRoute("/sign-up");
    await fillRequired(user);
    await user.clear(screen.getByLabelText("Password again (required)"));
    await user.type(screen.getByLabelText("Password again (required)"), "something else entirely");
    await user.type(screen.getByLabelText("National Provider Identifier (NPI)"), "12ab");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByLabelText("Password again (required)")).toHaveAccessibleDescription(/The two passwords are not the same/);
    expect(screen.getByLabelText("National Provider Identifier (NPI)")).toHaveAccessibleDescription(/An NPI is 10 digits/);
  });

  it("shows identity's reasons beside the fields they name, the rest at the top", async () => {
    let body: Record<string, unknown> | undefined;
    server.use(
      http.post("*/api/identity/users", async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return problem(422, [
          { field: "npi", reason: "Value error, not a valid NPI (10 digits with a correct check digit)" },
          { field: "board_ids.ABIM", reason: "String should have at most 20 characters" },
          { field: "password", reason: "this password is too common" },
          { field: "captcha", reason: "something the form does not have" },
        ]);
      }),
    );
    const user = userEvent.setup();
    await renderRoute("/sign-up");
    await fillRequired(user);
    await user.type(screen.getByLabelText("National Provider Identifier (NPI)"), "1234567890");
    await user.type(await screen.findByLabelText("American Board of Internal Medicine (ABIM) diplomate ID"), "ABIM-1");
    await user.click(screen.getByRole("button", { name: "Create account" }));

    await waitFor(() => expect(screen.getByLabelText("National Provider Identifier (NPI)")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("National Provider Identifier (NPI)")).toHaveAccessibleDescription(/Not a valid NPI/);
    expect(screen.getByLabelText("American Board of Internal Medicine (ABIM) diplomate ID")).toHaveAccessibleDescription(/at most 20 characters/);
    expect(screen.getByLabelText("Password (required)")).toHaveAccessibleDescription(/too common/);
    expect(screen.getByRole("alert")).toHaveTextContent("Something the form does not have");
    // Empty answers are left out; only the boards filled in are sent.
    expect(body).toMatchObject({ email: "jane@example.org", first_name: "Jane", npi: "1234567890", board_ids: { ABIM: "ABIM-1" }, middle_name: null });
    expect(body).not.toHaveProperty("password_again");
  });
});
