// Pages of a signed-in learner: wait for the silent sign-in on load, else go to sign-in and come back after.
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { useAuth } from "../hooks/useAuth";
import { Loading } from "./Loading";

export function RequireAuth({ children }: { children: ReactNode }) {
  const state = useAuth();
  const location = useLocation();
  if (state.status === "unknown") return <Loading />;
  if (state.status === "signed-out") {
    const next = `${location.pathname}${location.search}${location.hash}`;
    const reason = state.reason === "expired" || state.reason === "session-ended" ? `&reason=${state.reason}` : "";
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}${reason}`} replace />;
  }
  return <>{children}</>;
}
