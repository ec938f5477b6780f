// RFC 9457 problem details, as every OpenCME service answers an error: {type, title, status, detail, errors}.
// `errors[].field` is a dotted path of the request body (e.g. "credits.AMA_PRA_1", "board_ids.ABIM").

export interface FieldProblem {
  field: string;
  reason: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
}

/** The service answered, and refused: its problem is what the page explains. */
export class ApiError extends Error {
  readonly problem: Problem;
  readonly status: number;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = "ApiError";
    this.problem = problem;
    this.status = problem.status;
  }
}

/** The request never got an answer (offline, gateway down): the page offers a retry and keeps what was typed. */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super("network error", { cause });
    this.name = "NetworkError";
  }
}

export function toProblem(body: unknown, response: Response): Problem {
  if (body && typeof body === "object" && "status" in body && "title" in body) {
    const p = body as Partial<Problem>;
    return {
      type: p.type,
      title: String(p.title),
      status: Number(p.status) || response.status,
      detail: typeof p.detail === "string" ? p.detail : undefined,
      errors: Array.isArray(p.errors)
        ? p.errors.filter((e): e is FieldProblem => !!e && typeof e.field === "string" && typeof e.reason === "string")
        : undefined,
    };
  }
  return { title: response.statusText || "Error", status: response.status };
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch call: its data, or an ApiError with the service's problem, or a NetworkError. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new NetworkError(error);
  }
  if (!result.response.ok) throw new ApiError(toProblem(result.error, result.response));
  return result.data as T;
}

export function isApiError(error: unknown, ...statuses: number[]): error is ApiError {
  return error instanceof ApiError && (statuses.length === 0 || statuses.includes(error.status));
}

/** A 5xx or an unanswered request: worth a retry button, unlike a refusal. */
export function isRetryable(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
}
