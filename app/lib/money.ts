// Money in rows read from a data source: amounts stored in minor units (cents) are shown in major
// units with their currency, never as a bare "240000".

/** "2,400.00 USD" from 240000 minor units of "usd" (JPY and other zero-decimal currencies too). */
export function formatMoney(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en-US", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // an unknown code: two decimals, as most currencies have
  }
  const major = minor / 10 ** digits;
  return `${major.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${code}`;
}

const MONEY_COLUMN = /^(amount|amount_?total|total_?amount|unit_?amount|price|.*cents)$/i;
const CURRENCY_COLUMN = /^currency(_?code)?$/i;

/** The row's currency when one column names it (`currency`, `currencyCode`, `currency_code`). */
export function rowCurrency(row: Record<string, unknown>): string | null {
  for (const [k, v] of Object.entries(row)) if (CURRENCY_COLUMN.test(k) && typeof v === "string" && /^[A-Za-z]{3}$/.test(v)) return v;
  return null;
}

/** A column's integer value in minor units with the row's currency, formatted; null when it is not money. */
export function moneyCell(column: string, value: unknown, currency: string | null): string | null {
  if (!currency || !MONEY_COLUMN.test(column) || typeof value !== "number" || !Number.isInteger(value)) return null;
  return formatMoney(value, currency);
}

/**
 * Currency columns a table need not show: in every row that names a currency there, an amount is
 * already written with it ("2,400.00 USD" beside "usd").
 */
export function currencyColumnsInAmounts(rows: readonly Record<string, unknown>[]): Set<string> {
  const columns = new Set(rows.flatMap((r) => Object.keys(r)).filter((k) => CURRENCY_COLUMN.test(k)));
  for (const c of columns) {
    const shown = rows.every((row) => {
      const currency = rowCurrency(row);
      if (row[c] === undefined || row[c] === null || row[c] === "") return true;
      return currency === row[c] && Object.keys(row).some((k) => moneyCell(k, row[k], currency) !== null);
    });
    if (!shown) columns.delete(c);
  }
  return columns;
}
