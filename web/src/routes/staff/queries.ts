import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api";

/** Every activity, drafts too, the newest first; by status and part of the title if given (staff). */
export function useOfficeActivities(q: string, status: "" | "draft" | "published", enabled = true) {
  return useQuery({
    enabled,
    queryKey: ["office", "activities", q, status],
    queryFn: () =>
      unwrap(
        api.catalog.GET("/office/activities", {
          params: { query: { limit: 100, q: q || undefined, status: status || undefined } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useRoster(activityId: string, cancelled: boolean, enabled = true) {
  return useQuery({
    enabled,
    queryKey: ["office", "roster", activityId, cancelled],
    queryFn: () =>
      unwrap(
        api.catalog.GET("/activities/{activity_id}/registrations", {
          params: { path: { activity_id: activityId }, query: { cancelled } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export interface WorklistFilter {
  board?: string;
  status?: string;
  /** Reports due on or before this day (YYYY-MM-DD). */
  dueBefore?: string;
}

export function useWorklist(filter: WorklistFilter) {
  return useQuery({
    queryKey: ["office", "worklist", filter],
    queryFn: () =>
      unwrap(
        api.boardReporting.GET("/reports/worklist", {
          params: {
            query: {
              board: filter.board || undefined,
              status: filter.status ? [filter.status as "failed"] : undefined,
              due_before: filter.dueBefore || undefined,
              limit: 200,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useLearnerSearch(q: string) {
  return useQuery({
    queryKey: ["office", "learners", q],
    queryFn: async () => (await unwrap(api.identity.GET("/users", { params: { query: { q, limit: 50 } } }))).items,
    enabled: q.trim().length >= 2,
    placeholderData: keepPreviousData,
  });
}

export function useLearner(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId],
    queryFn: () => unwrap(api.identity.GET("/users/{user_id}", { params: { path: { user_id: learnerId } } })),
  });
}

export function useLearnerClaims(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId, "claims"],
    queryFn: () =>
      unwrap(
        api.credit.GET("/learners/{learner_id}/claims", {
          params: { path: { learner_id: learnerId }, query: { include_revoked: true } },
        }),
      ),
  });
}

export function useLearnerReports(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId, "reports"],
    queryFn: () => unwrap(api.boardReporting.GET("/reports", { params: { query: { learner_id: learnerId } } })),
  });
}

export function useExtensionHistory(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId, "extensions"],
    queryFn: () =>
      unwrap(
        api.credit.GET("/learners/{learner_id}/extensions/history", { params: { path: { learner_id: learnerId } } }),
      ),
  });
}

/** An activity's sessions with their event codes and how often each was entered (staff). */
export function useSessions(activityId: string) {
  return useQuery({
    queryKey: ["office", "sessions", activityId],
    queryFn: () =>
      unwrap(api.catalog.GET("/activities/{activity_id}/sessions", { params: { path: { activity_id: activityId } } })),
  });
}

/** Who attended a session: learners recorded, and addresses waiting for an account to be verified. */
export function useSessionAttendance(sessionId: string) {
  return useQuery({
    queryKey: ["office", "attendance", sessionId],
    queryFn: () =>
      unwrap(api.catalog.GET("/sessions/{session_id}/attendance", { params: { path: { session_id: sessionId } } })),
  });
}

/** One activity, a draft or published (staff). */
export function useOfficeActivity(activityId: string) {
  return useQuery({
    queryKey: ["office", "activity", activityId],
    queryFn: () =>
      unwrap(api.catalog.GET("/office/activities/{activity_id}", { params: { path: { activity_id: activityId } } })),
  });
}

/** The claim-window extensions in force for the learner (support). */
export function useExtensionsInForce(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId, "extensions", "in-force"],
    queryFn: () =>
      unwrap(api.credit.GET("/learners/{learner_id}/extensions", { params: { path: { learner_id: learnerId } } })),
  });
}

/** Activities matching `q` in the catalog, current and upcoming first, then past ones (an extension is usually for
 * an activity whose window has closed). */
export function useActivitiesByTitle(q: string) {
  return useQuery({
    queryKey: ["office", "activities-by-title", q],
    queryFn: async () => {
      const [current, past] = await Promise.all(
        [false, true].map((p) => unwrap(api.catalog.GET("/activities", { params: { query: { q, past: p, limit: 5 } } }))),
      );
      return [...(current ?? []), ...(past ?? [])];
    },
    enabled: q.trim().length >= 2,
    placeholderData: keepPreviousData,
  });
}

/** The security log, newest first, by kind or account; older pages on request (support, admin). */
export function useAuditLog(filter: { kind?: string; user_id?: string }, limit = 50) {
  return useInfiniteQuery({
    queryKey: ["office", "audit", filter, limit],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.identity.GET("/audit", {
          params: { query: { kind: filter.kind || undefined, user_id: filter.user_id, before_id: pageParam, limit } },
        }),
      ),
    getNextPageParam: (page) => page.next_before_id ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** The learner's registrations, cancelled ones too, newest first (support). */
export function useLearnerRegistrations(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId, "registrations"],
    queryFn: () =>
      unwrap(api.catalog.GET("/learners/{learner_id}/registrations", { params: { path: { learner_id: learnerId } } })),
  });
}

/** The learner's valid certificates, oldest first, as their transcript lists them (support). */
export function useLearnerCertificates(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId, "certificates"],
    queryFn: async () =>
      (await unwrap(api.certificates.GET("/transcript", { params: { query: { learner_id: learnerId } } }))).rows,
  });
}

/** The emails sent to the learner, newest first (support). */
export function useLearnerMessages(learnerId: string) {
  return useQuery({
    queryKey: ["office", "learner", learnerId, "messages"],
    queryFn: () => unwrap(api.notifications.GET("/messages", { params: { query: { learner_id: learnerId } } })),
  });
}

/** Merges the account took part in, surviving or merged away, newest first (support). */
export function useMerges(userId: string) {
  return useQuery({
    queryKey: ["office", "learner", userId, "merges"],
    queryFn: () => unwrap(api.identity.GET("/merges", { params: { query: { user_id: userId } } })),
  });
}

/** The period, bucket and activity every office report is asked for. */
export interface ReportParams {
  from: string;
  to: string;
  bucket: "day" | "week" | "month";
  activity_id?: string;
}

/** Registrations made in the period per bucket and category (staff). */
export function useRegistrationsReport(params: ReportParams) {
  return useQuery({
    queryKey: ["office", "reports", "registrations", params],
    queryFn: () => unwrap(api.catalog.GET("/office/reports/registrations", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
}

/** Attendance recorded in the period per bucket and session (staff). */
export function useAttendanceReport(params: ReportParams) {
  return useQuery({
    queryKey: ["office", "reports", "attendance", params],
    queryFn: () => unwrap(api.catalog.GET("/office/reports/attendance", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
}

/** Credit claimed in the period per bucket and credit type (staff). */
export function useCreditsReport(params: ReportParams) {
  return useQuery({
    queryKey: ["office", "reports", "credits", params],
    queryFn: () => unwrap(api.credit.GET("/office/reports/credits", { params: { query: params } })),
    placeholderData: keepPreviousData,
  });
}

/** One activity's evaluations from claims made in the period (staff). */
export function useEvaluationsReport(params: ReportParams) {
  const { from, to, activity_id } = params;
  return useQuery({
    enabled: Boolean(activity_id),
    queryKey: ["office", "reports", "evaluations", from, to, activity_id],
    queryFn: () =>
      unwrap(api.credit.GET("/office/reports/evaluations", { params: { query: { from, to, activity_id: activity_id ?? "" } } })),
    placeholderData: keepPreviousData,
  });
}

/** Board reports of claims made in the period per board and status (staff). */
export function useBoardReportsReport(params: ReportParams) {
  const { from, to, activity_id } = params;
  return useQuery({
    queryKey: ["office", "reports", "board-reports", from, to, activity_id],
    queryFn: () => unwrap(api.boardReporting.GET("/office/reports/board-reports", { params: { query: { from, to, activity_id } } })),
    placeholderData: keepPreviousData,
  });
}
