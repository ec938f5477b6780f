// Where the stack under test is: set by the test harness (./opencme test), defaults for a local `./opencme up`.
function required(name: string, fallback: string): string {
  return (process.env[name] ?? fallback).replace(/\/$/, "");
}

export const env = {
  baseUrl: required("OPENCME_BASE_URL", "http://127.0.0.1:8080"),
  smtpUrl: required("OPENCME_SMTP_URL", "http://127.0.0.1:8125"),
  boardUrl: required("OPENCME_BOARD_URL", "http://127.0.0.1:8126"),
  adminEmail: process.env.OPENCME_ADMIN_EMAIL ?? "admin@example.org",
  adminPassword: process.env.OPENCME_ADMIN_PASSWORD ?? "admin passphrase for the demo",
};

/** A short unique tag for the data one run creates (emails, titles). */
export const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
