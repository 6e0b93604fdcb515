import { Time } from "~/components/time";

/** "On call now / next" on the overview: one line per rotation (GET /api/oncall's data). */
export function OncallNow({ rotations }: { rotations: { name: string; now: string | null; next: { user: string; at: string } | null }[] }) {
  if (!rotations.length) return null;
  return (
    <p className="overview-oncall muted" data-testid="oncall-now">
      On call:{" "}
      {rotations.map((r, i) => (
        <span key={r.name} data-rotation={r.name}>
          {i ? " · " : ""}
          <b>{r.now ?? "nobody"}</b> ({r.name}
          {r.next ? (
            <>
              ; next {r.next.user} at <Time at={r.next.at} />
            </>
          ) : null}
          )
        </span>
      ))}
    </p>
  );
}
