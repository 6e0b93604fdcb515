// The guard pipeline, one concern per module: submit (authenticate → … → run), approvals
// (decide, expire, review) and run transitions (start, cancel, the one audited status change).
export { describeAction, previewAction, submitAction, type SubmitOptions } from "./submit.server";
export { decideApproval, expireRequest, reviewBreakGlass } from "./approvals.server";
export { cancelRun, startRun } from "./run-start.server";
export { transitionRun } from "./transitions.server";
export { describeTarget, mayRun, requiredRole, viaOf, type Actorish, type RunAnswer } from "./policy.server";
