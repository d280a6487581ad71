// Chat spelling is noisy: the same intent arrives as "gk", "ga", "nggak" or "tidak", with
// stretched letters and emoji. Every detector works on one canonical form so that its word
// lists stay short and readable.

const abbreviations: Record<string, string> = {
  // Indonesian chat shorthand.
  sm: "sama",
  ama: "sama",
  gk: "tidak",
  ga: "tidak",
  gak: "tidak",
  gag: "tidak",
  nggak: "tidak",
  ngga: "tidak",
  nggk: "tidak",
  ngak: "tidak",
  enggak: "tidak",
  engga: "tidak",
  ndak: "tidak",
  tdk: "tidak",
  tak: "tidak",
  dgn: "dengan",
  dg: "dengan",
  dng: "dengan",
  org: "orang",
  orng: "orang",
  yg: "yang",
  sy: "saya",
  tlg: "tolong",
  tolongin: "tolong",
  bs: "bisa",
  bsa: "bisa",
  utk: "untuk",
  untk: "untuk",
  jgn: "jangan",
  jngn: "jangan",
  lg: "lagi",
  lgi: "lagi",
  psn: "pesan",
  krm: "kirim",
  sdh: "sudah",
  udh: "sudah",
  udah: "sudah",
  dah: "sudah",
  blm: "belum",
  blom: "belum",
  belom: "belum",
  gmn: "gimana",
  gmna: "gimana",
  knp: "kenapa",
  knapa: "kenapa",
  trs: "terus",
  trus: "terus",
  tp: "tapi",
  tpi: "tapi",
  klo: "kalau",
  kalo: "kalau",
  klu: "kalau",
  aja: "saja",
  aj: "saja",
  sj: "saja",
  dr: "dari",
  jd: "jadi",
  hrs: "harus",
  bgt: "banget",
  bener: "benar",
  bnr: "benar",
  bnran: "beneran",
  sblm: "sebelum",
  sblmnya: "sebelumnya",
  mksh: "makasih",
  // English chat shorthand.
  pls: "please",
  plz: "please",
  plis: "please",
  pliss: "please",
  u: "you",
  ur: "your",
  thx: "thanks",
  msg: "message",
  msgs: "messages",
};

/**
 * Canonical words of a message: lowercase, diacritics and punctuation removed, letters
 * repeated three or more times collapsed ("tolonggg" → "tolong"), apostrophes dropped
 * ("don't" → "dont") and common Indonesian/English chat abbreviations expanded
 * ("gk" → "tidak", "sm" → "sama", "pls" → "please").
 */
export function normalizeWords(text: string): string[] {
  const cleaned = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/['’`]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .replace(/(\p{L})\1{2,}/gu, "$1");
  const words: string[] = [];
  for (const word of cleaned.split(" ")) {
    if (word !== "") words.push(abbreviations[word] ?? word);
  }
  return words;
}

/** {@link normalizeWords} joined with single spaces: the form the detectors' patterns match. */
export function normalizeText(text: string): string {
  return normalizeWords(text).join(" ");
}

/**
 * The message split into clauses (at sentence punctuation, commas and line breaks), each
 * normalised, empty ones dropped. Patterns run per clause so that a phrase never spans two
 * unrelated statements, and a "no," opening one clause does not negate the next.
 */
export function normalizeClauses(text: string): string[] {
  return text
    .split(/[.,!?;:\n\r]+/)
    .map(normalizeText)
    .filter((s) => s !== "");
}
