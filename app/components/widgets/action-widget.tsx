import type { WidgetSlot } from "./types";

// Placeholder until the actions issue lands its guarded button and dialog here.
export function ActionWidget({ slot }: { slot: WidgetSlot }) {
  return (
    <div className="widget widget-action" data-widget="action" data-id={slot.id}>
      <span className="tag">action</span> <code>{slot.id}</code>
    </div>
  );
}
