import { describe, expect, it } from "vitest";
import { translate } from "./sandbox";

describe("PostgREST query string → SQL", () => {
  it("translates filters, select, order, limit and offset with values as parameters", () => {
    const t = translate(new URLSearchParams("select=id,status&status=eq.paid&amount_cents=gte.1000&id=in.(wx-1,\"wx,2\")&customer_email=ilike.*ortega*&transfer_id=is.null&order=updated_at.desc.nullslast,id&limit=10&offset=20"));
    expect(t.columns).toBe('"id", "status"');
    expect(t.where).toBe(' where "status" = $1 and "amount_cents" >= $2 and "id"::text = any($3::text[]) and "customer_email" ilike $4 and "transfer_id" is null');
    expect(t.params).toEqual(["paid", "1000", ["wx-1", "wx,2"], "%ortega%"]);
    expect(t.order).toBe(' order by "updated_at" desc nulls last, "id" asc');
    expect([t.limit, t.offset]).toEqual([10, 20]);
    expect(translate(new URLSearchParams("status=not.eq.paid")).where).toBe(' where not ("status" = $1)');
  });

  it("refuses what PostgREST would refuse, as a 400 with PGRST100", () => {
    for (const q of ["status=paid", "status=between.1", 'select=id;drop table orders', "x%20y=eq.1", "limit=-1", "flag=is.maybe"]) {
      expect(() => translate(new URLSearchParams(q)), q).toThrow(expect.objectContaining({ status: 400, body: expect.objectContaining({ code: "PGRST100" }) }));
    }
  });
});
