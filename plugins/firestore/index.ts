import { definePlugin, provide, type ActionDefinition, type Logger, type PluginInstance, type ProbeDefinition } from "../plugin-api";
import { firestoreDoctor } from "./doctor";
import { ordersRef } from "../orders-api";
import { documentReaderRef, firestoreCollectionsRef, type DocumentReader } from "./api";
import { addInternalNote } from "./actions/add-internal-note";
import { recordStripeEvent } from "./actions/record-stripe-event";
import { setOrderStatus } from "./actions/set-order-status";
import { setPaymentIntent } from "./actions/set-payment-intent";
import { toggleAdminHold } from "./actions/toggle-admin-hold";
import { createFirestoreClient, credentialProjectId, detectApplicationDefaultProject } from "./client.server";
import { createCollections } from "./collections";
import { FirestoreConfigSchema, type FirestoreConfig } from "./config";
import { createOrdersLedger } from "./ledger";
import { opsHealthProbe } from "./probes/ops-health";
import { queryProbe } from "./probes/query-probe";
import { toPlain } from "./query";
import { abortable } from "./util";
import { startFirestoreSandbox, wildlifeExchangeConfig } from "./sandbox";

export default definePlugin<FirestoreConfig>({
  id: "firestore",
  title: "Firestore",
  description: "Live queries, ops-health documents, the orders ledger and single-document fixes.",
  config: FirestoreConfigSchema,
  doctor: firestoreDoctor,
  provides: [ordersRef, documentReaderRef, firestoreCollectionsRef],
  async demo({ log, world }) {
    // Seeded with the shop's story the world hands over (no world: an empty emulator).
    const sandbox = await startFirestoreSandbox({ catalog: world?.catalog });
    // One emulator for the portal and the demo shop, whose webhook receiver writes orders into it.
    if (world) {
      world.provide("firestore.emulator", { host: sandbox.host, projectId: sandbox.projectId });
      world.get<{ add(entry: object): void }>("sandboxes")?.add({
        id: "firestore",
        title: "Firestore emulator (gRPC)",
        baseUrl: sandbox.host,
        credentials: [
          { label: "Project id", value: sandbox.projectId },
          { label: "Environment", value: `FIRESTORE_EMULATOR_HOST=${sandbox.host}` },
        ],
        examples: [`FIRESTORE_EMULATOR_HOST=${sandbox.host} node -e "require('firebase-admin').initializeApp({projectId:'${sandbox.projectId}'}); require('firebase-admin/firestore').getFirestore().doc('orders/wx-1035').get().then(d => console.log(d.exists ? d.data() : 'no order wx-1035'))"`],
        notes: "No credentials: the emulator accepts any client that names the project. It speaks gRPC only (no REST).",
      });
    }
    log.info({ host: sandbox.host, projectId: sandbox.projectId }, "firestore demo: emulator seeded with Wildlife Exchange data");
    return { config: wildlifeExchangeConfig(sandbox), stop: sandbox.stop };
  },
  setup({ config, log }) {
    // Start refused, naming the key (the message never holds the key material itself).
    const refuse = (err: unknown) => new Error(`plugins.firestore.${(err as Error).message}`);
    let projectId: string | undefined;
    try {
      projectId = credentialProjectId(config);
    } catch (err) {
      throw refuse(err);
    }
    if (!projectId) {
      // Application-default credentials with nothing local: the metadata server names the project.
      return detectApplicationDefaultProject().then(
        (id) => connect(config, id, log),
        (err: Error) => {
          throw new Error(`plugins.firestore.projectId: not set, and application-default credentials name no project (${err.message})`);
        },
      );
    }
    return connect(config, projectId, log);
  },
});

function connect(settings: FirestoreConfig, projectId: string, log: Logger): PluginInstance {
    const config = { ...settings, projectId };
    let client: ReturnType<typeof createFirestoreClient>;
    try {
      client = createFirestoreClient(config);
    } catch (err) {
      throw new Error(`plugins.firestore.${(err as Error).message}`);
    }
    const probes: ProbeDefinition[] = [
      ...Object.entries(config.queries).map(([name, q]) => queryProbe(name, q, client, config.projectId)),
      ...Object.entries(config.opsHealth).map(([name, h]) => opsHealthProbe(name, h, client, config.projectId)),
    ];
    const actions: ActionDefinition[] = [];
    const documents: DocumentReader = {
      async get(path, signal) {
        const snap = await abortable(client.db.doc(path).get(), signal);
        return snap.exists ? (toPlain(snap.data()) as Record<string, unknown>) : null;
      },
    };
    // Backups read through a client of their own (integers as BigInt); it connects on first use.
    const collections = createCollections(config);
    const provides: Record<string, unknown> = { ...provide(documentReaderRef, documents), ...provide(firestoreCollectionsRef, collections) };
    if (config.orders) {
      Object.assign(provides, provide(ordersRef, createOrdersLedger(client, config.orders, log)));
      actions.push(
        setOrderStatus(client, config.orders),
        setPaymentIntent(client, config.orders),
        toggleAdminHold(client, config.orders),
        addInternalNote(client, config.orders),
      );
    }
    if (config.stripeEvents) actions.push(recordStripeEvent(client, config.stripeEvents.collection));
    return {
      probes,
      actions,
      provides,
      async stop() {
        await Promise.all([client.close(), collections.close()]);
      },
    };
}
