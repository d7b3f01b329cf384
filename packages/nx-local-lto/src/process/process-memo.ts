/**
 * Answers remembered for the life of a process (a tool's version, rustc's description, a
 * feature query): a batch asks them once for all its tasks. The link server forgets them
 * before each request, so a served link sees its tools as a link in its own process would
 * (a tool replaced between two builds is asked again; answer-memo.ts still spares the start).
 */
const memos: Array<Map<unknown, unknown>> = [];

export function processMemo<K, V>(): Map<K, V> {
  const memo = new Map<K, V>();
  memos.push(memo as Map<unknown, unknown>);
  return memo;
}

export function forgetProcessMemos(): void {
  for (const memo of memos) memo.clear();
}
