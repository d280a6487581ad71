import type { EmulatedTemplate } from "../../emulators/graph.ts";
import { enqueueJob } from "../../jobs/repository.ts";
import { inTransaction } from "../../store/tx.ts";
import type { SandboxWorld } from "../world.ts";

/** The approved templates the sandbox's business has, so Send template has something to send. */
export const SANDBOX_TEMPLATES: EmulatedTemplate[] = [
  {
    name: "follow_up",
    language: "id",
    category: "UTILITY",
    components: [
      {
        type: "BODY",
        text: "Halo {{1}}, kami dari Toko Sejahtera ingin menindaklanjuti pertanyaan Kakak. Apakah masih ada yang bisa kami bantu?",
      },
    ],
  },
  {
    name: "follow_up",
    language: "en",
    category: "UTILITY",
    components: [
      {
        type: "BODY",
        text: "Hi {{1}}, this is Toko Sejahtera following up on your question. Is there anything else we can help with?",
      },
    ],
  },
  {
    name: "order_update",
    language: "id",
    category: "UTILITY",
    components: [{ type: "BODY", text: "Pesanan {{1}} Kakak sekarang berstatus: {{2}}." }],
  },
  {
    name: "feedback_request",
    language: "id",
    category: "MARKETING",
    components: [
      {
        type: "BODY",
        text: "Terima kasih sudah menghubungi Toko Sejahtera! Boleh bantu kami dengan menilai layanan kami hari ini?",
      },
    ],
  },
];

/**
 * Gives the sandbox's emulated WhatsApp account its templates and has the service sync them
 * now: the service's own sync at start may already have run against an empty account, and the
 * Send template modal lists only what was synced.
 */
export function seedSandboxTemplates(world: SandboxWorld): void {
  world.graph.setTemplates(SANDBOX_TEMPLATES);
  const db = world.service.db;
  inTransaction(db, () =>
    enqueueJob(db, {
      kind: "templates.sync",
      payload: null,
      dedupeKey: `templates.sync:sandbox:${Date.now()}`,
    }),
  );
  world.service.runner.wake();
}
