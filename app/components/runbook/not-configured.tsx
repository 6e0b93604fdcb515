import type { UnconfiguredWidget } from "~/lib/runbook";

/** A widget or button of a plugin this install has not configured: what would configure it, not an error. */
export function NotConfigured({ widget }: { widget: UnconfiguredWidget }) {
  return (
    <div className="not-configured" data-not-configured={widget.id}>
      <p>
        <strong>Not configured here:</strong> {widget.kind} <code>{widget.id}</code>. {widget.reason}.
      </p>
      <details>
        <summary>YAML that would configure it (app-config.yaml)</summary>
        <pre>
          <code>{widget.snippet}</code>
        </pre>
        <p className="muted">
          Every key is described in <code>{widget.docs}</code>.
        </p>
      </details>
    </div>
  );
}
