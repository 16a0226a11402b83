#!/usr/bin/env node
import { runCli } from "./run.js";

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// Every command closes its pools and connections; this only guards against a stray handle keeping the
// process alive after the summary was printed.
setTimeout(() => process.exit(code), 3000).unref();
