// The fields of a snooze (how long, and why), the same for an inbox alert and a probe row.
export function SnoozeFields({ busy }: { busy: boolean }) {
  return (
    <>
      <select name="duration" defaultValue="1h" aria-label="Snooze for">
        {["30m", "1h", "4h", "24h"].map((d) => (
          <option key={d}>{d}</option>
        ))}
      </select>
      <input name="comment" required minLength={3} maxLength={1000} placeholder="why" aria-label="Why" />
      <button type="submit" disabled={busy}>
        Snooze
      </button>
    </>
  );
}
