// A local server that speaks MongoDB's wire protocol (OP_MSG, and OP_QUERY for the first
// handshake) over documents held in memory, with mingo for query and aggregation semantics, so the
// official driver — not a mock — is what the plugin's tests and demo mode talk to. It is a sandbox:
// no authentication, no TLS, no transactions, no indexes, no persistence, no oplog or change
// streams, no sharding, and maxTimeMS is accepted but not enforced (docs/plugins/mongodb.md).
import net from "node:net";
import type { AddressInfo } from "node:net";
import { deserialize, Long, serialize, type Document } from "bson";
import { Aggregator, Query, updateOne } from "mingo";

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MAX_MESSAGE = 48_000_000;
const BATCH = 101;

export interface SandboxOperation {
  opid: number;
  /** Seconds the operation has been running when the sandbox starts. */
  secsRunning: number;
  op: string;
  ns: string;
  command: Document;
  client: string;
  desc?: string;
}

export interface MongoSandboxOptions {
  /** Database → collection → documents. */
  data?: Record<string, Record<string, Document[]>>;
  /** Long-running operations that currentOp reports until killOp ends them. */
  operations?: SandboxOperation[];
  /** When set, replSetGetStatus answers as a replica set whose secondaries lag by these seconds; otherwise code 76. */
  replicaLagSeconds?: number[];
  /** Commands answered with code 13 Unauthorized (e.g. ["replSetGetStatus"]). */
  unauthorized?: string[];
}

export interface CommandLogEntry {
  name: string;
  db: string;
  collection?: string;
  at: number;
}

export interface MongoSandbox {
  port: number;
  uri: string;
  /** Every command received, in order (the handshake included). */
  readonly commands: CommandLogEntry[];
  collection(db: string, name: string): Document[];
  stop(): Promise<void>;
}

/** Commands that change data: none of these may arrive from a read path. */
export const WRITE_COMMANDS = new Set(["insert", "update", "delete", "findandmodify", "findAndModify", "drop", "dropDatabase", "create", "createIndexes", "dropIndexes", "renameCollection", "applyOps", "mapReduce", "bulkWrite", "collMod"]);

class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

interface OpenCursor {
  ns: string;
  docs: Document[];
  at: number;
}

