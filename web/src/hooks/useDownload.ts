import { useCallback, useState } from "react";
import { readWithProgress, saveBlob, type DownloadProgress } from "../api/download";

interface StreamResult {
  data?: ReadableStream<Uint8Array> | null;
  error?: unknown;
  response: Response;
}

/** One PDF download at a time: its progress for the page to show, its error for a retry. */
export function useDownload() {
  const [progress, setProgress] = useState<DownloadProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [label, setLabel] = useState<string>("");
  const start = useCallback(async (what: string, filename: string, call: () => Promise<StreamResult>) => {
    setError(null);
    setLabel(what);
    try {
      const blob = await readWithProgress(call(), setProgress);
      saveBlob(blob, filename);
      return true;
    } catch (failure) {
      setError(failure);
      setProgress(null);
      return false;
    }
  }, []);
  const busy = progress !== null && progress.phase !== "done";
  return { start, progress, error, busy, label };
}
