// A local Firestore (the @firestore-emulator/server gRPC emulator, in-process) seeded with the
// Wildlife Exchange marketplace's trouble, for tests and demo mode.
import { FirestoreServer } from "@firestore-emulator/server";
import { ServerCredentials, type Server } from "@grpc/grpc-js";
import { createFirestoreClient, Timestamp, type Firestore } from "./client.server";

export interface FirestoreSandbox {
  host: string;
  port: number;
  projectId: string;
  stop(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 with a free port (the package's own start() binds 0.0.0.0). */
export async function startFirestoreSandbox(opts: { projectId?: string; seed?: boolean; now?: Date } = {}): Promise<FirestoreSandbox> {
  const projectId = opts.projectId ?? "wildlife-exchange-demo";
  const emulator = new FirestoreServer();
  const grpc = (emulator as unknown as { server: Server }).server;
  const port = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = `127.0.0.1:${port}`;
  if (opts.seed !== false) {
    const client = createFirestoreClient({ projectId, emulatorHost: host });
    try {
      await seedWildlifeExchange(client.db, opts.now ?? new Date());
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
export async function seedWildlifeExchange(db: Firestore, now: Date): Promise<void> {
  const at = (msAgo: number) => Timestamp.fromMillis(now.getTime() - msAgo);
  const later = (ms: number) => Timestamp.fromMillis(now.getTime() + ms);
  const order = (id: string, d: Record<string, unknown>) => ({ id, data: { currency: "usd", adminHold: false, ...d } });

  const orders = [
    ...[1, 2, 3, 4].map((n) =>
      order(`wx-100${n}`, {
        listingId: `lst-${200 + n}`,
        buyerEmail: `buyer${n}@example.com`,
        sellerId: `seller-${10 + n}`,
        amount: [45_000, 12_500, 89_900, 31_000][n - 1],
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
    order("wx-1030", {
      listingId: "lst-230",
      buyerEmail: "ranch.supply@example.com",
      sellerId: "seller-30",
      amount: 18_000,
      status: "paid",
      stripePaymentIntentId: null,
      createdAt: at(2 * DAY),
      paidAt: at(2 * DAY - 3 * MIN),
      webhook: { processedAt: at(2 * DAY - 2 * MIN), eventId: "evt_demo_paid_wx1030" },
    }),
    // Paid at Stripe after the secret rotation: the webhook never confirmed them.
    ...[
      ["wx-1031", 12 * MIN, 64_000, "m.ortega@example.com"],
      ["wx-1032", 47 * MIN, 27_500, "hollis.farms@example.com"],
      ["wx-1033", 3 * HOUR, 152_000, "j.whitfield@example.com"],
    ].map(([id, ago, amount, email]) =>
      order(id as string, {
        listingId: `lst-${(id as string).slice(3)}`,
        buyerEmail: email,
        sellerId: "seller-31",
        amount,
        status: "paid",
        stripePaymentIntentId: `pi_demo_${(id as string).replace("-", "")}`,
        createdAt: at((ago as number) + 2 * MIN),
        paidAt: at(ago as number),
        ...(id === "wx-1032" ? { webhook: { processedAt: null } } : {}),
      }),
    ),
    order("wx-1034", {
      listingId: "lst-1034",
      buyerEmail: "new.buyer@example.com",
      sellerId: "seller-34",
      amount: 9_900,
      status: "paid",
      stripePaymentIntentId: "pi_demo_wx1034",
      createdAt: at(4 * MIN),
      paidAt: at(3 * MIN),
    }),
    // Protected transactions, delivered, window over: eligible, but auto-release has not run.
    ...["wx-1040", "wx-1041"].map((id, k) =>
      order(id, {
        listingId: `lst-${id.slice(3)}`,
        buyerEmail: `buyer${40 + k}@example.com`,
        sellerId: `seller-${40 + k}`,
        amount: [72_000, 38_500][k],
        status: "delivered",
        stripePaymentIntentId: `pi_demo_${id.replace("-", "")}`,
        protectedTransaction: true,
        createdAt: at((9 + k) * DAY),
        paidAt: at((9 + k) * DAY - 4 * MIN),
        deliveryConfirmedAt: at((5 + k) * DAY),
        protectionEndsAt: at((5 + k) * HOUR),
        webhook: { processedAt: at((9 + k) * DAY - 3 * MIN), eventId: `evt_demo_paid_${id.replace("-", "")}` },
      }),
    ),
    order("wx-1042", {
      listingId: "lst-1042",
      buyerEmail: "buyer42@example.com",
      sellerId: "seller-42",
      amount: 240_000,
      status: "delivered",
      stripePaymentIntentId: "pi_demo_wx1042",
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
      listingId: "lst-1043",
      buyerEmail: "buyer43@example.com",
      sellerId: "seller-43",
      amount: 56_000,
      status: "delivered",
      stripePaymentIntentId: "pi_demo_wx1043",
      protectedTransaction: true,
      disputeStatus: "needs_response",
      createdAt: at(11 * DAY),
      paidAt: at(11 * DAY - 2 * MIN),
      deliveryConfirmedAt: at(7 * DAY),
      protectionEndsAt: at(2 * DAY),
      webhook: { processedAt: at(11 * DAY - MIN), eventId: "evt_demo_paid_wx1043" },
    }),
    order("wx-1044", {
      listingId: "lst-1044",
      buyerEmail: "buyer44@example.com",
      sellerId: "seller-44",
      amount: 33_000,
      status: "delivered",
      stripePaymentIntentId: "pi_demo_wx1044",
      protectedTransaction: true,
      createdAt: at(4 * DAY),
      paidAt: at(4 * DAY - 3 * MIN),
      deliveryConfirmedAt: at(1 * DAY),
      protectionEndsAt: later(2 * DAY),
      webhook: { processedAt: at(4 * DAY - 2 * MIN), eventId: "evt_demo_paid_wx1044" },
    }),
    order("wx-1045", {
      listingId: "lst-1045",
      buyerEmail: "buyer45@example.com",
      sellerId: "seller-45",
      amount: 21_000,
      status: "confirmed",
      stripePaymentIntentId: "pi_demo_wx1045",
      protectedTransaction: true,
      createdAt: at(3 * DAY),
      paidAt: at(3 * DAY - 2 * MIN),
      protectionEndsAt: at(HOUR),
      webhook: { processedAt: at(3 * DAY - MIN), eventId: "evt_demo_paid_wx1045" },
    }),
    // Stripe transferred the payout, but the order never moved to completed.
    order("wx-1046", {
      listingId: "lst-1046",
      buyerEmail: "buyer46@example.com",
      sellerId: "seller-46",
      amount: 47_500,
      status: "delivered",
      stripePaymentIntentId: "pi_demo_wx1046",
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
    ["evt_demo_paid_wx1030", "payment_intent.succeeded", 2 * DAY, "wx-1030"],
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
  batch.set(db.doc("adminRevenueAggregates/global"), { totalRevenueCents: 1_893_400, ordersCount: 41, updatedAt: at(26 * HOUR) });
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
        show: ["status", "paidAt", "amount", "buyerEmail", "stripePaymentIntentId"],
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
        show: ["status", "adminHoldReason", "protectionEndsAt", "amount"],
      },
      "open-disputes": {
        title: "Orders with an open dispute",
        every: "30s",
        collection: "orders",
        filters: [["disputeStatus", "in", ["needs_response", "under_review", "warning_needs_response", "open"]]],
        unit: "orders",
        thresholds: { warn: "> 0" },
        show: ["status", "disputeStatus", "amount"],
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
        show: ["protectionEndsAt", "deliveryConfirmedAt", "amount", "sellerId"],
      },
      "revenue-aggregate-age": {
        title: "Age of the revenue aggregate",
        collection: "adminRevenueAggregates",
        measure: "newest-age",
        field: "updatedAt",
        thresholds: { warn: "> 120", critical: "> 1440" },
        show: ["totalRevenueCents", "ordersCount", "updatedAt"],
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
