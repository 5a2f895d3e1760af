// Which sinks the records of each input can go to, from the route table alone (no record needed): a sink
// without `match`, or whose `match` has no `inputs` condition or names the input, may take its records; with
// `routing.unmatched: first` so may the first sink. Used before admission, where no record has been read yet
// (docs/sinks.md, "One sink down"): an input that cannot refuse a message stops reading while one of these
// sinks is full, and a ROUTER batch whose input can only feed full sinks is refused at once.
import type { RouteTable } from './match.js';

/** Per input id (in the order given): the mask of sinks (bit i = sinks[i]) its records can go to. */
export function inputFeeds(table: RouteTable, inputIds: readonly string[]): number[] {
  // A sink without `match` takes every record not dropped, so no record is ever unmatched.
  const unmatchedToFirst = table.unmatched === 'first' && table.sinks.length > 0 && table.sinks.every((m) => m !== undefined);
  return inputIds.map((id) => {
    let mask = unmatchedToFirst ? 1 : 0;
    table.sinks.forEach((m, i) => {
      if (m === undefined || m.inputs === undefined || m.inputs.includes(id)) mask |= 1 << i;
    });
    return mask;
  });
}
