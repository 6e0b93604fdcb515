// The demo's configuration: seed 001's order-health queries as its team writes them, with the
// alerts it names ("stuck paid orders > 0 for 10m", "coupon reservation leaks for > 30m").
export function demoConfig(uri: string, database: string) {
  return {
    uri,
    database,
    readPreference: "secondaryPreferred",
    maxTimeMS: 5000,
    maxRows: 200,
    queries: {
      "paid-unconfirmed": {
        title: "Paid but unconfirmed orders",
        query: `db.orders.countDocuments({ status: "paid", "webhook.processedAt": null })`,
        measure: "count",
        unit: "orders",
        thresholds: { warn: "> 0", critical: "> 0 for 10m" },
      },
      "stuck-paid": {
        title: "Stuck paid orders (paid, unprocessed, untouched for 10 minutes)",
        query: `db.orders.find({ status: "paid", "webhook.processedAt": null, updatedAt: { $lt: new Date(Date.now() - 10 * 60 * 1000) } })`,
        measure: "count",
        unit: "orders",
        thresholds: { critical: "> 0" },
      },
      "invoice-failed": {
        title: "Orders whose invoice failed",
        query: `db.orders.countDocuments({ "invoice.status": "failed" })`,
        measure: "count",
        unit: "orders",
        thresholds: { warn: "> 0" },
      },
      "coupon-leaks": {
        title: "Coupon reservations reserved past their expiry",
        query: `db.couponreservations.countDocuments({ status: "reserved", expiresAt: { $lt: new Date() } })`,
        measure: "count",
        unit: "reservations",
        thresholds: { warn: "> 0", critical: "> 0 for 30m" },
      },
      "webhooks-unfinished": {
        title: "Stripe webhook events received but not finalized (older than 10 minutes)",
        query: `db.stripewebhookevents.find({ status: { $ne: "processed" }, createdAt: { $lt: new Date(Date.now() - 10 * 60 * 1000) } })`,
        measure: "count",
        unit: "events",
        thresholds: { warn: "> 0" },
      },
    },
    health: { slowOperationSeconds: 30 },
    fixes: {
      orders: { fields: ["status", "webhook.processedAt", "invoice.status"] },
      couponreservations: { fields: ["status"] },
      stripewebhookevents: { fields: ["status"] },
    },
  };
}
