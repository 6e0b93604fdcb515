// The write path, used only by actions: one read-write transaction with statement and lock
// timeouts; a connection whose state is in doubt is destroyed, never reused.
import type pg from "pg";
import { toSqlError } from "./sql";

export async function writeTransaction<T>(pool: pg.Pool, timeoutMs: number, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch((err) => {
    throw toSqlError(err);
  });
  let broken = false;
  // A connection killed mid-transaction reports through the client's error event.
  const onError = () => {
    broken = true;
  };
  client.on("error", onError);
  try {
    await client.query(`BEGIN READ WRITE; SET LOCAL statement_timeout = ${Math.round(timeoutMs)}; SET LOCAL lock_timeout = ${Math.round(timeoutMs)}`);
    const out = await body(client);
    await client.query("COMMIT");
    return out;
  } catch (err) {
    try {
      await client.query("ROLLBACK");
    } catch {
      broken = true;
    }
    throw err instanceof Error && !(err as { code?: string }).code ? err : toSqlError(err);
  } finally {
    client.off("error", onError);
    client.release(broken ? new Error("discarded after a failed transaction") : undefined);
  }
}
