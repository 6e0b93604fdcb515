// The Wildlife Exchange marketplace's facts: its buyers, orders, amounts and payments. The shop's
// modules read them from here and the world hands them to every plugin's sandbox (`world.catalog`,
// shaped by the plugin API), so the story is one story: the order stuck in Stripe is the one
// missing in Firestore. Pure data, no side effects.
import type { ShopCatalog, ShopOrder } from "../../plugins/plugin-api";

export type { ShopOrder };

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const order = (id: string, amount: number, buyerEmail: string, sellerId: string, paidAgo: number, extra: Partial<ShopOrder> = {}): ShopOrder => ({
  id,
  amount,
  currency: "usd",
  buyerEmail,
  sellerId,
  listingId: `lst-${id.slice(3)}`,
  customerId: `cus_${id.replace("-", "")}`,
  paymentIntentId: `pi_demo_${id.replace("-", "")}`,
  paidAgo,
  ...extra,
});

/** Every order of the story, by id. */
export const SHOP_ORDERS: Record<string, ShopOrder> = Object.fromEntries(
  [
    order("wx-1001", 45_000, "buyer1@example.com", "seller-11", 19 * DAY + 6 * MIN),
    order("wx-1002", 12_500, "buyer2@example.com", "seller-12", 18 * DAY + 6 * MIN),
    order("wx-1003", 89_900, "buyer3@example.com", "seller-13", 17 * DAY + 6 * MIN),
    order("wx-1004", 31_000, "buyer4@example.com", "seller-14", 16 * DAY + 6 * MIN),
    // "paid" in the app a few hours ago, but Stripe never saw a payment for it.
    order("wx-1030", 18_000, "ranch.supply@example.com", "seller-30", 5 * HOUR, { paymentIntentId: null }),
    order("wx-1031", 64_000, "m.ortega@example.com", "seller-31", 13 * MIN),
    order("wx-1032", 27_500, "hollis.farms@example.com", "seller-31", 48 * MIN),
    order("wx-1033", 152_000, "j.whitfield@example.com", "seller-31", 3 * HOUR + MIN),
    order("wx-1034", 9_900, "new.buyer@example.com", "seller-34", 4 * MIN),
    // Paid at Stripe after the signing secret was rotated: the order was never created.
    order("wx-1035", 41_000, "l.brennan@example.com", "seller-35", 95 * MIN),
    order("wx-1040", 72_000, "buyer40@example.com", "seller-40", 9 * DAY + 5 * MIN),
    order("wx-1041", 38_500, "buyer41@example.com", "seller-41", 10 * DAY + 5 * MIN),
    order("wx-1042", 240_000, "buyer42@example.com", "seller-42", 12 * DAY + 7 * MIN),
    order("wx-1043", 56_000, "buyer43@example.com", "seller-43", 11 * DAY + 3 * MIN),
    order("wx-1044", 33_000, "buyer44@example.com", "seller-44", 4 * DAY + 4 * MIN),
    order("wx-1045", 21_000, "buyer45@example.com", "seller-45", 3 * DAY + 3 * MIN),
    order("wx-1046", 47_500, "buyer46@example.com", "seller-46", 15 * DAY + 5 * MIN),
  ].map((o) => [o.id, o]),
);

export function shopOrder(id: string): ShopOrder {
  const o = SHOP_ORDERS[id];
  if (!o) throw new Error(`the demo shop has no order ${id}`);
  return o;
}

/** The story's trouble, by role, so tests and runbooks name the same orders. */
export const SHOP_STORY = {
  /** When the Stripe webhook signing secret was rotated (ms ago); nothing was delivered since. */
  secretRotatedAgo: 3 * HOUR + 10 * MIN,
  /** Paid at Stripe, no order in Firestore: reconcile's "paid in Stripe, no order". */
  paidNoOrder: "wx-1035",
  /** "paid" in Firestore, no Stripe payment: reconcile's "order paid, no payment". */
  paidWithoutPayment: "wx-1030",
  /** Seller payout transferred while the order is still "delivered". */
  transferNotCompleted: "wx-1046",
  transferAgo: 20 * HOUR,
  /** Orders paid since the rotation whose webhook never confirmed them. */
  stuckPaid: ["wx-1031", "wx-1032", "wx-1033"],
  disputed: "wx-1043",
} as const;

/** The shop's Stripe webhook route (what the shop's endpoint in Stripe points at). */
export const SHOP_STRIPE_WEBHOOK_PATH = "/api/stripe/webhook";

/** The demo's fixed Stripe test key: printable on purpose, it opens only the local sandbox. */
export const DEMO_STRIPE_KEY = "sk_test_opsdeck_demo_wildlife_exchange";

/** What the world hands to sandboxes (`world.catalog`) and tests hand to sandboxes they start. */
export const SHOP_CATALOG: ShopCatalog = { orders: SHOP_ORDERS, story: SHOP_STORY, order: shopOrder, stripeKey: DEMO_STRIPE_KEY };
