import type { WidgetSlot } from "./types";

/** Renders one directive's widget. Each kind's component is owned by its feature. */
export function Widget({ slot }: { slot: WidgetSlot }) {
  return (
    <div className={`widget widget-${slot.kind}`} data-widget={slot.kind} data-id={slot.id}>
      <span className="tag">{slot.kind}</span> <code>{slot.id}</code>
    </div>
  );
}
