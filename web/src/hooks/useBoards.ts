import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api";

/** The certifying boards (board-reporting's registry: report or self-report). */
export function useBoards() {
  return useQuery({
    queryKey: ["boards"],
    queryFn: () => unwrap(api.boardReporting.GET("/boards")),
    staleTime: 10 * 60_000,
  });
}
