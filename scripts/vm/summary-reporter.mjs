// A node:test reporter that writes one JSON document: every test's outcome (passed, failed, skipped,
// todo) with its full name (suite > test), file, duration, skip reason or failure message, and the
// counts. The guest writes it to the shared results folder; scripts/vm/summarize.mjs reads it on the host.
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

export default async function* summaryReporter(source) {
  const tests = [];
  const pending = new Map(); // `${file}\0${nesting}` -> finished entries waiting for their parent
  const started = Date.now();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    const file = data.file ?? '';
    const entry = {
      name: data.name,
      file,
      outcome: outcome(event.type, data),
      kind: data.details?.type === 'suite' ? 'suite' : 'test',
      durationMs: Math.round(data.details?.duration_ms ?? 0),
      reason: reasonOf(data.skip) ?? reasonOf(data.todo),
      error: event.type === 'test:fail' ? failureOf(data.details?.error) : undefined,
      children: pending.get(`${file}\0${data.nesting + 1}`) ?? [],
    };
    pending.delete(`${file}\0${data.nesting + 1}`);
    if (data.nesting === 0) flatten(entry, [], tests);
    else {
      const key = `${file}\0${data.nesting}`;
      if (!pending.has(key)) pending.set(key, []);
      pending.get(key).push(entry);
    }
  }
  // children whose parent never reported (a crashed file): keep them under their own names
  for (const orphans of pending.values()) for (const entry of orphans) flatten(entry, [], tests);
  const leaves = tests.filter((t) => t.kind === 'test');
  const count = (what) => leaves.filter((t) => t.outcome === what).length;
  const summary = {
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    todo: count('todo'),
    // a suite can fail by itself (a hook, or a crashed file) without a failing leaf test
    failedSuites: tests.filter((t) => t.kind === 'suite' && t.outcome === 'failed').length,
    durationMs: Date.now() - started,
    tests,
  };
  yield `${JSON.stringify(summary, null, 1)}\n`;
}

function flatten(entry, path, into) {
  const name = [...path, entry.name];
  const { children, ...own } = entry;
  into.push({ ...own, name: name.join(' > ') });
  for (const child of children) flatten(child, name, into);
}
