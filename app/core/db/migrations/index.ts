import type { Migration } from "kysely";
import * as m001 from "./001-foundation";
import * as m002 from "./002-probes";
import * as m003 from "./003-actions-audit";
import * as m004 from "./004-incidents";
import * as m005 from "./005-approval-requests";
import * as m006 from "./006-run-origins";
import * as m007 from "./007-run-requests";
import * as m008 from "./008-runbook-freshness";
import * as m009 from "./009-audit-mac";
import * as m010 from "./010-scheduler-ticks";
import * as m011 from "./011-sso-users";
import * as m012 from "./012-alerts";
import * as m013 from "./013-notifications";

/** The one ordered list of migrations. Each feature owns its file. */
export const migrations: Record<string, Migration> = {
  "001-foundation": m001,
  "002-probes": m002,
  "003-actions-audit": m003,
  "004-incidents": m004,
  "005-approval-requests": m005,
  "006-run-origins": m006,
  "007-run-requests": m007,
  "008-runbook-freshness": m008,
  "009-audit-mac": m009,
  "010-scheduler-ticks": m010,
  "011-sso-users": m011,
  "012-alerts": m012,
  "013-notifications": m013,
};
