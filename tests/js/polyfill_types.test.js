// The shipped js/types/index.d.ts against the code: tsc --noEmit over tests/js/types/usage.ts,
// which assigns the implementation's exports (read from the JS) to the declared types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = `${root}node_modules/.bin/tsc`;

test('js/types/index.d.ts matches js/src/index.js', { skip: !existsSync(tsc) && 'typescript is not installed' }, () => {
  try {
    execFileSync(tsc, ['-p', `${root}tests/js/types/tsconfig.json`], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc found type errors:\n${e.stdout}${e.stderr}`);
  }
});
