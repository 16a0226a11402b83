/**
 * Source of the watchdog process (run with `node -e`). It lives in its own
 * session, reads newline-delimited JSON from a pipe whose other end is held by
 * the test process, and when that pipe closes - the test process exited, was
 * killed by SIGTERM (vitest stops its workers that way) or even SIGKILL - it
 * stops the servers still registered and removes their temp dirs.
 *
 * Messages: {"op":"add","id":N,"r":Resource} | {"op":"del","id":N} | {"op":"clear"}
 * Resource: {"kind":"process","pid":N,"startTime":S|null,"signal":"SIGQUIT","graceMs":N}
 *         | {"kind":"dir","path":S}
 */
export const REAPER_SOURCE = String.raw`
"use strict";
const fs = require("fs");
const haveProc = fs.existsSync("/proc/self/stat");
const res = new Map();
let buf = "";
let done = false;
function stat(pid) {
  try {
    const s = fs.readFileSync("/proc/" + pid + "/stat", "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: f[0], start: f[19] };
  } catch (e) { return null; }
}
function alive(r) {
  try { process.kill(r.pid, 0); } catch (e) { if (e.code !== "EPERM") return false; }
  if (!haveProc) return true;
  const s = stat(r.pid);
  if (!s || s.state === "Z") return false;
  return r.startTime == null || s.start === r.startTime;
}
function kill(pid, sig) { try { process.kill(pid, sig); } catch (e) {} }
function cleanup() {
  if (done) return;
  done = true;
  const all = [...res.values()];
  const procs = all.filter((r) => r.kind === "process" && alive(r));
  for (const r of procs) { kill(r.pid, "SIGCONT"); kill(r.pid, r.signal); }
  const deadline = Date.now() + Math.max(0, ...procs.map((r) => r.graceMs));
  const tick = () => {
    const left = procs.filter(alive);
    if (left.length > 0 && Date.now() < deadline) { setTimeout(tick, 25); return; }
    for (const r of left) kill(r.pid, "SIGKILL");
    setTimeout(() => {
      for (const r of all) {
        if (r.kind === "dir") {
          try { fs.rmSync(r.path, { recursive: true, force: true, maxRetries: 5 }); } catch (e) {}
        }
      }
      process.exit(0);
    }, left.length > 0 ? 200 : 0);
  };
  tick();
}
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\n")) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    let m;
    try { m = JSON.parse(line); } catch (e) { continue; }
    if (m.op === "add") res.set(m.id, m.r);
    else if (m.op === "del") res.delete(m.id);
    else if (m.op === "clear") res.clear();
  }
});
process.stdin.on("end", cleanup);
process.stdin.on("close", cleanup);
process.stdin.on("error", cleanup);
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
`;
