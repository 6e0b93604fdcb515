// The shop's order-health collections as seed 001's team keeps them in MongoDB (orders,
// couponreservations, stripewebhookevents), built from the one catalog so the story matches the
// Stripe sandbox's: orders paid after the signing secret was rotated never had their webhook
// processed, the invoice provider failed for a few orders, the coupon expiry job leaked
// reservations, and some webhook events were received but never finalized. Handed to the mongodb
// plugin's sandbox through the world ("mongodb.shop"); the plugin never imports this file.
import type { DemoWorld } from "../../plugins/plugin-api";
import type { DemoModule } from "../world";
import { SHOP_ORDERS, SHOP_STORY, shopOrder } from "./catalog";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export const MONGO_SHOP = "mongodb.shop";
export const MONGO_DATABASE = "wildlife";

/** The trouble by role, so tests and the runbook name the same documents. */
export const MONGO_STORY = {
  /** status "paid", webhook.processedAt null: the paid orders since the rotation. */
  paidUnconfirmed: [...SHOP_STORY.stuckPaid, "wx-1034"],
  /** Of those, paid within the last ten minutes (still inside the normal webhook window). */
  withinWebhookWindow: "wx-1034",
  invoiceFailed: ["wx-1040", "wx-1041", "wx-1044"],
  leakedReservations: ["cr-5003", "cr-5004", "cr-5005"],
  unfinishedEvents: ["evt_shop_dispute_wx1043", "evt_shop_invoice_wx1044"],
  /** The revenue aggregation that has been scanning orders without an index. */
  slowOpid: 4207,
} as const;

export interface MongoShopSeed {
  database: string;
  data: Record<string, Record<string, Record<string, unknown>[]>>;
  operations: { opid: number; secsRunning: number; op: string; ns: string; command: Record<string, unknown>; client: string; desc?: string }[];
  replicaLagSeconds?: number[];
}

export function mongoShopSeed(now = new Date()): MongoShopSeed {
  const at = (msAgo: number) => new Date(now.getTime() - msAgo);
  const stuck = new Set<string>(MONGO_STORY.paidUnconfirmed);
  const invoiceFailed = new Set<string>(MONGO_STORY.invoiceFailed);
  const orders = Object.values(SHOP_ORDERS)
    .filter((o) => o.id !== SHOP_STORY.paidNoOrder) // paid at Stripe, never created: the order that is missing everywhere
    .map((o) => {
      const paidAt = at(o.paidAgo);
      const settled = !stuck.has(o.id);
      return {
        _id: o.id,
        status: stuck.has(o.id) ? "paid" : /^wx-100\d$/.test(o.id) ? "completed" : "confirmed",
        amount: o.amount,
        currency: o.currency,
        customerEmail: o.buyerEmail,
        sellerId: o.sellerId,
        paymentIntentId: o.paymentIntentId,
        sessionId: `cs_shop_${o.id.replace("-", "")}`,
        createdAt: at(o.paidAgo + 2 * MIN),
        paidAt,
        updatedAt: settled ? at(Math.max(o.paidAgo - MIN, 0)) : paidAt,
        webhook: { processedAt: settled ? at(Math.max(o.paidAgo - MIN, 0)) : null, eventId: settled ? `evt_shop_paid_${o.id.replace("-", "")}` : null },
        invoice: invoiceFailed.has(o.id) ? { status: "failed", provider: "invoicely", lastError: "503 from the invoice provider", attempts: 3 } : settled ? { status: "issued", number: `INV-${o.id.slice(3)}` } : { status: "pending" },
      };
    });

  const reservation = (id: string, coupon: string, status: string, expiresIn: number, order: string | null) => ({ _id: id, couponCode: coupon, status, orderId: order, createdAt: at(-expiresIn + 30 * MIN), expiresAt: at(-expiresIn) });
  const couponreservations = [
    reservation("cr-5001", "SPRING10", "redeemed", -9 * DAY, "wx-1040"),
    reservation("cr-5002", "SPRING10", "redeemed", -4 * DAY, "wx-1044"),
    // Reserved, expired, never released: the expiry job stopped transitioning them.
    reservation("cr-5003", "SPRING10", "reserved", -5 * HOUR, null),
    reservation("cr-5004", "RANCH25", "reserved", -3 * HOUR, null),
    reservation("cr-5005", "SPRING10", "reserved", -40 * MIN, null),
    reservation("cr-5006", "RANCH25", "expired", -2 * DAY, null),
    reservation("cr-5007", "SPRING10", "reserved", 20 * MIN, null),
    reservation("cr-5008", "RANCH25", "reserved", 25 * MIN, null),
  ];

  const event = (id: string, type: string, status: string, ago: number, orderId: string, extra: Record<string, unknown> = {}) => ({ _id: id, type, status, orderId, createdAt: at(ago), ...extra });
  const stripewebhookevents = [
    ...Object.values(SHOP_ORDERS)
      .filter((o) => !stuck.has(o.id) && o.id !== SHOP_STORY.paidNoOrder)
      .map((o) => event(`evt_shop_paid_${o.id.replace("-", "")}`, "checkout.session.completed", "processed", o.paidAgo, o.id, { processedAt: at(Math.max(o.paidAgo - MIN, 0)) })),
    event("evt_shop_dispute_wx1043", "charge.dispute.created", "failed", 4 * DAY, SHOP_STORY.disputed, { error: "order is on admin hold; handler threw before finalizing" }),
    event("evt_shop_invoice_wx1044", "invoice.payment_failed", "received", SHOP_STORY.secretRotatedAgo + 10 * MIN, "wx-1044", { error: null }),
    // Arrived a minute ago and is being handled: not yet "unfinished".
    event("evt_shop_paid_wx1045_refresh", "checkout.session.completed", "received", MIN, "wx-1045"),
  ];

  const shopOrderFor = shopOrder(SHOP_STORY.stuckPaid[0]);
  return {
    database: MONGO_DATABASE,
    data: { [MONGO_DATABASE]: { orders, couponreservations, stripewebhookevents } },
    operations: [
      {
        opid: MONGO_STORY.slowOpid,
        secsRunning: 95,
        op: "command",
        ns: `${MONGO_DATABASE}.orders`,
        command: { aggregate: "orders", pipeline: [{ $match: { sellerId: shopOrderFor.sellerId } }, { $group: { _id: "$sellerId", revenue: { $sum: "$amount" } } }] },
        client: "10.0.3.17:51234",
        desc: "conn812 (revenue-cron)",
      },
    ],
    replicaLagSeconds: [1, 3],
  };
}

export const mongoShop: DemoModule = {
  id: "mongodb",
  async start(world: DemoWorld) {
    world.provide(MONGO_SHOP, mongoShopSeed());
  },
};
