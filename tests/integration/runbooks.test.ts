import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, startServer, type RunningServer } from "../helpers/server";

// The teams' real runbooks sit beside the checkout (../shared/seeds) on project machines and in CI;
// OPSDECK_SEEDS_DIR points elsewhere. Without them the seed test is skipped, saying so.
const SEEDS = process.env.OPSDECK_SEEDS_DIR ?? path.resolve(__dirname, "../../../shared/seeds");
const HAVE_SEEDS = fs.existsSync(SEEDS);

/** A 2×2 red PNG, built here so the test needs no binary fixture. */
function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.from([0, 255, 0, 0, 255, 0, 0, 0, 255, 0, 0, 255, 0, 0]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

const HOSTILE = `---
title: Hostile runbook
---
# Hostile runbook

## Backup strategy

[jump](#backup-strategy) [proto](#__proto__)

<script>window.__pwned = 1</script>
<img src="x.png" onerror="window.__pwned = 2">
<a href="javascript:alert(1)">click me</a>

[md js link](javascript:alert(2)) and [encoded](jav&#x09;ascript:alert(5))
<svg onload="alert(3)"><circle r="5"></circle></svg>
<div id="__proto__">clobber</div>
<form name="cookie"><input name="location"></form>
<img name="getElementById" src="https://example.com/a.png">
<iframe src="https://evil.example"></iframe>
<a href="#" onclick="alert(4)" style="position:fixed">styled</a>

![passwd](../../etc/passwd)
![abs](/etc/passwd)
<img src="../../../etc/shadow">
<opsdeck-slot data-slot="0000000000000000:0"></opsdeck-slot>
`;

describe("runbook pages over HTTP (built server)", () => {
  let srv: RunningServer;
  let cookie: string;
  let dir: string;
  const seedFiles = HAVE_SEEDS ? fs.readdirSync(SEEDS).filter((f) => f.endsWith(".txt")).sort() : [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-runbooks-"));
    seedFiles.forEach((f, i) => fs.copyFileSync(path.join(SEEDS, f), path.join(dir, `seed-${i}.md`)));
    fs.writeFileSync(path.join(dir, "hostile.md"), HOSTILE);
    fs.mkdirSync(path.join(dir, "payments/img"), { recursive: true });
    fs.writeFileSync(path.join(dir, "payments/img/flow.png"), tinyPng());
    fs.writeFileSync(path.join(dir, "secret.txt"), "not an image");
    fs.writeFileSync(
      path.join(dir, "payments/refunds.md"),
      [
        "---",
        "title: Refund handling",
        "owner: payments",
        "plugins: [stripe]",
        "tags: [payments, refunds]",
        "---",
        "# Refunds",
        "",
        "![flow](img/flow.png) See [webhooks](../seed-0.md#webhook-failure-triage). Zebrafish appear only here.",
        "",
        '::status{probe="stripe.webhook-backlog"}',
        '::chart{probe="stripe.webhook-backlog" range="24h"}',
        '::action{id="stripe.resend-event" eventId="evt_1"}',
        '::status{probe="stripe.no-such-probe"}',
        '::action{id="stripe.no-such-action"}',
        '::widget{probe="x"}',
        "",
        "- [ ] Check the signing secret",
        "- [x] Page the owner",
      ].join("\r\n"),
    );
    const bad = Buffer.concat([Buffer.from("# Broken bytes\n\nCaf"), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from(" au lait\n")]);
    fs.writeFileSync(path.join(dir, "latin1.md"), bad);
    const long = ["# Very long runbook", ""];
    for (let i = 0; long.join("\n").length < 70_000; i++) long.push(`## Step ${i}`, "", `Do thing ${i} with \`tool-${i}\` and check [the top](#very-long-runbook).`, "", "```bash", `echo step ${i}`, "```", "");
    fs.writeFileSync(path.join(dir, "long.md"), long.join("\n"));
    srv = await startServer({ runbooksDir: dir });
    cookie = await signIn(srv.baseUrl, "responder");
  }, 90_000);

  afterAll(async () => {
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string, withCookie = true) => fetch(`${srv.baseUrl}${p}`, { headers: withCookie ? { cookie } : {}, redirect: "manual" });

  /** GET with the path sent exactly as written (fetch would normalize `..`). */
  const rawGet = (p: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: srv.port, path: p, headers: { cookie } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });

  it("requires sign-in for pages, the index and images", async () => {
    for (const p of ["/runbooks", "/runbooks/seed-0", "/runbook-assets/payments/img/flow.png"]) {
      const res = await get(p, false);
      expect(res.status, p).toBe(302);
      expect(res.headers.get("location"), p).toMatch(/^\/login\?redirectTo=/);
    }
  });

  it.skipIf(!HAVE_SEEDS)("renders each seed runbook with its headings, tables, code blocks and working in-page TOC links", async () => {
    for (let i = 0; i < seedFiles.length; i++) {
      const res = await get(`/runbooks/seed-${i}`);
      expect(res.status, seedFiles[i]).toBe(200);
      const html = await res.text();
      const source = fs.readFileSync(path.join(SEEDS, seedFiles[i]), "utf8");
      expect(html).toContain('class="runbook-body"');
      // every markdown heading of the seed is an element with an id
      const prose = source.replace(/^```[\s\S]*?^```/gm, "");
      const headings = [...prose.matchAll(/^#{2,4} (.+)$/gm)].length;
      const rendered = [...html.matchAll(/<h[2-4] id="[^"]+"/g)].length;
      expect(rendered, seedFiles[i]).toBeGreaterThanOrEqual(headings);
      if (/^\|.*\|\s*$/m.test(source)) expect(html, seedFiles[i]).toContain("<table>");
      if (source.includes("```")) expect(html, seedFiles[i]).toMatch(/<pre><code/);
      // every in-page link points at an element id on the page
      const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
      const anchors = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => decodeURIComponent(m[1]));
      for (const a of anchors) expect(ids.has(a), `${seedFiles[i]}: #${a}`).toBe(true);
      // the generated TOC is there and lists the seed's sections
      expect(html).toContain('aria-label="On this page"');
    }
    const seed0 = await (await get("/runbooks/seed-0")).text();
    expect(seed0).toContain('<a href="#backup-strategy">Backup Strategy</a>');
    expect(seed0).toContain('<h2 id="backup-strategy">Backup Strategy</h2>');
    const seed2 = await (await get("/runbooks/seed-2")).text();
    expect(seed2).toContain('href="#error-handling--debugging"');
    expect(seed2).toContain('id="error-handling--debugging"');
  });

  it("renders a hostile runbook inert", async () => {
    const res = await get("/runbooks/hostile");
    expect(res.status).toBe(200);
    const html = await res.text();
    const body = html.slice(html.indexOf('class="runbook-body"'), html.indexOf('aria-label="On this page"'));
    expect(body.length).toBeGreaterThan(100);
    expect(body).not.toMatch(/<script/i);
    expect(body).not.toContain("__pwned");
    expect(body).not.toMatch(/\son[a-z]+=/i);
    expect(body).not.toMatch(/href="\s*jav/i);
    expect(body).toContain("<a>md js link</a>");
    expect(body).not.toMatch(/<svg|<iframe|<form|style=/i);
    expect(body).not.toMatch(/id="__proto__"/);
    expect(body).toContain('id="user-content-__proto__"');
    expect(body).toContain('href="#user-content-__proto__"');
    expect(body).not.toMatch(/name="(cookie|location|getElementById)"/);
    expect(body).not.toContain("etc/passwd");
    expect(body).not.toContain("etc/shadow");
    expect(body).toContain('data-blocked="outside the runbooks folder"');
    expect(body).not.toContain("opsdeck-slot");
    expect(body).toContain('<a href="#backup-strategy">jump</a>');
  });

  it("answers 404 to path traversal, absolute and encoded paths, never 200 or 500", async () => {
    for (const p of [
      "/runbooks/..%2f..%2fetc%2fpasswd",
      "/runbooks/%2e%2e/%2e%2e/etc/passwd",
      "/runbooks/..%252f..%252fetc%252fpasswd",
      "/runbooks/%2Fetc%2Fpasswd",
      "/runbooks/payments/..%2f..%2fseed-0",
      "/runbooks/.%2fseed-0",
      "/runbooks/seed-0.md",
      "/runbooks/nope",
      "/runbook-assets/..%2f..%2fetc%2fpasswd",
      "/runbook-assets/%2e%2e/secret.txt",
      "/runbook-assets/secret.txt",
      "/runbook-assets/seed-0.md",
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
    }
    for (const p of ["/runbooks/../../etc/passwd", "/runbook-assets/../../../etc/passwd", "/runbooks/payments/../../../etc/passwd"]) {
      expect([400, 404], p).toContain(await rawGet(p));
    }
  });

  it("serves relative images from the runbooks folder and links to other runbooks", async () => {
    const html = await (await get("/runbooks/payments/refunds")).text();
    expect(html).toContain('src="/runbook-assets/payments/img/flow.png"');
    expect(html).toContain('href="/runbooks/seed-0#webhook-failure-triage"');
    const img = await get("/runbook-assets/payments/img/flow.png");
    expect(img.status).toBe(200);
    expect(img.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await img.arrayBuffer())).toEqual(tinyPng());
  });

  it("turns directives into widget slots and unknown ones into visible warnings (CRLF file)", async () => {
    const html = await (await get("/runbooks/payments/refunds")).text();
    expect(html).toContain('data-widget="status" data-id="stripe.webhook-backlog"');
    expect(html).toContain('data-widget="chart" data-id="stripe.webhook-backlog"');
    expect(html).toContain('data-widget="action" data-id="stripe.resend-event"');
    const warnings = [...html.matchAll(/class="directive-warning" role="alert">(.*?)<\/div>/g)].map((m) => m[1]);
    expect(warnings).toHaveLength(3);
    expect(warnings.join("\n")).toContain("stripe.no-such-probe");
    expect(warnings.join("\n")).toContain("stripe.no-such-action");
    expect(warnings.join("\n")).toContain("::widget");
    expect(html).toMatch(/<input type="checkbox" data-task="0" data-task-text="Check the signing secret"/);
    expect(html).toMatch(/<input type="checkbox" checked data-task="1" data-task-text="Page the owner"/);
    expect(html).not.toMatch(/data-task="\d+"[^>]*disabled/);
  });

  it("shows invalid UTF-8 with replacement characters and a warning", async () => {
    const res = await get("/runbooks/latin1");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Caf\uFFFD");
    expect(html).toMatch(/class="runbook-file-warning" role="alert">.*not valid UTF-8/);
  });

  it("renders a 70 KB runbook", async () => {
    const res = await get("/runbooks/long");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="step-400"');
    expect(html).toContain('href="#very-long-runbook"');
  });

  it("lists runbooks with owner, tags and plugins, searches and filters", async () => {
    const index = await (await get("/runbooks")).text();
    expect(index).toContain("Refund handling");
    expect(index).toContain("Hostile runbook");
    for (let i = 0; i < seedFiles.length; i++) expect(index).toContain(`data-runbook="seed-${i}"`);
    const search = await (await get("/runbooks?q=zebrafish")).text();
    expect([...search.matchAll(/data-runbook="([^"]+)"/g)].map((m) => m[1])).toEqual(["payments/refunds"]);
    const byPlugin = await (await get("/runbooks?plugin=stripe")).text();
    expect([...byPlugin.matchAll(/data-runbook="([^"]+)"/g)].map((m) => m[1])).toEqual(["payments/refunds"]);
    const byTag = await (await get("/runbooks?tag=refunds&q=")).text();
    expect([...byTag.matchAll(/data-runbook="([^"]+)"/g)].map((m) => m[1])).toEqual(["payments/refunds"]);
    const none = await (await get("/runbooks?q=webhook&tag=no-such-tag")).text();
    expect(none).not.toContain("data-runbook=");
  });

  it("shows a changed file on the next request", async () => {
    const file = path.join(dir, "hostile.md");
    fs.writeFileSync(file, "# Rewritten\n\nNew text here.\n");
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    const html = await (await get("/runbooks/hostile")).text();
    expect(html).toContain("New text here.");
    fs.writeFileSync(file, HOSTILE);
  });
});
