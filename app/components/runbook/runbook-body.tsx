import { useEffect, useRef, useState, type MouseEvent as ReactMouseEvent } from "react";
import { Widget } from "~/components/widgets/widget";
import type { RunbookBlock, TocEntry } from "~/lib/runbook";
import { NotConfigured } from "./not-configured";

/**
 * Follows an in-page link ourselves: a native fragment navigation fires popstate, and the
 * router's scroll restoration would then put the page back where it was.
 */
function jumpTo(hash: string, event: { preventDefault(): void }): void {
  let id = hash.slice(1);
  try {
    id = decodeURIComponent(id);
  } catch {
    return;
  }
  const target = id ? document.getElementById(id) : null;
  if (!target) return;
  event.preventDefault();
  window.history.pushState(window.history.state, "", `#${encodeURIComponent(id)}`);
  target.scrollIntoView({ block: "start" });
}

let mermaidReady: Promise<typeof import("mermaid").default> | null = null;
let mermaidCount = 0;

/** Draws one diagram (mermaid loads on first use); the source stays shown if it cannot be drawn. */
async function drawMermaid(block: HTMLElement): Promise<void> {
  const source = block.querySelector("code")?.textContent ?? "";
  if (!source.trim() || block.dataset.mermaidState) return;
  block.dataset.mermaidState = "drawing";
  try {
    mermaidReady ??= import("mermaid").then(({ default: mermaid }) => {
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "default", htmlLabels: false, flowchart: { htmlLabels: false } });
      return mermaid;
    });
    const [mermaid, { default: DOMPurify }] = await Promise.all([mermaidReady, import("dompurify")]);
    const { svg } = await mermaid.render(`mermaid-${++mermaidCount}`, source);
    const figure = document.createElement("div");
    figure.className = "mermaid-diagram";
    figure.setAttribute("role", "img");
    figure.setAttribute("aria-label", "Diagram");
    figure.innerHTML = DOMPurify.sanitize(svg, { USE_PROFILES: { svg: true, svgFilters: true, html: true } });
    block.prepend(figure);
    block.dataset.mermaidState = "drawn";
  } catch (err) {
    block.dataset.mermaidState = "failed";
    const note = document.createElement("p");
    note.className = "mermaid-error muted";
    note.textContent = `This diagram could not be drawn (${err instanceof Error ? err.message.split("\n")[0] : "mermaid error"}); its source is shown below.`;
    block.prepend(note);
  }
}

function isPlainClick(e: MouseEvent | ReactMouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

/**
 * The runbook text: sanitized HTML chunks with widgets between them. Task checkboxes keep their
 * state in the page (the incidents bar listens for ticks on `.runbook-body`); code blocks get a
 * working copy button.
 */
export function RunbookBody({ blocks }: { blocks: RunbookBlock[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const body = ref.current;
    if (!body) return;
    const onClick = (event: MouseEvent) => {
      const anchor = (event.target as HTMLElement | null)?.closest?.("a[href^='#']");
      if (anchor && body.contains(anchor) && isPlainClick(event)) {
        jumpTo(anchor.getAttribute("href") ?? "", event);
        return;
      }
      const button = (event.target as HTMLElement | null)?.closest?.("button[data-copy-code]");
      if (!button || !body.contains(button)) return;
      const code = button.parentElement?.querySelector("pre")?.textContent ?? "";
      const done = (label: string) => {
        button.textContent = label;
        window.setTimeout(() => (button.textContent = "Copy"), 1500);
      };
      if (navigator.clipboard?.writeText) navigator.clipboard.writeText(code).then(() => done("Copied"), () => done("Copy failed"));
      else done("Copy failed");
    };
    body.addEventListener("click", onClick);
    return () => body.removeEventListener("click", onClick);
  }, []);

  useEffect(() => {
    const body = ref.current;
    if (!body) return;
    const blocks = [...body.querySelectorAll<HTMLElement>("[data-mermaid]")];
    if (!blocks.length || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          observer.unobserve(entry.target);
          void drawMermaid(entry.target as HTMLElement);
        }
      },
      { rootMargin: "200px" },
    );
    blocks.forEach((b) => observer.observe(b));
    return () => observer.disconnect();
  }, [blocks]);

  return (
    <div className="runbook-body" ref={ref}>
      {blocks.map((b) =>
        b.type === "html" ? (
          <div key={b.key} className="runbook-chunk" dangerouslySetInnerHTML={{ __html: b.html }} />
        ) : b.type === "slot" ? (
          <div key={b.key} id={`slot-${b.slot.key}`} className="runbook-widget" data-slot-key={b.slot.key}>
            <Widget slot={b.slot} />
          </div>
        ) : b.type === "unconfigured" ? (
          <div key={b.key} className="runbook-widget">
            <NotConfigured widget={b.widget} />
          </div>
        ) : (
          <div key={b.key} className="directive-warning" role="alert">
            <strong>Line {b.line}:</strong> {b.message}
          </div>
        ),
      )}
    </div>
  );
}

/** The generated table of contents beside the text. */
export function RunbookToc({ toc }: { toc: TocEntry[] }) {
  // Folded on a phone (it sits below the text there), open beside the text on a desktop.
  const [compact, setCompact] = useState(false);
  useEffect(() => {
    if (window.matchMedia?.("(max-width: 900px)").matches) setCompact(true);
  }, []);
  if (!toc.length) return null;
  const min = Math.min(...toc.map((t) => t.depth));
  return (
    <nav className="runbook-toc" aria-label="On this page">
      <details open={!compact} onToggle={(e) => setCompact(!(e.currentTarget as HTMLDetailsElement).open)}>
      <summary className="runbook-toc-title">On this page</summary>
      <ul>
        {toc.map((t, i) => (
          <li key={`${t.id}-${i}`} style={{ paddingLeft: `${(t.depth - min) * 0.9}rem` }}>
            <a href={`#${encodeURIComponent(t.id)}`} onClick={(e) => isPlainClick(e) && jumpTo(`#${encodeURIComponent(t.id)}`, e)}>
              {t.text}
            </a>
          </li>
        ))}
      </ul>
      </details>
    </nav>
  );
}
