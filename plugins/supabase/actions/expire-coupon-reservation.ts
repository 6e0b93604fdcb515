// The seed's leak, fixed for one reservation: reserved → expired and the coupon's reserved count
// down by one, in one transaction (both or neither).
import type pg from "pg";
import { z } from "zod";
import { action, ActionInputError } from "../../plugin-api";
import type { CouponsMapping } from "../config";
import { plainRow, qi } from "../ident";
import { writeTransaction } from "../tx";
import { ChangedSincePreviewError, changedSince, RowIdSchema, rowToken, tokenRow } from "./row-fix";

const TOKEN_COLUMNS = ["id", "coupon_id", "status", "expires_at"];

export const ExpireReservationInput = z.object({ reservationId: RowIdSchema.describe("Coupon reservation id (e.g. res-7003)") });
export type ExpireReservationInput = z.infer<typeof ExpireReservationInput>;

interface Loaded {
  reservation: Record<string, unknown>;
  coupon: Record<string, unknown>;
}

function statements(m: CouponsMapping) {
  const r = qi(m.reservationsTable);
  return {
    reservation: (lock: boolean) =>
      `select ${qi(m.reservationId)}::text as id, ${qi(m.reservationCoupon)} as coupon_id, ${qi(m.reservationStatus)} as status, ${qi(m.expiresAt)} as expires_at, ${qi(m.expiresAt)} < now() as past_expiry
       from ${r} where ${qi(m.reservationId)}::text = $1${lock ? " for update" : ""}`,
    coupon: (lock: boolean) => `select ${qi(m.couponId)} as id, ${qi(m.reservedCount)} as reserved_count from ${qi(m.couponsTable)} where ${qi(m.couponId)} = $1${lock ? " for update" : ""}`,
    expire: `update ${r} set ${qi(m.reservationStatus)} = $2 where ${qi(m.reservationId)}::text = $1 and ${qi(m.reservationStatus)} = $3`,
    decrement: `update ${qi(m.couponsTable)} set ${qi(m.reservedCount)} = ${qi(m.reservedCount)} - 1 where ${qi(m.couponId)} = $1 and ${qi(m.reservedCount)} > 0`,
  };
}

function check(m: CouponsMapping, id: string, l: { reservation?: Record<string, unknown>; coupon?: Record<string, unknown> }): asserts l is Loaded {
  if (!l.reservation) throw new ActionInputError(`reservation ${id} does not exist`, { reservationId: ["not found"] });
  if (l.reservation.status !== m.reservedStatus) throw new ActionInputError(`reservation ${id} is "${l.reservation.status}", not "${m.reservedStatus}": nothing to expire`, { reservationId: [`status is ${l.reservation.status}`] });
  if (l.reservation.past_expiry !== true) throw new ActionInputError(`reservation ${id} has not expired yet (expires ${plainRow(l.reservation).expires_at}): the expiry job is not late for it`, { reservationId: ["not past expiry"] });
  if (!l.coupon) throw new ActionInputError(`coupon ${l.reservation.coupon_id} of reservation ${id} does not exist`);
  if (Number(l.coupon.reserved_count) <= 0) throw new ActionInputError(`coupon ${l.coupon.id} already has ${m.reservedCount} ${l.coupon.reserved_count}: decrementing would go below zero`);
}

/**
 * Runs the fix. `between` runs after the reservation is updated and before the coupon is, inside
 * the transaction (tests use it to kill the connection there and show nothing is half-written).
 */
