// Ends one operation, and only one the slow-operations probe would show now (running at least the
// configured number of seconds): an id typed from elsewhere is refused.
import type { Db } from "mongodb";
import { z } from "zod";
import { action, ActionInputError } from "../../plugin-api";
import { slowOperations } from "../probes/server-health";

export const KillOpInput = z.object({
  opid: z.union([z.number().int().min(0).max(2 ** 53), z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/)]).describe("The operation id (opid) shown by mongodb.slow-operations"),
});
export type KillOpInput = z.infer<typeof KillOpInput>;

export function killOp(db: Db, seconds: number) {
  const find = async (opid: KillOpInput["opid"]) => {
    const ops = await slowOperations(db, seconds);
    const op = ops.find((o) => String(o.opid) === String(opid));
    if (!op) throw new ActionInputError(`operation ${opid} is not running longer than ${seconds} s now (it may have finished); nothing was killed`, { opid: ["not a slow operation now"] });
    return op;
  };
  return action<KillOpInput>({
    id: "kill-op",
    title: "Kill a slow MongoDB operation",
    description: `Ends one operation the slow-operations probe shows (running at least ${seconds} s) with killOp.`,
    input: KillOpInput,
    risk: "high",
    target: (input) => `op:${input.opid}`,
    timeout: "30s",
    async preview(input) {
      const op = await find(input.opid);
      return { summary: `kill operation ${op.opid}: ${op.op} on ${op.ns}, running ${op.secsRunning} s, from ${op.client}`, count: 1, before: op, rows: [{ ...op }] };
    },
    async run(input, ctx) {
      const op = await find(input.opid);
      await db.admin().command({ killOp: 1, op: typeof op.opid === "number" ? op.opid : String(op.opid) });
      ctx.log(`killOp sent for ${op.opid} (${op.ns}, ${op.secsRunning} s)`);
      return { summary: `asked MongoDB to kill operation ${op.opid} (${op.op} on ${op.ns}, ${op.secsRunning} s)`, rows: [{ ...op }] };
    },
  });
}
