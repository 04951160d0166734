// Finds the known key a misspelt config key was most likely meant to be.

/** Edit distance between two strings: insertions, deletions and substitutions each cost 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Pick the known key closest to an unknown one, ignoring case, when it is close enough to be a
 * likely typo: at most one edit for short keys, up to a third of the key's length for longer ones.
 * @param unknown the key the user wrote, for example `maxframe` or `timout`.
 * @param known the keys accepted at that place.
 * @returns the suggested key, or undefined when none is close.
 * @example
 * suggestKey("maxFrme", ["maxFrame", "maxMessage"]); // "maxFrame"
 */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  const wanted = unknown.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(wanted, key.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key, distance };
  }
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  return best !== undefined && best.distance <= allowed ? best.key : undefined;
}
