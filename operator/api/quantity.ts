// resource.Quantity to a number (bytes, cores, ...), enough for comparing a memory limit with a byte count.
const suffixes: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const quantityRe = /^\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:([KMGTPE]i|[numkMGTPE])|[eE]([+-]?[0-9]+))?$/;

/** The value of a quantity, or undefined when it is not one. */
export function parseQuantity(q: number | string): number | undefined {
  if (typeof q === 'number') return q;
  const m = quantityRe.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[3] !== undefined) return n * 10 ** Number(m[3]);
  return n * (suffixes[m[2] ?? ''] ?? 1);
}
