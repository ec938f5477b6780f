// The portal's one session and one API client.
import { AuthSession, browserAuthDeps } from "./auth";
import { createApi } from "./client";

const origin = typeof location !== "undefined" ? location.origin : "";

export const auth = new AuthSession({ ...browserAuthDeps(), origin });
export const api = createApi(auth, { origin });
export { ApiError, NetworkError, isApiError, isRetryable, unwrap } from "./problem";
export type { Problem, FieldProblem } from "./problem";
