/** Shapes a runbook page receives from its loader. No server imports: shared with the browser. */
import type { WidgetSlot } from "~/lib/widgets";

/** One piece of a rendered runbook body, in document order. */
export type RunbookBlock =
  | { type: "html"; key: string; html: string }
  | { type: "slot"; key: string; slot: WidgetSlot }
  | { type: "warning"; key: string; message: string; line: number }
  | { type: "unconfigured"; key: string; widget: UnconfiguredWidget; line: number };

/** A probe or action of an installed plugin that this install has not configured: shown with the YAML that would. */
export interface UnconfiguredWidget {
  id: string;
  kind: "probe" | "action";
  plugin: string;
  pluginTitle: string;
  /** The plugin is configured, but not with this id (a config-declared probe, an optional section). */
  pluginConfigured: boolean;
  reason: string;
  snippet: string;
  docs: string;
}

export interface TocEntry {
  depth: number;
  id: string;
  text: string;
}

export interface RunbookSummary {
  /** Path under the runbooks folder, without `.md` (the page is `/runbooks/<path>`). */
  path: string;
  title: string;
  owner: string | null;
  service: string | null;
  severity: string | null;
  tags: string[];
  plugins: string[];
  /** ISO time of the file's last change. */
  updatedAt: string;
}

export interface RunbookPageData extends RunbookSummary {
  blocks: RunbookBlock[];
  toc: TocEntry[];
  /** Problems with the file itself (invalid UTF-8, bad front matter), shown above the text. */
  warnings: string[];
}

/** One problem `lint:runbooks` reports. */
export interface LintProblem {
  /** Path under the runbooks folder, with `.md`. */
  file: string;
  line: number;
  message: string;
  /** A probe or action of an installed plugin this install has not configured: reported apart, not a failure. */
  notConfigured?: boolean;
}
