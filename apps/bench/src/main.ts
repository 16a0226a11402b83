import { runBench } from "./index.js";

// `node apps/bench/dist/main.js --quick` (or `pnpm --filter @qts/bench bench -- --quick`): the bench without
// the qts command line.
runBench(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
