import "./styles/tokens.css";
import "./styles/base.css";
import "./i18n";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode, useEffect, useRef } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router/dom";
import { auth } from "./api";
import { isApiError } from "./api/problem";
import { useAuth } from "./hooks/useAuth";
import { createRouter } from "./router";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: true,
      // A refusal is an answer; only failures to answer are worth another try.
      retry: (count, error) => !isApiError(error) && count < 2,
    },
    mutations: { retry: false },
  },
});

/** Another learner's data never shows: the cache is emptied when the signed-in learner changes or signs out. */
function SessionBoundary({ children }: { children: React.ReactNode }) {
  const { user, status } = useAuth();
  const previous = useRef<string | null | undefined>(undefined);
  const current = status === "unknown" ? undefined : (user?.sub ?? null);
  useEffect(() => {
    if (current === undefined) return;
    if (previous.current !== undefined && previous.current !== current) {
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== "organisation" && query.queryKey[0] !== "boards" });
    }
    previous.current = current;
  }, [current]);
  return <>{children}</>;
}

// The learner is here: keys and pointers count as activity for the session (see auth.ts).
for (const type of ["keydown", "pointerdown"] as const) {
  window.addEventListener(type, () => auth.noteActivity(), { passive: true, capture: true });
}
void auth.start();

const router = createRouter();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionBoundary>
        <RouterProvider router={router} />
      </SessionBoundary>
    </QueryClientProvider>
  </StrictMode>,
);
