import { SEVERITY_INFO, type Severity } from "~/lib/incidents";

export function SeverityBadge({ severity }: { severity: Severity | string }) {
  const info = SEVERITY_INFO[severity as Severity];
  return (
    <span className={`sev-badge sev-${severity}`} title={info ? `${info.label}: response ${info.response}. ${info.meaning}` : undefined}>
      {severity}
      {info ? <span className="sev-label"> {info.label}</span> : null}
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`inc-status inc-status-${status}`}>{status}</span>;
}

export function FieldError({ errors, name }: { errors?: Record<string, string[]> | null; name: string }) {
  const list = errors?.[name];
  if (!list?.length) return null;
  return (
    <p className="field-error" role="alert" id={`${name}-error`}>
      {list.join(" ")}
    </p>
  );
}
