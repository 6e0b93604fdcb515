import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { listRunbooks, searchRunbooks } from "./runbooks.server";
import { BODY_INDEXED_CHARS, detached, extractRunbook, headingText, indexedBody, newSearchIndex, plainFrontMatter, rankedSearch, searchDoc } from "./search.server";

const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i % 50} text`).join(" ");

describe("runbook search index", () => {
  it("indexes a long body's first part as written and every later word once, so deep words are still found", () => {
    const long = `${filler(3000)}\nthe pgbouncer saturation fix deep inside\n${filler(200)}`;
    expect(long.length).toBeGreaterThan(BODY_INDEXED_CHARS);
    const body = indexedBody(long);
    expect(body.length).toBeLessThan(BODY_INDEXED_CHARS + 500);
    expect(body).toContain("pgbouncer");
    expect(indexedBody("short text")).toBe("short text");

    const index = newSearchIndex();
    index.add(searchDoc("long", extractRunbook(`# Long\n\n${long}\n`, "long.md")));
    index.add(searchDoc("other", extractRunbook("# Other\n\nnothing about it\n", "other.md")));
    expect(rankedSearch(index, "pgbouncer saturation").hits.map((h) => h.id)).toEqual(["long"]);
  });

  it("looks for close spellings only of the words that matched nothing", () => {
    const index = newSearchIndex();
    index.add(searchDoc("paddle", extractRunbook("# Paddle webhooks\n\nPaddle notifications failing.\n", "paddle.md")));
    index.add(searchDoc("stripe", extractRunbook("# Stripe\n\nStripe notifications.\n", "stripe.md")));
    // "notifcations" is misspelt: still found close, and paddle (an exact word) still counts.
    const typo = rankedSearch(index, "paddle notifcations");
    expect(typo.hits[0]?.id).toBe("paddle");
    expect(typo.hits.map((h) => h.id)).toContain("stripe");
    // Every word exact: no close spellings looked for ("paddles" is no word of any runbook's, "paddle" a prefix of none).
    expect(rankedSearch(index, "stripe notifications").hits.map((h) => h.id)).toEqual(["stripe", "paddle"]);
  });

  it("reads plain front matter as YAML does, and leaves anything else to YAML", () => {
    const plain = ["title: consul latency on api (data 12)\nowner: data\ntags: [consul, data, latency]\nseverity: P2\nalert: [ConsulLatency12]", "title: a - b\n\nplugins: []\nservice: shop-api", "a_b: c d e"];
    for (const y of plain) expect(plainFrontMatter(y), y).toEqual(YAML.parse(y));
    const other = ["title: a\ntitle: b", "title: Fix: thing", "title: a # comment", "tags: [a, , b]", "severity: 1", "tags: [5xx]", "enabled: true", "title: yes", "title: Null", "title: \"quoted\"", "title: shop's", "tags:\n  - a", "# comment\ntitle: a", "  title: a", "title:"];
    for (const y of other) expect(plainFrontMatter(y), y).toBeNull();
  });

  it("reads a heading's text as the page shows it", () => {
    expect(headingText("Fix `pg_replication_lag` on [the primary](./db.md)")).toBe("Fix pg_replication_lag on the primary");
    expect(headingText("**Bold** and _em_ and __init__")).toBe("Bold and em and init");
  });

  it("copies kept strings out of the source they were cut from", () => {
    const source = `${"x".repeat(1000)} a-long-identifier-name ${"y".repeat(1000)}`;
    const cut = source.slice(1001, 1023);
    expect(detached(cut)).toBe(cut);
    expect(detached("short")).toBe("short");
  });
});

describe("the folder's index", () => {
  it("sees added and removed files after a background rescan, and answers meanwhile", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-rescan-"));
    try {
      fs.writeFileSync(path.join(dir, "first.md"), "# First\n\nAxolotl care.\n");
      expect(listRunbooks({ dir }).map((r) => r.path)).toEqual(["first"]);
      fs.writeFileSync(path.join(dir, "second.md"), "# Second\n\nAxolotl feeding.\n");
      fs.rmSync(path.join(dir, "first.md"));
      expect(searchRunbooks("axolotl", { dir }).results.map((r) => r.path)).toEqual(["first"]); // within the rescan interval
      const deadline = Date.now() + 10_000;
      let paths: string[] = [];
      while (Date.now() < deadline) {
        paths = searchRunbooks("axolotl", { dir }).results.map((r) => r.path);
        if (paths.join() === "second") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(paths).toEqual(["second"]);
      expect(listRunbooks({ dir }).map((r) => r.title)).toEqual(["Second"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
