// Reads a downloaded PDF: page count and text (pdfjs-dist, no native tools needed).
import { readFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

export async function readPdf(path: string): Promise<{ pages: number; text: string }> {
  const data = new Uint8Array(await readFile(path));
  const document = await getDocument({ data, useSystemFonts: true, isEvalSupported: false }).promise;
  const texts: string[] = [];
  for (let n = 1; n <= document.numPages; n += 1) {
    const content = await (await document.getPage(n)).getTextContent();
    texts.push(content.items.map((item) => ("str" in item ? item.str : "")).join(" "));
  }
  await document.destroy();
  return { pages: document.numPages, text: texts.join("\n").replace(/\s+/g, " ") };
}
