/** The vector scaled to length 1 (an all-zero one stays zero): the cosine similarity of two is then their dot product. */
export function unitVector(vector: ArrayLike<number>): Float32Array {
  const unit = Float32Array.from(vector);
  let norm = 0;
  for (const value of unit) norm += value * value;
  if (norm === 0) return unit;
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < unit.length; index++) unit[index] = (unit[index] as number) * scale;
  return unit;
}
