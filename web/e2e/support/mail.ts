// The real SMTP sink's HTTP API (deploy/devstack/src/devstack/smtp_sink.py): GET /messages?to=, GET /messages/{id}.
import { request } from "@playwright/test";
import { env } from "./env";
import { until } from "./api";

interface Summary {
  id: string;
  subject: string | null;
  to: string[];
}

/** The newest mail to `address` whose text has a link containing `linkPart`; that link, on the portal under test. */
export async function mailedLink(address: string, linkPart: string, timeout = 60_000): Promise<string> {
  const sink = await request.newContext({ baseURL: env.smtpUrl });
  try {
    return await until(
      async () => {
        const listing = (await (await sink.get("/messages", { params: { to: address } })).json()) as Summary[];
        for (const summary of listing) {
          const message = (await (await sink.get(`/messages/${summary.id}`)).json()) as { text: string | null };
          const link = (message.text ?? "").match(/https?:\/\/[^\s<>"']+/g)?.find((url) => url.includes(linkPart));
          if (link) {
            // The services' PORTAL_URL may name another host for the same gateway: keep the path and query.
            const url = new URL(link);
            return `${env.baseUrl}${url.pathname}${url.search}`;
          }
        }
        return null;
      },
      `an email to ${address} with a link to ${linkPart}`,
      timeout,
    );
  } finally {
    await sink.dispose();
  }
}

/** The text of the newest mail to `address` whose text contains `part` (waiting for it as mailedLink does). */
export async function mailedText(address: string, part: string, timeout = 60_000): Promise<string> {
  const sink = await request.newContext({ baseURL: env.smtpUrl });
  try {
    return await until(
      async () => {
        const listing = (await (await sink.get("/messages", { params: { to: address } })).json()) as Summary[];
        for (const summary of listing) {
          const message = (await (await sink.get(`/messages/${summary.id}`)).json()) as { text: string | null };
          if ((message.text ?? "").includes(part)) return message.text;
        }
        return null;
      },
      `an email to ${address} saying ${part}`,
      timeout,
    );
  } finally {
    await sink.dispose();
  }
}
