/** Field names as people read them: `pendingWebhooks` → "Pending webhooks", `order_id` → "Order id". */
export function readableName(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/[_.-]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words[0].toUpperCase() + words.slice(1) : key;
}

/** Digits after the point for a currency (2 for usd, 0 for jpy); 2 when unknown. */
export function currencyDigits(currency: string | null | undefined): number {
  if (!currency) return 2;
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units (cents) → "$12.50"; the currency code when Intl does not know it. */
export function formatMoney(minor: number, currency: string | null | undefined): string {
  const digits = currencyDigits(currency);
  const major = minor / 10 ** digits;
  if (!currency) return major.toFixed(digits);
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${currency.toUpperCase()}`;
  }
}

/** "12.50" in major units → 1250 minor units; null when it is not an amount. */
export function toMinorUnits(text: string, currency: string | null | undefined): number | null {
  const t = text.trim().replace(/,/g, "");
  if (!/^\d+(\.\d+)?$/.test(t)) return null;
  const digits = currencyDigits(currency);
  const [whole, frac = ""] = t.split(".");
  if (frac.length > digits) return null;
  return Number(whole) * 10 ** digits + Number((frac + "0".repeat(digits)).slice(0, digits) || 0);
}

/** Input fields that hold money in minor units (Stripe-style `amount`, `amountRefunded`). */
export function isMoneyField(key: string): boolean {
  return /amount/i.test(key);
}
