import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api";
import type { Claimable } from "../../api/schemas";
import { useAuth } from "../../hooks/useAuth";

export function useActivity(id: string) {
  return useQuery({
    queryKey: ["activity", id],
    queryFn: () => unwrap(api.catalog.GET("/activities/{activity_id}", { params: { path: { activity_id: id } } })),
  });
}

export function useRegistrations(enabled = true) {
  const { status } = useAuth();
  return useQuery({
    queryKey: ["registrations"],
    queryFn: () => unwrap(api.catalog.GET("/registrations/mine")),
    enabled: enabled && status === "signed-in",
  });
}

/** What the learner can claim now; `pollWhile` asks again `every` ms while it holds (e.g. waiting for attendance). */
export function useClaimable(enabled = true, pollWhile?: (list: Claimable[] | undefined) => boolean, every = 2000) {
  const { status } = useAuth();
  return useQuery({
    queryKey: ["claimable"],
    queryFn: () => unwrap(api.credit.GET("/claimable")),
    enabled: enabled && status === "signed-in",
    refetchInterval: pollWhile ? (query) => (pollWhile(query.state.data) ? every : false) : false,
  });
}
