import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('an unprivileged user gets a BpfError EPERM whose hint names the capability', (t) => {
  const setpriv = spawnSync('setpriv', ['--version']);
  if (setpriv.status !== 0) {
    t.skip('setpriv (util-linux) is not installed');
    return;
  }
  const mapModule = fileURLToPath(new URL('./map.js', import.meta.url));
  const script = `import(${JSON.stringify(mapModule)}).then(({ BpfMap }) => {
    try { BpfMap.create({ type: 1, keySize: 4, valueSize: 4, maxEntries: 1 }); console.log('created'); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, hint: e.hint })); }
  });`;
  const child = spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--inh-caps=-all', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  const result = JSON.parse(child.stdout.trim()) as { name: string; code: string; hint: string };
  assert.equal(result.name, 'BpfError');
  assert.equal(result.code, 'EPERM');
  assert.match(result.hint, /CAP_BPF/);
});
