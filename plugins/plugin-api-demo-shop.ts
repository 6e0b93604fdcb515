// Part of the plugin API (re-exported through plugins/plugin-api-demo-world.ts): the shape of the
// demo shop's story, which the world hands to sandboxes (`world.catalog`). The facts themselves
// live in demo/shop/catalog.ts; a plugin never imports them. No side effects.

/** One order of the demo shop, as every sandbox that talks about it tells it. */
export interface ShopOrder {
  id: string;
  amount: number;
  currency: "usd";
  buyerEmail: string;
  sellerId: string;
  listingId: string;
  /** Stripe customer and payment intent of the order's payment. */
  customerId: string;
  paymentIntentId: string | null;
  /** How long ago (ms) the buyer paid at Stripe. */
  paidAgo: number;
}

/** The story's trouble, by role, so sandboxes, tests and runbooks name the same orders. */
export interface ShopStory {
  /** When the Stripe webhook signing secret was rotated (ms ago); nothing was delivered since. */
  readonly secretRotatedAgo: number;
  /** Paid at Stripe, no order in the ledger: reconcile's "paid in Stripe, no order". */
  readonly paidNoOrder: string;
  /** "paid" in the ledger, no Stripe payment: reconcile's "order paid, no payment". */
  readonly paidWithoutPayment: string;
  /** Seller payout transferred while the order is still "delivered". */
  readonly transferNotCompleted: string;
  readonly transferAgo: number;
  /** Orders paid since the rotation whose webhook never confirmed them. */
  readonly stuckPaid: readonly string[];
  readonly disputed: string;
}

/** The demo shop's facts: its orders, the trouble they are in, and its Stripe test key. */
export interface ShopCatalog {
  readonly orders: Readonly<Record<string, ShopOrder>>;
  readonly story: ShopStory;
  /** The order with this id; throws for an id the story does not hold. */
  order(id: string): ShopOrder;
  /** The shop's fixed Stripe test key: printable on purpose, it opens only the local sandbox. */
  readonly stripeKey: string;
}
