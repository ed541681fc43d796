import { defineConfig } from "vite";

// The bundle is served by the API at /ui (api/ui.py) from api/static/ui, which is committed
// so that running the project never needs npm. Rebuild with `npm ci && npm run build`.
export default defineConfig({
  base: "/ui/",
  build: {
    outDir: "../api/static/ui",
    emptyOutDir: true,
    target: "es2020",
    chunkSizeWarningLimit: 1000,
  },
  worker: { format: "es" },
  server: {
    proxy: { "/graphql": "http://127.0.0.1:8000", "/ui/schema.json": "http://127.0.0.1:8000" },
  },
});
