import { normalizeWords } from "./normalize-text.ts";

// The detectors match intents ("request verb + person noun"), but customers spell the same noun
// a dozen ways: "adminnya", "admin nya", "admin-nya", "admin2", "adminn", "amdin", "costumer
// servis", "kastemer servis". normalize-text.ts makes one canonical form of the letters; this
// module makes one canonical form of the words the detectors key on, so that their word lists
// name each word once. Only words of a closed list (the detectors' key nouns and verbs) are
// rewritten: a general stemmer would turn ordinary words into key words ("barang" is not
// "orang"). Every step is a per-word look-up or an O(length) comparison: linear in the text.

// Spelling variants and synonyms, mapped to the form the detectors' lists use.
const VARIANTS: Record<string, string> = {
  costumer: "customer",
  kastemer: "customer",
  kustomer: "customer",
  custumer: "customer",
  castemer: "customer",
  servis: "service",
  servise: "service",
  sevice: "service",
  staff: "staf",
  mimin: "admin",
  admn: "admin",
  hooman: "human",
  humen: "human",
  operater: "operator",
  representatif: "representative",
  manajer: "manager",
  spv: "supervisor",
  cust: "customer",
  contcat: "contact",
  skrng: "sekarang",
  skrg: "sekarang",
  skg: "sekarang",
  lgsg: "langsung",
  lgsung: "langsung",
  lsg: "langsung",
  gw: "gue",
  gua: "gue",
  mo: "mau",
  mw: "mau",
  gausah: "usah",
  ngak: "tidak",
  tolongin: "tolong",
  telp: "telpon",
  tlp: "telpon",
  telepon: "telpon",
  sambungin: "sambungkan",
  hubungin: "hubungkan",
  operin: "oper",
  operkan: "oper",
  balas: "bales",
  balesin: "bales",
};

// Key words that a one-letter slip may reach: the person nouns and the verbs around them. Short
// words are left alone (a slip in "admin" is "admit", a word of its own).
const FUZZY_TARGETS = `
  customer service servis support manusia petugas pegawai karyawan operator supervisor
  representative manager pelanggan layanan bicara berbicara ngomong ngobrol chatting speak talk
  sambungkan hubungkan hubungi telpon contact connect transfer switch human admin orang agent
  person someone somebody atasan pemilik pihak bagian beneran kalian sekarang dimana disini right
  pengiriman butuh bantuan dibantu dilayani tolong segera please thank urgent available bales balas
  sudah jangan hapus pesan pesannya messages message marketing notifikasi notif broadcast
  unsubscribe keluarkan keluarin kirim ganggu promo membership premium langganan berlangganan
  berhenti tidak jangan dont dengan minta online thanks pindahkan oper ngirim kirimin kirimi
  mengirim menerima terima dapat dapet lagi spam spamming sending texting messaging contacting
  remove delete daftar database iklan ingin kontak dikirimi optout actual escalate required owner
  bertugas anymore notifications nomor unsub hentikan again never kemarin kemana panggil perlu
  there request could diajak
`
  .trim()
  .split(/\s+/);
// The spelling variants are key words too: a slip in "costumer" or "mimin" is still them.
for (const variant of Object.keys(VARIANTS)) {
  if (variant.length >= 5) FUZZY_TARGETS.push(variant);
}
const FUZZY_SET = new Set(FUZZY_TARGETS);

// Ordinary words one edit away from a key word that must stay themselves.
const NOT_TYPOS = new Set(
  "barang orange organ humane humans agents persons services connects connected contacts contacted transfers transferred manage managed managers admins admit adman supports supported customers customs pelayanan sepak massage massages talks speaks pesanan pesawat kiriman sudahlah three".split(
    " ",
  ),
);

// Nouns (and verbs) whose clitic, reduplication or doubled last letter is stripped: "adminnya",
// "admin2", "adminn". Clitics on other words carry meaning the detectors read ("aturanmu").
const STEMS = new Set([
  ...FUZZY_TARGETS,
  ..."cs staf agen owner pemilik atasan toko penjual seller pihak bagian tim team asli beneran kirim pesan promo notif spam chat kak dong deh sih please pengiriman gudang teknis bertugas online kalian".split(
    " ",
  ),
]);

