// A local Firestore (the @firestore-emulator/server gRPC emulator, in-process), seeded with the
// trouble of the demo shop whose catalog it is given (the world's, or a test's), for tests and demo mode.
import { FirestoreServer } from "@firestore-emulator/server";
import { ServerCredentials, type Server } from "@grpc/grpc-js";
import type { ShopCatalog } from "../plugin-api";
import { createFirestoreClient, Timestamp, type Firestore } from "./client.server";

export interface FirestoreSandbox {
  host: string;
  port: number;
  projectId: string;
  stop(): Promise<void>;
}

/**
 * Starts the emulator on 127.0.0.1 with a free port (the package's own start() binds 0.0.0.0); with
 * `catalog` (`world.catalog` in demo mode) it is seeded with that shop's trouble, else it starts empty.
 */
export async function startFirestoreSandbox(opts: { projectId?: string; catalog?: ShopCatalog; now?: Date } = {}): Promise<FirestoreSandbox> {
  const projectId = opts.projectId ?? "wildlife-exchange-demo";
  const emulator = new FirestoreServer();
  const grpc = (emulator as unknown as { server: Server }).server;
  const port = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = `127.0.0.1:${port}`;
  if (opts.catalog) {
    const client = createFirestoreClient({ projectId, emulatorHost: host });
    try {
      await seedWildlifeExchange(client.db, opts.catalog, opts.now ?? new Date());
    } finally {
      await client.close();
    }
  }
  return {
    host,
    port,
    projectId,
    async stop() {
      emulator.stop();
    },
  };
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Ids of the seeded trouble, for tests and runbooks. */
export const SEEDED = {
  stuckPaid: ["wx-1031", "wx-1032", "wx-1033"],
  recentPaid: "wx-1034",
  paidWithoutIntent: "wx-1030",
  releaseOverdue: ["wx-1040", "wx-1041"],
  onHold: "wx-1042",
  disputed: "wx-1043",
  protectionRunning: "wx-1044",
  awaitingDelivery: "wx-1045",
  transferNotCompleted: "wx-1046",
  completed: ["wx-1001", "wx-1002", "wx-1003", "wx-1004"],
};

/**
 * The marketplace's state at the moment things went wrong: the webhook secret was rotated about
 * three hours ago (no events since, paid orders stuck), the auto-release cron has not run for six
 * hours (protected orders past their window are waiting), and revenue aggregation fails on a
 * missing index.
 */
export async function seedWildlifeExchange(db: Firestore, shop: ShopCatalog, now: Date): Promise<void> {
  const at = (msAgo: number) => Timestamp.fromMillis(now.getTime() - msAgo);
  const later = (ms: number) => Timestamp.fromMillis(now.getTime() + ms);
  const order = (id: string, d: Record<string, unknown>) => ({ id, data: { currency: "usd", adminHold: false, ...d } });
  // The shop's facts (buyer, seller, amount, payment) come from the one catalog every sandbox reads.
  const facts = (id: string) => {
    const o = shop.order(id);
    return { listingId: o.listingId, buyerEmail: o.buyerEmail, sellerId: o.sellerId, amount: o.amount, stripePaymentIntentId: o.paymentIntentId };
  };
  const paidAgo = (id: string) => shop.order(id).paidAgo;

  const orders = [
    ...[1, 2, 3, 4].map((n) =>
      order(`wx-100${n}`, {
        ...facts(`wx-100${n}`),
        listingId: `lst-${200 + n}`,
        status: "completed",
        stripePaymentIntentId: `pi_demo_wx100${n}`,
        stripeTransferId: `tr_demo_wx100${n}`,
        createdAt: at((20 - n) * DAY),
        paidAt: at((20 - n) * DAY - 5 * MIN),
        deliveryConfirmedAt: at((16 - n) * DAY),
        completedAt: at((13 - n) * DAY),
        webhook: { processedAt: at((20 - n) * DAY - 4 * MIN), eventId: `evt_demo_paid_wx100${n}` },
      }),
    ),
    order(shop.story.paidWithoutPayment, {
      ...facts(shop.story.paidWithoutPayment),
      listingId: "lst-230",
      status: "paid",
      stripePaymentIntentId: null,
      createdAt: at(paidAgo(shop.story.paidWithoutPayment) + 3 * MIN),
      paidAt: at(paidAgo(shop.story.paidWithoutPayment)),
      webhook: { processedAt: at(paidAgo(shop.story.paidWithoutPayment) - MIN), eventId: "evt_demo_paid_wx1030" },
    }),
    // Paid at Stripe after the secret rotation: the webhook never confirmed them.
    ...shop.story.stuckPaid.map((id) =>
      order(id, {
        ...facts(id),
        status: "paid",
        createdAt: at(paidAgo(id) + MIN),
        paidAt: at(paidAgo(id) - MIN),
        ...(id === "wx-1032" ? { webhook: { processedAt: null } } : {}),
      }),
    ),
    order("wx-1034", {
      ...facts("wx-1034"),
      status: "paid",
      createdAt: at(paidAgo("wx-1034")),
      paidAt: at(paidAgo("wx-1034") - MIN),
    }),
    // Protected transactions, delivered, window over: eligible, but auto-release has not run.
    ...["wx-1040", "wx-1041"].map((id, k) =>
      order(id, {
        ...facts(id),
        status: "delivered",
        protectedTransaction: true,
        createdAt: at((9 + k) * DAY),
        paidAt: at((9 + k) * DAY - 4 * MIN),
        deliveryConfirmedAt: at((5 + k) * DAY),
        protectionEndsAt: at((5 + k) * HOUR),
        webhook: { processedAt: at((9 + k) * DAY - 3 * MIN), eventId: `evt_demo_paid_${id.replace("-", "")}` },
      }),
    ),
    order("wx-1042", {
      ...facts("wx-1042"),
      status: "delivered",
      protectedTransaction: true,
      adminHold: true,
      adminHoldReason: "seller identity re-verification pending",
      createdAt: at(12 * DAY),
      paidAt: at(12 * DAY - 6 * MIN),
      deliveryConfirmedAt: at(8 * DAY),
      protectionEndsAt: at(3 * DAY),
      webhook: { processedAt: at(12 * DAY - 5 * MIN), eventId: "evt_demo_paid_wx1042" },
    }),
    order("wx-1043", {
      ...facts("wx-1043"),
      status: "delivered",
      protectedTransaction: true,
      disputeStatus: "needs_response",
      createdAt: at(11 * DAY),
      paidAt: at(11 * DAY - 2 * MIN),
      deliveryConfirmedAt: at(7 * DAY),
      protectionEndsAt: at(2 * DAY),
      webhook: { processedAt: at(11 * DAY - MIN), eventId: "evt_demo_paid_wx1043" },
    }),
    order("wx-1044", {
      ...facts("wx-1044"),
      status: "delivered",
      protectedTransaction: true,
      createdAt: at(4 * DAY),
      paidAt: at(4 * DAY - 3 * MIN),
      deliveryConfirmedAt: at(1 * DAY),
      protectionEndsAt: later(2 * DAY),
      webhook: { processedAt: at(4 * DAY - 2 * MIN), eventId: "evt_demo_paid_wx1044" },
    }),
    order("wx-1045", {
      ...facts("wx-1045"),
      status: "confirmed",
      protectedTransaction: true,
      createdAt: at(3 * DAY),
      paidAt: at(3 * DAY - 2 * MIN),
      protectionEndsAt: at(HOUR),
      webhook: { processedAt: at(3 * DAY - MIN), eventId: "evt_demo_paid_wx1045" },
    }),
    // Stripe transferred the payout, but the order never moved to completed.
    order("wx-1046", {
      ...facts("wx-1046"),
      status: "delivered",
      createdAt: at(15 * DAY),
      paidAt: at(15 * DAY - 4 * MIN),
      deliveryConfirmedAt: at(10 * DAY),
      webhook: { processedAt: at(15 * DAY - 3 * MIN), eventId: "evt_demo_paid_wx1046" },
    }),
  ];

  const events = [
    ["evt_demo_paid_wx1001", "payment_intent.succeeded", 19 * DAY, "wx-1001"],
    ["evt_demo_paid_wx1046", "payment_intent.succeeded", 15 * DAY, "wx-1046"],
    ["evt_demo_paid_wx1042", "payment_intent.succeeded", 12 * DAY, "wx-1042"],
    ["evt_demo_dispute_wx1043", "charge.dispute.created", 2 * DAY, "wx-1043"],
    ["evt_demo_paid_wx1030", "payment_intent.succeeded", shop.orders["wx-1030"].paidAgo - MIN, "wx-1030"],
    ["evt_demo_acct_update", "account.updated", 3 * HOUR + 10 * MIN, null],
  ] as const;

  const batch = db.batch();
  for (const o of orders) batch.set(db.collection("orders").doc(o.id), o.data);
  for (const [id, type, ago, orderId] of events) {
    batch.set(db.collection("stripeEvents").doc(id), { type, orderId, livemode: false, createdAt: at(ago), processedAt: at(ago - 2_000) });
  }
  batch.set(db.doc("opsHealth/stripeWebhook"), {
    lastWebhookAt: at(3 * HOUR + 10 * MIN),
    lastRunAt: at(3 * HOUR + 10 * MIN),
    processedCount: 212,
    errorsCount: 9,
    lastError: "No signatures found matching the expected signature for payload",
    lastErrorAt: at(6 * MIN),
  });
  batch.set(db.doc("opsHealth/autoReleaseProtected"), {
    lastRunAt: at(6 * HOUR + 20 * MIN),
    scannedCount: 14,
    releasedCount: 3,
    errorsCount: 0,
    lastError: null,
  });
  batch.set(db.doc("opsHealth/aggregateRevenue"), {
    lastRunAt: at(38 * MIN),
    scannedCount: 0,
    errorsCount: 2,
    lastError: "9 FAILED_PRECONDITION: The query requires an index on orders (paidAt ASC, __name__ ASC)",
  });
  batch.set(db.doc("adminRevenueAggregates/global"), { totalRevenueCents: 1_893_400, currency: "usd", ordersCount: 41, updatedAt: at(26 * HOUR) });
  batch.set(db.doc("adminRevenueAggState/global"), { lastPaidAt: at(26 * HOUR + 5 * MIN), lastOrderId: "wx-1004" });
  await batch.commit();
}

/** Plugin config for a seeded sandbox: the probes and ledger the Wildlife Exchange runbooks use. */
export function wildlifeExchangeConfig(sandbox: Pick<FirestoreSandbox, "host" | "projectId">) {
  return {
    projectId: sandbox.projectId,
    emulatorHost: sandbox.host,
    queries: {
      "stuck-paid-orders": {
        title: "Paid orders the webhook never processed (> 10 min)",
        every: "30s",
        collection: "orders",
        filters: [
          ["status", "==", "paid"],
          ["paidAt", "<", { ago: "10m" }],
          ["webhook.processedAt", "missing"],
        ],
        unit: "orders",
        thresholds: { warn: "> 0", critical: "> 2" },
        show: ["status", "paidAt", "amount", "currency", "buyerEmail", "stripePaymentIntentId"],
      },
      "recent-orders": {
        title: "Orders created in the last 24 h",
        every: "30s",
        collection: "orders",
        filters: [["createdAt", ">", { ago: "24h" }]],
        unit: "orders",
        show: ["status", "amount", "currency", "buyerEmail", "stripePaymentIntentId", "createdAt"],
      },
      "stripe-events-newest": {
        title: "Newest recorded Stripe event",
        collection: "stripeEvents",
        measure: "newest-age",
        field: "createdAt",
        thresholds: { warn: "> 60", critical: "> 180" },
        show: ["type", "createdAt", "orderId"],
      },
      "held-orders": {
        title: "Orders on admin hold",
        every: "30s",
        collection: "orders",
        filters: [["adminHold", "==", true]],
        unit: "orders",
        thresholds: { warn: "> 2" },
        show: ["status", "adminHoldReason", "protectionEndsAt", "amount", "currency"],
      },
      "open-disputes": {
        title: "Orders with an open dispute",
        every: "30s",
        collection: "orders",
        filters: [["disputeStatus", "in", ["needs_response", "under_review", "warning_needs_response", "open"]]],
        unit: "orders",
        thresholds: { warn: "> 0" },
        show: ["status", "disputeStatus", "amount", "currency"],
      },
      "release-overdue": {
        title: "Protected orders eligible for release but not released",
        every: "30s",
        collection: "orders",
        filters: [
          ["status", "==", "delivered"],
          ["protectionEndsAt", "<", { ago: "0s" }],
          ["deliveryConfirmedAt", "exists"],
          ["adminHold", "none-of", [true]],
          ["disputeStatus", "none-of", ["needs_response", "under_review", "warning_needs_response", "open"]],
        ],
        unit: "orders",
        thresholds: { warn: "> 0", critical: "> 5" },
        show: ["protectionEndsAt", "deliveryConfirmedAt", "amount", "currency", "sellerId"],
      },
      "revenue-aggregate-age": {
        title: "Age of the revenue aggregate",
        collection: "adminRevenueAggregates",
        measure: "newest-age",
        field: "updatedAt",
        thresholds: { warn: "> 120", critical: "> 1440" },
        show: ["totalRevenueCents", "currency", "ordersCount", "updatedAt"],
      },
    },
    opsHealth: {
      "stripe-webhook-health": {
        title: "Stripe webhook handler (opsHealth/stripeWebhook)",
        document: "opsHealth/stripeWebhook",
        interval: "1h",
        grace: "30m",
        fields: { lastRunAt: "lastWebhookAt", scanned: "processedCount" },
      },
      "autorelease-health": {
        title: "AutoRelease cron (opsHealth/autoReleaseProtected)",
        document: "opsHealth/autoReleaseProtected",
        interval: "10m",
        grace: "5m",
      },
      "revenue-aggregation-health": {
        title: "Revenue aggregation cron (opsHealth/aggregateRevenue)",
        document: "opsHealth/aggregateRevenue",
        interval: "1h",
        grace: "15m",
      },
    },
    orders: { collection: "orders" },
    stripeEvents: { collection: "stripeEvents" },
  };
}
