// Bundles each widget's entry point into ../rtsched_widgets/static/ as a self-contained ES module.
import { build } from "esbuild";

const entries = {
  table: "src/table.ts",
  grid: "src/grid/index.ts",
  status: "src/panels/status.ts",
  analytics: "src/panels/analytics.ts",
  history: "src/panels/history.ts",
  conflicts: "src/panels/conflicts.ts",
  solver: "src/panels/solver.ts",
};

await build({
  entryPoints: entries,
  outdir: "../rtsched_widgets/static",
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: process.env.RTSCHED_DEV !== "1",
  sourcemap: process.env.RTSCHED_DEV === "1" ? "inline" : false,
  logLevel: "info",
});