export async function expireReservation(
  pool: pg.Pool,
  timeoutMs: number,
  m: CouponsMapping,
  input: ExpireReservationInput & { precondition?: string },
  opts: { between?: (client: pg.PoolClient) => Promise<void> } = {},
) {
  const s = statements(m);
  const previewed = input.precondition === undefined ? null : tokenRow(input.precondition, TOKEN_COLUMNS);
  if (input.precondition !== undefined && !previewed) throw new ActionInputError("precondition is not a row preview token");
  return writeTransaction(pool, timeoutMs, async (client) => {
    const reservation = (await client.query(s.reservation(true), [input.reservationId])).rows[0];
    if (!reservation) throw new ChangedSincePreviewError(`reservation ${input.reservationId}`, "it no longer exists");
    const moved = previewed && changedSince(previewed, reservation, TOKEN_COLUMNS);
    if (moved) throw new ChangedSincePreviewError(`reservation ${input.reservationId}`, moved);
    const coupon = (await client.query(s.coupon(true), [reservation.coupon_id])).rows[0];
    check(m, input.reservationId, { reservation, coupon });
    const a = await client.query(s.expire, [input.reservationId, m.expiredStatus, m.reservedStatus]);
    if (a.rowCount !== 1) throw new Error(`expected to expire one reservation, the database changed ${a.rowCount}; rolled back`);
    await opts.between?.(client);
    const b = await client.query(s.decrement, [reservation.coupon_id]);
    if (b.rowCount !== 1) throw new Error(`expected to decrement one coupon, the database changed ${b.rowCount}; rolled back`);
    return { reservation: plainRow(reservation), coupon: plainRow(coupon), reservedCountAfter: Number(coupon.reserved_count) - 1 };
  });
}

export function expireCouponReservation(pool: pg.Pool, timeoutMs: number, m: CouponsMapping) {
  const s = statements(m);
  return action({
    id: "expire-coupon-reservation",
    title: "Expire one stale coupon reservation",
    description: `Sets one ${m.reservationsTable} row past its ${m.expiresAt} from "${m.reservedStatus}" to "${m.expiredStatus}" and decrements its coupon's ${m.reservedCount}, in one transaction. Refused if the reservation changed since the preview.`,
    input: ExpireReservationInput,
    risk: "high",
    target: (i) => `${m.reservationsTable}/${i.reservationId}`,
    timeout: "30s",
    async preview(input) {
      const client = await pool.connect();
      try {
        await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${timeoutMs}`);
        const reservation = (await client.query(s.reservation(false), [input.reservationId])).rows[0];
        const coupon = reservation ? (await client.query(s.coupon(false), [reservation.coupon_id])).rows[0] : undefined;
        const loaded = { reservation, coupon };
        check(m, input.reservationId, loaded);
        const count = Number(loaded.coupon.reserved_count);
        return {
          summary: `reservation ${input.reservationId}: "${m.reservedStatus}" → "${m.expiredStatus}"; coupon ${loaded.coupon.id} ${m.reservedCount} ${count} → ${count - 1} (one transaction)`,
          count: 2,
          before: { reservation: plainRow(loaded.reservation), coupon: plainRow(loaded.coupon) },
          after: { reservation: { ...plainRow(loaded.reservation), status: m.expiredStatus }, coupon: { ...plainRow(loaded.coupon), reserved_count: count - 1 } },
          rows: [
            { row: `${m.reservationsTable}/${input.reservationId}`, column: m.reservationStatus, before: m.reservedStatus, after: m.expiredStatus },
            { row: `${m.couponsTable}/${loaded.coupon.id}`, column: m.reservedCount, before: count, after: count - 1 },
          ],
          precondition: rowToken(loaded.reservation, TOKEN_COLUMNS),
        };
      } finally {
        await client.query("ROLLBACK").catch(() => {});
        client.release();
      }
    },
    async run(input, ctx) {
      if (input.precondition === undefined) ctx.log(`no preview precondition given: checking reservation ${input.reservationId} as read now`);
      const out = await expireReservation(pool, timeoutMs, m, input);
      ctx.log(`reservation ${input.reservationId} expired; coupon ${out.coupon.id} ${m.reservedCount} ${out.coupon.reserved_count} → ${out.reservedCountAfter}`);
      ctx.progress(1, 1);
      return {
        summary: `reservation ${input.reservationId} expired; coupon ${out.coupon.id} ${m.reservedCount} ${out.coupon.reserved_count} → ${out.reservedCountAfter}`,
        rows: [
          { row: `${m.reservationsTable}/${input.reservationId}`, column: m.reservationStatus, before: m.reservedStatus, after: m.expiredStatus },
          { row: `${m.couponsTable}/${out.coupon.id}`, column: m.reservedCount, before: out.coupon.reserved_count, after: out.reservedCountAfter },
        ],
        data: out,
      };
    },
  });
}
