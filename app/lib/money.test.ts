import { describe, expect, it } from "vitest";
import { currencyColumnsInAmounts, formatMoney, moneyCell, rowCurrency } from "./money";

describe("money in rows", () => {
  it("writes minor units with their currency", () => {
    expect(formatMoney(240000, "usd")).toBe("2,400.00 USD");
    expect(formatMoney(1200, "JPY")).toBe("1,200 JPY");
    expect(moneyCell("amount", 240000, rowCurrency({ amount: 240000, currency: "usd" }))).toBe("2,400.00 USD");
  });

  it("drops a currency column only where every row's amount already carries it", () => {
    const orders = [
      { id: "o1", amount: 240000, currency: "usd" },
      { id: "o2", amount: 1999, currency: "eur" },
      { id: "o3", amount: null, currency: null },
    ];
    expect([...currencyColumnsInAmounts(orders)]).toEqual(["currency"]);
    // A row whose currency no amount shows keeps the column (its amount is text, not minor units).
    expect([...currencyColumnsInAmounts([...orders, { id: "o4", amount: "12.50", currency: "gbp" }])]).toEqual([]);
    // No amount column at all: the currency is the only place it is said.
    expect([...currencyColumnsInAmounts([{ customer: "c1", currency_code: "usd" }])]).toEqual([]);
    expect([...currencyColumnsInAmounts([])]).toEqual([]);
  });
});
