import { doctorCheck, doctorMessage, type DoctorCheck, type DoctorContext } from "../plugin-api";
import { createFirestoreClient, credentialProjectId, detectApplicationDefaultProject, serviceAccountKey } from "./client.server";
import type { FirestoreConfig } from "./config";

/** gRPC status codes Firestore answers with, and what fixes each. */
function firestoreFix(projectId: string) {
  return (err: unknown): string => {
    const code = (err as { code?: number }).code;
    if (code === 7) return `grant the service account read access to Firestore in project ${projectId}: gcloud projects add-iam-policy-binding ${projectId} --member=serviceAccount:<client_email> --role=roles/datastore.viewer`;
    if (code === 16) return "the credential is refused (a revoked or deleted key?): create a new key for the service account and set it in plugins.firestore (FIREBASE_PRIVATE_KEY / serviceAccountJson)";
    if (code === 5) return `project ${projectId} has no such Firestore database: correct plugins.firestore.projectId or plugins.firestore.databaseId`;
    return "make Firestore (firestore.googleapis.com:443, or the emulatorHost) reachable from the portal";
  };
}

/**
 * The project the portal would read (configured or the credential's) and a real document read: each
 * configured health document and one document of each configured collection. A project that holds
 * none of them is named as the likely wrong project.
 */
export async function firestoreDoctor({ config, signal }: DoctorContext<FirestoreConfig>): Promise<DoctorCheck[]> {
  let projectId: string | undefined;
  const project = await doctorCheck(
    "project id",
    (err) => (/projectId|metadata|Could not load the default credentials|Unable to detect/i.test(doctorMessage(err)) ? "set plugins.firestore.projectId (or GOOGLE_CLOUD_PROJECT)" : "correct the credential in plugins.firestore (FIREBASE_CLIENT_EMAIL / FIREBASE_PRIVATE_KEY, serviceAccountFile or serviceAccountJson)"),
    async () => {
      projectId = credentialProjectId(config) ?? (await detectApplicationDefaultProject());
      const key = serviceAccountKey(config);
      const keyProject = key ? (key.projectId ?? undefined) : undefined;
      if (config.projectId && keyProject && keyProject !== config.projectId) {
        throw Object.assign(new Error(`plugins.firestore.projectId is ${config.projectId} but the service account's key is of project ${keyProject}`), { mismatch: keyProject });
      }
      const source = config.projectId ? "configured" : key ? "from the service account's key" : "from application-default credentials";
      return `${projectId} (${source})${config.emulatorHost ? `, emulator at ${config.emulatorHost}` : ""}${config.databaseId ? `, database ${config.databaseId}` : ""}`;
    },
  );
  if (!project.ok || !projectId) return [project];
  const pid = projectId;
  const client = createFirestoreClient({ ...config, projectId: pid });
  try {
    const documents = Object.entries(config.opsHealth).map(([name, h]) => ({ name, path: h.document }));
    const collections = [...new Set([...Object.values(config.queries).map((q) => q.collection), ...(config.orders ? [config.orders.collection] : []), ...(config.stripeEvents ? [config.stripeEvents.collection] : [])])];
    const checks: DoctorCheck[] = [project];
    const found: string[] = [];
    const empty: string[] = [];
    const read = await doctorCheck("document read", firestoreFix(pid), async () => {
      if (!documents.length && !collections.length) {
        const roots = await client.db.listCollections();
        return `project ${pid} answers: ${roots.length} root collection(s)`;
      }
      for (const c of collections) {
        if (signal.aborted) throw new Error("cancelled");
        const snap = await client.db.collection(c).limit(1).get();
        (snap.empty ? empty : found).push(c);
      }
      for (const d of documents) {
        const snap = await client.db.doc(d.path).get();
        (snap.exists ? found : empty).push(d.path);
      }
      if (!found.length) throw Object.assign(new Error(`project ${pid} holds no document in ${empty.join(", ")}`), { allEmpty: true });
      return `read ${found.join(", ")} in project ${pid}${empty.length ? `; nothing yet in ${empty.join(", ")}` : ""}`;
    });
    if (!read.ok && /holds no document in/.test(read.detail)) {
      read.fix = `the configured collections and documents are all empty in ${pid}: if that is the wrong project, set plugins.firestore.projectId (or the credential) to the project your app writes to (Firebase console → Project settings → Project ID)`;
    }
    checks.push(read);
    for (const d of documents) {
      if (read.ok && empty.includes(d.path)) {
        checks.push({ name: `health document ${d.name}`, ok: false, detail: `${d.path} does not exist in ${pid}`, fix: `correct plugins.firestore.opsHealth.${d.name}.document, or check that the job writes it` });
      }
    }
    return checks;
  } finally {
    await client.close();
  }
}
