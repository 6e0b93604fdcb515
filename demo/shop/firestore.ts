// The shop's own connection to the Firestore emulator that the firestore plugin's sandbox runs
// and announces on the world as "firestore.emulator" (one emulator, shared by the shop and the portal).
import crypto from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore, type Settings } from "firebase-admin/firestore";
import type { DemoWorld } from "../../plugins/plugin-api";

/** What the firestore plugin's demo() provides on the world. */
export interface FirestoreEmulatorHandle {
  host: string;
  projectId: string;
}

export const FIRESTORE_EMULATOR = "firestore.emulator";

/**
 * Opens a Firestore client on the shared emulator once it is up (waiting a little for it during
 * start); closed when the world stops. Without the firestore plugin's sandbox it rejects.
 */
/** True once the emulator is announced (the shop records failures only then, never waiting). */
export const hasShopFirestore = (world: DemoWorld) => world.get(FIRESTORE_EMULATOR) !== undefined;

export function shopFirestore(world: DemoWorld): () => Promise<Firestore> {
  let opened: Promise<Firestore> | null = null;
  return () =>
    (opened ??= (async () => {
      const emulator = world.get<FirestoreEmulatorHandle>(FIRESTORE_EMULATOR) ?? (await world.waitFor<FirestoreEmulatorHandle>(FIRESTORE_EMULATOR, 5_000));
      const app = initializeApp({ projectId: emulator.projectId }, `demo-shop-${crypto.randomBytes(6).toString("hex")}`);
      // firebase-admin reads FIRESTORE_EMULATOR_HOST when the instance is built; it is process-global.
      const previous = process.env.FIRESTORE_EMULATOR_HOST;
      process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
      let db: Firestore;
      try {
        db = getFirestore(app);
        db.settings({ universeDomain: "googleapis.com" } as Settings);
      } finally {
        if (previous === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
        else process.env.FIRESTORE_EMULATOR_HOST = previous;
      }
      world.onStop(() => deleteApp(app));
      return db;
    })().catch((err) => {
      opened = null;
      throw err;
    }));
}
