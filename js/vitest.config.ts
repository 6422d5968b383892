import { defineConfig } from "vitest/config";

export default defineConfig({
  // the tests may read the docs next to the package (docs/widgets.md lists the grid's keys)
  server: { fs: { allow: [".."] } },
  test: { environment: "jsdom", include: ["tests/**/*.test.ts"] },
});