const CLITICS = ["nya", "ku", "mu"] as const;

/** Whether `a` and `b` differ by exactly one swap of neighbouring letters. O(length). */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i >= a.length - 1) return false;
  return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** Whether `a` and `b` differ by one substitution, insertion or deletion. O(length). */
function isOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * The key word a slip of the thumb most likely meant, or `null`: a swap of neighbouring letters
 * for any key word of five letters or more, any single edit for words of seven or more.
 */
export function correctTypo(word: string): string | null {
  if (word.length < 5 || word.length > 16 || FUZZY_SET.has(word) || NOT_TYPOS.has(word)) {
    return null;
  }
  for (const target of FUZZY_TARGETS) {
    if (isTransposition(word, target)) return VARIANTS[target] ?? target;
    if (target.length >= 7 && word.length >= 7 && isOneEdit(word, target)) {
      return VARIANTS[target] ?? target;
    }
  }
  return null;
}

// One word to its canonical form, without the clitic (handled by the caller).
function canonicalWord(word: string): string {
  const variant = VARIANTS[word];
  if (variant !== undefined) return variant;
  if (STEMS.has(word)) return word;
  // "admin2", "kirim2": reduplication written with a digit.
  if (word.endsWith("2") && word.length > 2) return canonicalWord(word.slice(0, -1));
  // "adminn", "dongg": a doubled last letter (three or more are collapsed by normalize-text.ts).
  const last = word.at(-1);
  if (last !== undefined && word.length > 3 && word.at(-2) === last) {
    const single = word.slice(0, -1);
    if (STEMS.has(single) || VARIANTS[single] !== undefined) return canonicalWord(single);
  }
  return correctTypo(word) ?? word;
}

// "orangnya" (the person, someone in particular) names a person where a bare "orang" need not.
const DEFINITE = new Set(["orang"]);

// A word with an attached clitic whose stem is a key word: "adminnya" → "admin".
function stripClitic(word: string): string | null {
  for (const clitic of CLITICS) {
    if (word.length <= clitic.length + 1 || !word.endsWith(clitic)) continue;
    const stem = canonicalWord(word.slice(0, -clitic.length));
    if (clitic === "nya" && DEFINITE.has(stem)) return `${stem}nya`;
    if (STEMS.has(stem)) return stem;
  }
  return null;
}

/**
 * Canonical words for the detectors: {@link normalizeWords}, then for the detectors' key words
 * only: spelling variants and synonyms ("costumer servis" → "customer service"), clitics
 * attached or detached ("adminnya", "admin nya", "admin-nya" → "admin"), reduplication
 * ("admin2", "orang orang" → one word), a doubled last letter ("adminn") and one-letter slips
 * ("pgeawai" → "pegawai"). Other words pass through unchanged.
 */
export function canonicalWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of normalizeWords(text)) {
    const word = stripClitic(raw) ?? canonicalWord(raw);
    const previous = out.at(-1);
    // A detached "nya" ("customer service nya", "yang bertugas nya") belongs to the word before;
    // a lone "mu"/"ku" only after a key word (elsewhere it may be a word of its own).
    if (previous !== undefined && word === "nya") {
      if (DEFINITE.has(previous)) out[out.length - 1] = `${previous}nya`;
      continue;
    }
    if (previous !== undefined && STEMS.has(previous)) {
      if (word === "mu" || word === "ku") continue;
      // Reduplication spelt out: "orang orang", "kirim kirim".
      if (word === previous) continue;
    }
    out.push(word);
  }
  return out;
}

/** {@link canonicalWords} joined with single spaces. */
export function canonicalText(text: string): string {
  return canonicalWords(text).join(" ");
}

/**
 * The message split into clauses like `normalizeClauses` (normalize-text.ts), each in
 * canonical words; empty clauses dropped.
 */
export function canonicalClauses(text: string): string[] {
  return text
    .split(/[.,!?;:\n\r]+/)
    .map(canonicalText)
    .filter((s) => s !== "");
}
