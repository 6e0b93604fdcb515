// Adds up the vitest and Playwright JSON reports into one closing line.
import fs from "node:fs";

const [unitFile, e2eFile, stepStatus] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
const read = (f) => { try { return JSON.parse(fs.readFileSync(f, "utf8")); } catch { return null; } };
const unit = read(unitFile);
if (unit) { passed += unit.numPassedTests ?? 0; failed += unit.numFailedTests ?? 0; skipped += (unit.numPendingTests ?? 0) + (unit.numTodoTests ?? 0); }
else failed += 1;
const e2e = read(e2eFile);
if (e2e?.stats) { passed += e2e.stats.expected ?? 0; failed += (e2e.stats.unexpected ?? 0) + (e2e.stats.flaky ?? 0); skipped += e2e.stats.skipped ?? 0; }
else failed += 1;
if (stepStatus !== "0" && failed === 0) failed = 1; // typecheck, build or lint failed
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
