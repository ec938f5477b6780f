import optimizeLocales from "@react-aria/optimize-locales-plugin";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` and `npm run preview` answer /api/ by proxying to a running gateway (./opencme up: port 8080), so the
// portal talks to the real services from the same origin, as it does behind nginx.
const gateway = process.env.OPENCME_GATEWAY ?? "http://127.0.0.1:8080";
// Identity's cookie endpoints accept only requests from the portal's own origin (its PORTAL_URL, the gateway's): the
// proxy presents the page's same-origin requests as coming from there.
const gatewayOrigin = new URL(gateway).origin;
const proxy = {
  "/api": {
    target: gateway,
    changeOrigin: false,
    xfwd: true,
    configure: (server: { on: (event: "proxyReq", listener: (request: ProxyRequest) => void) => void }) => {
      server.on("proxyReq", (request) => {
        if (request.getHeader("origin")) request.setHeader("origin", gatewayOrigin);
      });
    },
  },
};

interface ProxyRequest {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string): void;
}

export default defineConfig({
  plugins: [
    react(),
    // react-aria ships its widgets' words in ~30 languages; the portal ships English only (see src/i18n).
    { ...optimizeLocales.vite({ locales: ["en-US"] }), enforce: "pre" },
  ],
  server: { host: "127.0.0.1", port: 5173, proxy },
  preview: { host: "127.0.0.1", port: 4173, proxy },
  build: {
    target: "es2022",
    // No data: URLs for fonts or scripts: the production CSP allows files from 'self' only (images may be data:).
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 700,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: { modules: { classNameStrategy: "non-scoped" } },
    restoreMocks: true,
    testTimeout: 30_000,
  },
});