export async function startMongoSandbox(opts: MongoSandboxOptions = {}): Promise<MongoSandbox> {
  const dbs = new Map<string, Map<string, Document[]>>();
  for (const [db, colls] of Object.entries(opts.data ?? {})) {
    const m = new Map<string, Document[]>();
    for (const [name, docs] of Object.entries(colls)) m.set(name, docs.map((d) => structuredClone(d)));
    dbs.set(db, m);
  }
  const started = Date.now();
  const operations = new Map((opts.operations ?? []).map((o) => [o.opid, { ...o, since: started - o.secsRunning * 1000 }]));
  const unauthorized = new Set(opts.unauthorized ?? []);
  const commands: CommandLogEntry[] = [];
  const cursors = new Map<number, OpenCursor>();
  let nextCursor = 1000;
  let nextConnection = 1;
  let requestId = 1;
  const sockets = new Set<net.Socket>();

  const coll = (db: string, name: string, create = false): Document[] => {
    let d = dbs.get(db);
    if (!d) {
      if (!create) return [];
      d = new Map();
      dbs.set(db, d);
    }
    let c = d.get(name);
    if (!c) {
      if (!create) return [];
      c = [];
      d.set(name, c);
    }
    return c;
  };

  const cursorReply = (ns: string, docs: Document[], batchSize: number | undefined, first: boolean, singleBatch = false) => {
    const size = batchSize && batchSize > 0 ? batchSize : BATCH;
    const batch = docs.slice(0, size);
    let id = 0;
    if (docs.length > size && !singleBatch) {
      id = nextCursor++;
      cursors.set(id, { ns, docs: docs.slice(size), at: Date.now() });
    }
    return { cursor: { [first ? "firstBatch" : "nextBatch"]: batch, id: Long.fromNumber(id), ns }, ok: 1 };
  };

  const match = (docs: Document[], filter: Document | undefined): Document[] => {
    try {
      return new Query(filter ?? {}, {}).find(docs).all() as Document[];
    } catch (err) {
      throw new CommandError(2, "BadValue", (err as Error).message);
    }
  };

  const aggregate = (docs: Document[], pipeline: Document[]): Document[] => {
    for (const stage of pipeline) {
      const op = Object.keys(stage)[0];
      if (op === "$out" || op === "$merge") throw new CommandError(20, "IllegalOperation", `${op} is not supported by the sandbox`);
    }
    try {
      return new Aggregator(pipeline, {}).run(docs) as Document[];
    } catch (err) {
      throw new CommandError(2, "BadValue", (err as Error).message);
    }
  };

  const hello = (connectionId: number) => ({
    helloOk: true,
    isWritablePrimary: true,
    ismaster: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: MAX_MESSAGE,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  });

  function run(cmd: Document, connectionId: number): Document {
    const name = Object.keys(cmd)[0] ?? "";
    const db = typeof cmd.$db === "string" ? cmd.$db : "admin";
    const target = typeof cmd[name] === "string" ? (cmd[name] as string) : undefined;
    commands.push({ name, db, ...(target ? { collection: target } : {}), at: Date.now() });
    if (unauthorized.has(name)) throw new CommandError(13, "Unauthorized", `not authorized on ${db} to execute command { ${name}: 1 }`);
    switch (name.toLowerCase()) {
      case "hello":
      case "ismaster":
        return hello(connectionId);
      case "ping":
        return { ok: 1 };
      case "buildinfo":
        return { version: "7.0.0-opsdeck-sandbox", versionArray: [7, 0, 0, 0], gitVersion: "sandbox", maxBsonObjectSize: 16 * 1024 * 1024, ok: 1 };
      case "getparameter":
        return { featureCompatibilityVersion: { version: "7.0" }, ok: 1 };
      case "endsessions":
        return { ok: 1 };
      case "find": {
        let docs = match(coll(db, target!), cmd.filter);
        if (cmd.sort && Object.keys(cmd.sort).length) docs = aggregate(docs, [{ $sort: cmd.sort }]);
        if (typeof cmd.skip === "number" && cmd.skip > 0) docs = docs.slice(cmd.skip);
        const limit = typeof cmd.limit === "number" ? Math.abs(cmd.limit) : 0;
        if (limit) docs = docs.slice(0, limit);
        if (cmd.projection && Object.keys(cmd.projection).length) docs = aggregate(docs, [{ $project: cmd.projection }]);
        return cursorReply(`${db}.${target}`, docs, cmd.batchSize, true, !!cmd.singleBatch || (typeof cmd.limit === "number" && cmd.limit < 0));
      }
      case "getmore": {
        const id = Number(cmd.getMore);
        const c = cursors.get(id);
        if (!c) throw new CommandError(43, "CursorNotFound", `cursor id ${id} not found`);
        cursors.delete(id);
        const size = typeof cmd.batchSize === "number" && cmd.batchSize > 0 ? cmd.batchSize : BATCH;
        const batch = c.docs.slice(0, size);
        let nextId = 0;
        if (c.docs.length > size) {
          nextId = id;
          cursors.set(id, { ...c, docs: c.docs.slice(size) });
        }
        return { cursor: { nextBatch: batch, id: Long.fromNumber(nextId), ns: c.ns }, ok: 1 };
      }
      case "killcursors": {
        const ids = ((cmd.cursors as unknown[]) ?? []).map(Number);
        const killed = ids.filter((id) => cursors.delete(id));
        return { cursorsKilled: killed.map((n) => Long.fromNumber(n)), cursorsNotFound: ids.filter((i) => !killed.includes(i)).map((n) => Long.fromNumber(n)), cursorsAlive: [], cursorsUnknown: [], ok: 1 };
      }
      case "count": {
        let docs = match(coll(db, target!), cmd.query);
        if (typeof cmd.skip === "number") docs = docs.slice(cmd.skip);
        if (typeof cmd.limit === "number" && cmd.limit) docs = docs.slice(0, Math.abs(cmd.limit));
        return { n: docs.length, ok: 1 };
      }
      case "aggregate": {
        if (cmd.aggregate === 1 || cmd.aggregate === "1") throw new CommandError(59, "CommandNotFound", "database-level aggregate ($currentOp) is not implemented by the sandbox; use the currentOp command");
        const docs = aggregate(coll(db, target!), (cmd.pipeline as Document[]) ?? []);
        return cursorReply(`${db}.${target}`, docs, cmd.cursor?.batchSize, true);
      }
      case "distinct": {
        if (typeof cmd.key !== "string") throw new CommandError(2, "BadValue", "distinct needs a key");
        const docs = aggregate(match(coll(db, target!), cmd.query), [{ $unwind: { path: `$${cmd.key}`, preserveNullAndEmptyArrays: true } }, { $group: { _id: `$${cmd.key}` } }]);
        return { values: docs.map((d) => d._id).filter((v) => v !== undefined), ok: 1 };
      }
      case "update": {
        const docs = coll(db, target!, true);
        let n = 0;
        let nModified = 0;
        for (const u of (cmd.updates as Document[]) ?? []) {
          if (u.multi || u.upsert || Array.isArray(u.u)) throw new CommandError(2, "BadValue", "the sandbox updates one existing document with an operator document (no multi, upsert or pipeline)");
          try {
            const r = updateOne(docs, u.q ?? {}, u.u, {}, {});
            n += r.matchedCount;
            nModified += r.modifiedCount;
          } catch (err) {
            throw new CommandError(9, "FailedToParse", (err as Error).message);
          }
        }
        return { n, nModified, ok: 1 };
      }
      case "currentop": {
        const now = Date.now();
        const inprog = [...operations.values()].map((o) => ({
          type: "op",
          opid: o.opid,
          active: true,
          secs_running: Long.fromNumber(Math.floor((now - o.since) / 1000)),
          microsecs_running: Long.fromNumber((now - o.since) * 1000),
          op: o.op,
          ns: o.ns,
          command: o.command,
          client: o.client,
          desc: o.desc ?? `conn${o.opid}`,
        }));
        inprog.push({ type: "op", opid: 0, active: true, secs_running: Long.fromNumber(0), microsecs_running: Long.fromNumber(0), op: "command", ns: "admin.$cmd", command: { currentOp: 1 }, client: "127.0.0.1", desc: `conn${connectionId}` });
        return { inprog, ok: 1 };
      }
      case "killop": {
        const opid = Number(cmd.op);
        operations.delete(opid);
        return { info: "attempting to kill op", ok: 1 };
      }
      case "serverstatus":
        return {
          host: "opsdeck-sandbox",
          version: "7.0.0-opsdeck-sandbox",
          process: "mongod",
          uptime: (Date.now() - started) / 1000,
          localTime: new Date(),
          connections: { current: sockets.size, available: 838_860 - sockets.size, totalCreated: nextConnection - 1, active: Math.max(1, operations.size + 1) },
          opcounters: countersOf(commands),
          ok: 1,
        };
      case "replsetgetstatus": {
        if (!opts.replicaLagSeconds) throw new CommandError(76, "NoReplicationEnabled", "not running with --replSet");
        const now = Date.now();
        return {
          set: "rs0",
          date: new Date(now),
          members: [
            { _id: 0, name: "127.0.0.1:27017", stateStr: "PRIMARY", health: 1, optimeDate: new Date(now) },
            ...opts.replicaLagSeconds.map((lag, i) => ({ _id: i + 1, name: `127.0.0.1:${27018 + i}`, stateStr: "SECONDARY", health: 1, optimeDate: new Date(now - lag * 1000) })),
          ],
          ok: 1,
        };
      }
      case "listcollections": {
        const names = [...(dbs.get(db)?.keys() ?? [])].sort();
        const docs = names.map((n) => ({ name: n, type: "collection", options: {}, info: { readOnly: false } }));
        return cursorReply(`${db}.$cmd.listCollections`, match(docs, cmd.filter), undefined, true);
      }
      case "listdatabases":
        return { databases: [...dbs.keys()].sort().map((n) => ({ name: n, sizeOnDisk: 0, empty: false })), totalSize: 0, ok: 1 };
      default:
        throw new CommandError(59, "CommandNotFound", `no such command: '${name}' (the Opsdeck sandbox implements a subset of MongoDB)`);
    }
  }

  const answer = (cmd: Document, connectionId: number): Document => {
    try {
      return run(cmd, connectionId);
    } catch (err) {
      if (err instanceof CommandError) return { ok: 0, errmsg: err.message, code: err.code, codeName: err.codeName };
      return { ok: 0, errmsg: (err as Error).message, code: 1, codeName: "InternalError" };
    }
  };

  const header = (length: number, responseTo: number, opCode: number) => {
    const h = Buffer.alloc(16);
    h.writeInt32LE(length, 0);
    h.writeInt32LE(requestId++, 4);
    h.writeInt32LE(responseTo, 8);
    h.writeInt32LE(opCode, 12);
    return h;
  };

  const handle = (socket: net.Socket, msg: Buffer, connectionId: number) => {
    const reqId = msg.readInt32LE(4);
    const opCode = msg.readInt32LE(12);
    if (opCode === OP_MSG) {
      const flags = msg.readUInt32LE(16);
      const end = flags & 1 ? msg.length - 4 : msg.length;
      let at = 20;
      let body: Document | undefined;
      const sequences: Record<string, Document[]> = {};
      while (at < end) {
        const kind = msg[at++];
        if (kind === 0) {
          const len = msg.readInt32LE(at);
          body = deserialize(msg.subarray(at, at + len));
          at += len;
        } else if (kind === 1) {
          const len = msg.readInt32LE(at);
          const stop = at + len;
          let p = at + 4;
          const nul = msg.indexOf(0, p);
          const id = msg.toString("utf8", p, nul);
          p = nul + 1;
          const docs: Document[] = [];
          while (p < stop) {
            const dl = msg.readInt32LE(p);
            docs.push(deserialize(msg.subarray(p, p + dl)));
            p += dl;
          }
          sequences[id] = docs;
          at = stop;
        } else {
          socket.destroy();
          return;
        }
      }
      if (!body) return void socket.destroy();
      for (const [k, v] of Object.entries(sequences)) body[k] = v;
      const reply = answer(body, connectionId);
      const doc = serialize(reply);
      const payload = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), doc]);
      if (flags & 2) return; // moreToCome: no reply expected
      socket.write(Buffer.concat([header(16 + payload.length, reqId, OP_MSG), payload]));
      return;
    }
    if (opCode === OP_QUERY) {
      let at = 20;
      const nul = msg.indexOf(0, at);
      const ns = msg.toString("utf8", at, nul);
      at = nul + 1 + 8;
      const len = msg.readInt32LE(at);
      const query = deserialize(msg.subarray(at, at + len));
      const cmd = query.$query && typeof query.$query === "object" ? query.$query : query;
      const name = Object.keys(cmd)[0] ?? "";
      const reply = /^(hello|ismaster)$/i.test(name) && ns.endsWith(".$cmd")
        ? answer({ ...cmd, $db: ns.slice(0, -5) }, connectionId)
        : { ok: 0, errmsg: "OP_QUERY is only answered for the handshake", code: 352, codeName: "UnsupportedOpQueryCommand" };
      const doc = serialize(reply);
      const fixed = Buffer.alloc(20);
      fixed.writeInt32LE(0, 0);
      fixed.writeBigInt64LE(0n, 4);
      fixed.writeInt32LE(0, 12);
      fixed.writeInt32LE(1, 16);
      socket.write(Buffer.concat([header(16 + 20 + doc.length, reqId, OP_REPLY), fixed, doc]));
      return;
    }
    socket.destroy();
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connectionId = nextConnection++;
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 16) {
        const len = pending.readInt32LE(0);
        if (len < 16 || len > MAX_MESSAGE) return void socket.destroy();
        if (pending.length < len) break;
        const msg = pending.subarray(0, len);
        pending = pending.subarray(len);
        try {
          handle(socket, msg, connectionId);
        } catch {
          socket.destroy();
          return;
        }
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    commands,
    collection: (db, name) => coll(db, name),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function countersOf(log: CommandLogEntry[]) {
  const c = { insert: 0, query: 0, update: 0, delete: 0, getmore: 0, command: 0 };
  for (const e of log) {
    if (e.name === "find") c.query++;
    else if (e.name === "update") c.update++;
    else if (e.name === "getMore") c.getmore++;
    else c.command++;
  }
  return c;
}
