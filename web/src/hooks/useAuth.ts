import { useSyncExternalStore } from "react";
import { auth } from "../api";
import type { AuthState } from "../api/auth";

export function useAuth(): AuthState {
  return useSyncExternalStore(auth.subscribe, auth.getState, auth.getState);
}
