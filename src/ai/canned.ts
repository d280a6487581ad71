/** Fixed customer-facing texts, per language, for paths that do not use the model. */
export type Lang = "id" | "en";

const TEXTS = {
  /** Prefixed to the first AI reply of a conversation. */
  disclosure: {
    id: "🤖 Halo Kak, saya asisten otomatis. Ketik *CS* kapan saja untuk bicara dengan tim kami.",
    en: "🤖 Hi, I'm an automated assistant. Type *agent* at any time to talk to a person from our team.",
  },
  /** A human will take over (handoff bridge until the Slack side sends its own). */
  handoff: {
    id: "Baik Kak, pesan Kakak sudah kami teruskan ke tim kami. Mohon tunggu sebentar ya, kami segera membalas 🙏",
    en: "Thanks, I've passed your message on to our team. Someone will reply here shortly 🙏",
  },
  /** The model could not answer (outage, failures): graceful message + handoff. */
  unavailable: {
    id: "Mohon maaf Kak, asisten kami sedang mengalami gangguan. Pesan Kakak sudah kami teruskan ke tim kami dan akan segera dibalas 🙏",
    en: "Sorry, our assistant is having trouble right now. Your message has been passed to our team and someone will reply shortly 🙏",
  },
  /** Kill switch off: static auto-reply. */
  aiOff: {
    id: "Terima kasih sudah menghubungi kami, Kak. Tim kami akan membalas pesan Kakak secepatnya 🙏",
    en: "Thanks for contacting us. A member of our team will reply to you as soon as possible 🙏",
  },
  /** Rate limit or token budget exceeded. */
  busy: {
    id: "Terima kasih, Kak. Supaya Kakak terlayani dengan baik, percakapan ini kami lanjutkan dengan tim kami. Mohon tunggu balasannya ya 🙏",
    en: "Thank you. To look after you properly, a member of our team will continue this conversation. Please wait for their reply 🙏",
  },
  /** Opt-out confirmation (sent once). */
  optOut: {
    id: "Baik Kak, Kakak tidak akan menerima pesan dari kami lagi. Jika ingin menghubungi kami kembali, cukup kirim pesan kapan saja.",
    en: "Done: you won't receive any more messages from us. If you want to reach us again, just send a message at any time.",
  },
  /** Voice notes, videos, stickers we cannot read. */
  askForText: {
    id: "Maaf Kak, saya belum bisa membuka pesan suara, video, atau stiker. Boleh ditulis dalam bentuk teks? Ketik *CS* kalau ingin bicara dengan tim kami.",
    en: "Sorry, I can't open voice notes, videos or stickers yet. Could you type your message instead? Type *agent* to talk to our team.",
  },
} as const satisfies Record<string, Record<Lang, string>>;

export type CannedText = keyof typeof TEXTS;

export function canned(key: CannedText, lang: Lang): string {
  return TEXTS[key][lang];
}
