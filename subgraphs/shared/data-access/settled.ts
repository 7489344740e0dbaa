/** Values of a DataLoader `loadMany`, rethrowing the first error (a failed batch fails every key in it). */
export function settled<V>(results: readonly (V | Error)[]): V[] {
  for (const r of results) if (r instanceof Error) throw r;
  return results as V[];
}
