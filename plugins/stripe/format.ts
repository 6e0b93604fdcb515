/** 18900, "usd" → "189.00 USD" (zero-decimal currencies such as JPY print as they are). */
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);

export function formatAmount(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined) return "—";
  const cur = (currency ?? "usd").toLowerCase();
  const value = ZERO_DECIMAL.has(cur) ? String(amount) : (amount / 100).toFixed(2);
  return `${value} ${cur.toUpperCase()}`;
}

export const isoFromSeconds = (s: number) => new Date(s * 1000).toISOString();
export const nowSeconds = (d: Date) => Math.floor(d.getTime() / 1000);
