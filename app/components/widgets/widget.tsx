import { ActionWidget } from "~/components/widgets/action-widget";
import { ChartWidget } from "./chart-widget";
import { RunHistoryChart } from "./run-history";
import { SloWidget } from "./slo-widget";
import { StatusWidget } from "./status-widget";
import { TableWidget } from "./table-widget";
import type { WidgetSlot } from "~/lib/widgets";

/** Renders one directive's widget. Each kind's component is owned by its feature. */
export function Widget({ slot }: { slot: WidgetSlot }) {
  switch (slot.kind) {
    case "status":
      return <StatusWidget slot={slot} />;
    case "chart":
      return slot.attrs.view === "runs" ? <RunHistoryChart slot={slot} /> : <ChartWidget slot={slot} />;
    case "table":
      return <TableWidget slot={slot} />;
    case "action":
      return <ActionWidget slot={slot} />;
    case "slo":
      return <SloWidget slot={slot} />;
    default:
      return null;
  }
}
