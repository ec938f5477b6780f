// PDFs (a certificate, a bundle, the transcript) are fetched with the bearer token like any API call, read into a
// Blob, and saved through an object URL: no token ever goes into a URL, and no long-lived link exists.

import { unwrap } from "./problem";

export type DownloadProgress =
  | { phase: "preparing" } // the server is rendering: indeterminate
  | { phase: "downloading"; loaded: number; total: number | null }
  | { phase: "done" };

interface StreamResult {
  data?: ReadableStream<Uint8Array> | null;
  error?: unknown;
  response: Response;
}

/** Reads a streamed answer into a Blob, reporting progress from Content-Length when the server sends it. */
export async function readWithProgress(
  call: Promise<StreamResult>,
  onProgress: (progress: DownloadProgress) => void = () => undefined,
): Promise<Blob> {
  onProgress({ phase: "preparing" });
  let response: Response | undefined;
  const stream = await unwrap(
    call.then((result) => {
      response = result.response;
      return result;
    }),
  );
  const length = Number(response?.headers.get("Content-Length") ?? "");
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const type = response?.headers.get("Content-Type") ?? "application/pdf";
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress({ phase: "downloading", loaded, total });
  if (stream) {
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      onProgress({ phase: "downloading", loaded, total });
    }
  }
  onProgress({ phase: "done" });
  return new Blob(chunks as BlobPart[], { type });
}

/** Hands a Blob to the browser as a file download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  // Give the browser time to start reading the blob before it is released.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
