// Shared by the package tests (tests/js/package_tarball.test.js, tests/browser/
// package_tarball.test.js): `npm pack` of this checkout, installed offline into a new temporary
// project, as a user would get it. dist/ must have been built (npm run build); packing skips
// the prepack script so that a test never rebuilds.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const testdataRoot = path.resolve(repoRoot, '../shared/testdata');

/** Why the package tests cannot run here, or false. */
export function missingForPack() {
  for (const f of ['wasm_eme.wasm', 'wasm_eme_web.wasm', 'wasm_eme_web_simd.wasm']) {
    if (!existsSync(path.join(repoRoot, 'dist', f))) return `no dist/${f} (run npm run build)`;
  }
  if (!existsSync(path.join(testdataRoot, 'mp4ff/cbcs.mp4'))) return 'no ../shared/testdata';
  return false;
}

const npm = (args, cwd) => execFileSync('npm', args, {
  cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
});

/**
 * Packs the checkout and installs the tarball into <tmp>/app. Returns {tmp, app, tarball,
 * files: the tarball's paths without the "package/" prefix, pkgDir, cleanup()}.
 */
export function packAndInstall() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'wasm-eme-pack-'));
  try {
    const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], repoRoot));
    const tarball = path.join(tmp, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    const app = path.join(tmp, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2));
    // The package has no runtime dependencies: the install needs nothing but the tarball.
    npm(['install', '--offline', '--ignore-scripts', '--no-package-lock', tarball], app);
    const pkgDir = path.join(app, 'node_modules/wasm-eme');
    if (!readdirSync(pkgDir).includes('package.json')) throw new Error('the tarball did not install');
    return { tmp, app, tarball, files, pkgDir, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
