// The outbox under kill -9 (issue 29): 200 events to two webhook channels, the sender killed in the
// middle of sending and started again. Every event reaches each channel, in order per subject;
// what was in flight at the kill may arrive twice, and carries the same X-Opsdeck-Delivery key so
// the receiver can drop it. Every delivery ends "sent" exactly once in the store.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { migrate, openStore } from "~/core/db/store.server";
import { recordNotification } from "~/core/notifications/outbox.server";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opsdeck-outbox-"));
const file = path.join(dir, "store.sqlite");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode == null && c.signalCode == null) c.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

function startChild(base: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("tests/integration/fixtures/notify-sender-child.ts"), file, base, "1500"], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("started")) resolve(child);
    });
    child.stderr!.on("data", (d) => (out += d));
    child.on("exit", (code) => reject(new Error(`the sender exited (${code}) before starting: ${out}`)));
  });
}

describe("outbox under kill -9", () => {
  it("delivers every event once per channel, in order per subject, after the sender is killed mid-send", async () => {
    const received: { key: string; channel: string; subject: string; id: string }[] = [];
    let onReceive: (() => void) | null = null;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const b = JSON.parse(body) as { id: string; subject: string };
        received.push({ key: String(req.headers["x-opsdeck-delivery"]), channel: req.url!.slice(1), subject: b.subject, id: b.id });
        onReceive?.();
        setTimeout(() => res.writeHead(200).end("ok"), 5);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const store = await openStore(file);
    await migrate(store);
    const events: string[] = [];
    for (let i = 0; i < 200; i++) {
      events.push(await store.db.transaction().execute((trx) => recordNotification(trx, { kind: "incident.updated", subject: `inc_${i % 10}`, payload: { title: `update ${i}` } })));
    }

    const first = await startChild(base);
    await new Promise<void>((resolve) => {
      onReceive = () => {
        if (received.length >= 120) {
          onReceive = null;
          first.kill("SIGKILL");
          resolve();
        }
      };
    });
    await new Promise((r) => first.once("exit", r));
    expect(first.signalCode).toBe("SIGKILL");
    const atKill = received.length;
    expect(atKill).toBeLessThan(400);

    await startChild(base);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const rows = await store.db.selectFrom("notification_deliveries").select(({ fn }) => fn.countAll<number>().as("n")).where("status", "=", "sent").executeTakeFirstOrThrow();
      if (Number(rows.n) === 400) break;
      if (Date.now() > deadline) throw new Error(`only ${rows.n} of 400 deliveries sent`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const keys = new Set(received.map((r) => r.key));
    expect(keys.size).toBe(400);
    for (const id of events) for (const ch of ["one", "two"]) expect(keys.has(`${id}:${ch}`)).toBe(true);
    // Re-sent only what was in flight or sent but not yet marked at the kill.
    const duplicates = received.length - keys.size;
    expect(duplicates).toBeLessThanOrEqual(8 + 8); // concurrency + markEvery
    // Order per subject and channel: first receipts follow the events' order.
    for (const ch of ["one", "two"]) {
      for (let s = 0; s < 10; s++) {
        const seen: string[] = [];
        for (const r of received) if (r.channel === ch && r.subject === `inc_${s}` && !seen.includes(r.id)) seen.push(r.id);
        expect(seen).toEqual([...seen].sort());
        expect(seen).toHaveLength(20);
      }
    }
    const rows = await store.db.selectFrom("notification_deliveries").select(["status", "attempts"]).execute();
    expect(rows.every((r) => r.status === "sent")).toBe(true);
    await store.close();
    await new Promise((r) => server.close(r));
  });
});
