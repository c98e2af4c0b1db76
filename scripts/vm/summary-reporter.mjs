// A node:test reporter that writes JSON Lines: one line per finished test (passed, failed, skipped,
// todo) with its full name (suite > test), file, duration, skip reason or failure message, as soon as
// its top-level test ends, so a guest stopped at its time limit still leaves what ran. The guest writes
// it to the shared results folder; scripts/vm/summarize.mjs turns it into summary.json on the host.
//
// Subtests finish before their parent, so each level's finished children wait in `pending` until the
// parent's own event gives them their prefix.

function outcome(type, data) {
  if (type === 'test:fail') return 'failed';
  if (data.skip !== undefined && data.skip !== false) return 'skipped';
  if (data.todo !== undefined && data.todo !== false) return 'todo';
  return 'passed';
}

function reasonOf(value) {
  return typeof value === 'string' ? value : undefined;
}

function failureOf(error) {
  if (!error) return undefined;
  // the runner wraps a test's own error as its cause
  const inner = error.cause ?? error;
  const text = inner?.message ?? String(inner);
  return text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}

function* flatten(entry, path) {
  const name = [...path, entry.name];
  const { children, ...own } = entry;
  yield `${JSON.stringify({ ...own, name: name.join(' > ') })}\n`;
  for (const child of children) yield* flatten(child, name);
}

export default async function* summaryReporter(source) {
  const pending = new Map(); // `${file}\0${nesting}` -> finished entries waiting for their parent
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    const file = data.file ?? '';
    const childKey = `${file}\0${data.nesting + 1}`;
    const entry = {
      name: data.name,
      file,
      outcome: outcome(event.type, data),
      kind: data.details?.type === 'suite' ? 'suite' : 'test',
      durationMs: Math.round(data.details?.duration_ms ?? 0),
      reason: reasonOf(data.skip) ?? reasonOf(data.todo),
      error: event.type === 'test:fail' ? failureOf(data.details?.error) : undefined,
      children: pending.get(childKey) ?? [],
    };
    pending.delete(childKey);
    if (data.nesting === 0) yield* flatten(entry, []);
    else {
      const key = `${file}\0${data.nesting}`;
      if (!pending.has(key)) pending.set(key, []);
      pending.get(key).push(entry);
    }
  }
  // children whose parent never reported (a crashed file): keep them under their own names
  for (const orphans of pending.values()) for (const entry of orphans) yield* flatten(entry, []);
}
