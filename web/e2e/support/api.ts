// Test data through the gateway, as any client would (the demo loader does the same): accounts, roles, activities.
import { expect, request, type APIRequestContext } from "@playwright/test";
import { env, run } from "./env";

export const PASSWORD = "correct horse battery staple 42";

export interface Learner {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  abimId?: string;
}

let counter = 0;
export function newLearner(name = "learner", extra: Partial<Learner> = {}): Learner {
  counter += 1;
  const tag = `${run}${counter}`;
  return {
    email: `${name}.${tag}@example.org`,
    password: PASSWORD,
    firstName: "Jordan",
    lastName: `Avery-${tag}`,
    abimId: `AB${tag}`.slice(0, 20).toUpperCase(),
    ...extra,
  };
}

export async function gateway(): Promise<APIRequestContext> {
  return request.newContext({ baseURL: env.baseUrl });
}

async function ok<T>(response: Awaited<ReturnType<APIRequestContext["get"]>>, ...statuses: number[]): Promise<T> {
  const accepted = statuses.length ? statuses : [200];
  if (!accepted.includes(response.status())) {
    throw new Error(`${response.url()} -> ${response.status()}: ${await response.text()}`);
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export async function bearer(api: APIRequestContext, email: string, password: string): Promise<Record<string, string>> {
  const tokens = await ok<{ access_token: string }>(await api.post("/api/identity/sessions", { data: { email, password } }));
  return { Authorization: `Bearer ${tokens.access_token}` };
}

export async function signUp(api: APIRequestContext, learner: Learner, profile: Record<string, unknown> = {}): Promise<string> {
  const body = {
    email: learner.email,
    password: learner.password,
    first_name: learner.firstName,
    last_name: learner.lastName,
    degree: "MD",
    profession: "Physician",
    ...profile,
  };
  const created = await ok<{ id: string }>(await api.post("/api/identity/users", { data: body }), 201);
  return created.id;
}

export interface Activity {
  id: string;
  title: string;
}

export interface World {
  staff: Record<string, string>;
  grandRounds: Activity & { code: string };
  webcast: Activity;
  liveCourse: Activity;
  journal: Activity;
}

/** A coordinator made by the bootstrap admin, and the activities the journeys use (unique titles per run). */
export async function createWorld(api: APIRequestContext): Promise<World> {
  const coordinator = newLearner("coordinator");
  const staffId = await signUp(api, coordinator, { profession: "CME coordinator" });
  const admin = await bearer(api, env.adminEmail, env.adminPassword);
  await ok(await api.post(`/api/identity/users/${staffId}/roles`, { headers: admin, data: { role: "staff" } }));
  const staff = await bearer(api, coordinator.email, coordinator.password);

  const now = Date.now();
  const at = (ms: number) => new Date(now + ms).toISOString();
  const day = 86_400_000;
  async function publish(body: Record<string, unknown>): Promise<Activity> {
    const activity = await ok<{ id: string; title: string }>(await api.post("/api/catalog/activities", { headers: staff, data: body }), 201);
    return activity;
  }
  async function live(activity: Activity): Promise<void> {
    await ok(await api.post(`/api/catalog/activities/${activity.id}/publish`, { headers: staff }));
  }

  const grandRounds = await publish({
    title: `Medicine Grand Rounds ${run}: Sepsis Update`,
    format: "grand_rounds",
    starts_at: at(-30 * 60_000),
    ends_at: at(30 * 60_000),
    location: "Lerner Research Institute, NA5-01",
    credit_designations: [
      { credit_type: "AMA_PRA_1", max_credits: "1" },
      { credit_type: "MOC_ABIM", max_credits: "1" },
    ],
    moc_boards: ["ABIM"],
    requires_event_code: true,
  });
  const session = await ok<{ event_code: string }>(
    await api.post(`/api/catalog/activities/${grandRounds.id}/sessions`, {
      headers: staff,
      data: { title: `Sepsis Update ${run}`, starts_at: at(-30 * 60_000), ends_at: at(30 * 60_000) },
    }),
    201,
  );
  await live(grandRounds);

  const webcast = await publish({
    title: `Webcast ${run}: Managing Type 2 Diabetes`,
    format: "webcast",
    available_until: at(180 * day),
    credit_designations: [{ credit_type: "AMA_PRA_1", max_credits: "1" }],
    description: "A one-hour recorded webcast on treatment intensification.",
  });
  await live(webcast);

  const liveCourse = await publish({
    title: `Cardiology Update ${run}`,
    format: "live_course",
    starts_at: at(45 * day),
    ends_at: at(46 * day),
    location: "Main Campus, Bunts Auditorium",
    fees: { physician: 45000, resident: 15000, nurse: 20000, guest: 10000 },
    capacity: 200,
    registration_opens_at: at(-day),
    registration_closes_at: at(40 * day),
    credit_designations: [
      { credit_type: "AMA_PRA_1", max_credits: "14.25" },
      { credit_type: "MOC_ABIM", max_credits: "14.25" },
      { credit_type: "ANCC", max_credits: "14.25" },
    ],
    moc_boards: ["ABIM"],
    description: "Two days of practical updates in cardiovascular medicine.",
  });
  await live(liveCourse);

  const journal = await publish({
    title: `Journal CME ${run}: Anticoagulation After TAVR`,
    format: "journal_based",
    available_until: at(365 * day),
    credit_designations: [{ credit_type: "AMA_PRA_1", max_credits: "1" }],
  });
  await live(journal);

  return { staff, grandRounds: { ...grandRounds, code: session.event_code }, webcast, liveCourse, journal };
}

/** Polls `check` until it returns something truthy (what travels through Kafka takes a moment). */
export async function until<T>(check: () => Promise<T | null | undefined | false>, what: string, timeout = 60_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export { expect };

export const EVALUATION = { overall_rating: 4, objectives_met: true, free_of_commercial_bias: true };

/** A learner (through the API) registered for an online activity and holding its certificate. */
export async function learnerWithCertificate(
  api: APIRequestContext,
  activityId: string,
  learner = newLearner("cert"),
  profile: Record<string, unknown> = {},
): Promise<{ learner: Learner; auth: Record<string, string>; certificate: { id: string; number: string; verification_code: string } }> {
  await signUp(api, learner, profile);
  const auth = await bearer(api, learner.email, learner.password);
  await ok(await api.post(`/api/catalog/activities/${activityId}/registrations`, { headers: auth, data: {} }), 201);
  await until(
    async () => ((await (await api.get("/api/credit/claimable", { headers: auth })).json()) as { activity_id: string }[]).some((c) => c.activity_id === activityId),
    "the registration to reach the credit service",
  );
  await ok(
    await api.post("/api/credit/claims", {
      headers: auth,
      data: { activity_id: activityId, credits: { AMA_PRA_1: "1" }, evaluation: EVALUATION },
    }),
    201,
  );
  const certificate = await until(async () => {
    const list = (await (await api.get("/api/certificates/certificates/mine", { headers: auth })).json()) as {
      id: string;
      number: string;
      verification_code: string;
    }[];
    return list[0];
  }, "the certificate");
  return { learner, auth, certificate };
}

/** A valid NPI no other run has (9 random digits and the Luhn check digit over the "80840" prefix). */
export function uniqueNpi(): string {
  const nine = String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
  const digits = `80840${nine}`.split("").map(Number);
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits[i] * (double ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return `${nine}${(10 - (sum % 10)) % 10}`;
}

/** A new account given the coordinator's and the help desk's roles by the bootstrap admin; with its bearer header. */
export async function newCoordinator(api: APIRequestContext): Promise<{ coordinator: Learner; staff: Record<string, string> }> {
  const coordinator = newLearner("office");
  const coordinatorId = await signUp(api, coordinator, { profession: "CME coordinator" });
  const admin = await bearer(api, env.adminEmail, env.adminPassword);
  for (const role of ["staff", "support"]) {
    const granted = await api.post(`/api/identity/users/${coordinatorId}/roles`, { headers: admin, data: { role } });
    expect(granted.ok(), await granted.text()).toBeTruthy();
  }
  return { coordinator, staff: await bearer(api, coordinator.email, coordinator.password) };
}
