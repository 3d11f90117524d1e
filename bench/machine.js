// `node bench/machine.js start|end`: the machine, its load and the tool versions, for the head
// and the tail of `npm run bench` (figures from a loaded machine are only indicative).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

const version = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return 'not found';
  }
};
const load = loadavg().map((x) => x.toFixed(2)).join(', ');
const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

if (process.argv[2] === 'end') {
  console.log(`\nLoad average at the end (1, 5, 15 min): ${load} (${when})`);
} else {
  let os = 'unknown OS';
  try {
    os = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)"?/m)[1];
  } catch { /* not Linux */ }
  console.log(`Machine: ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${os}`);
  console.log(`Load average at the start (1, 5, 15 min): ${load} (${when})`);
  const emcc = version('emcc', ['--version']).replace(/^emcc \(Emscripten.*?\) /, 'Emscripten ').replace(/ \(\)$/, '');
  const openssl = version('openssl', ['version']).replace(/ \(Library.*$/, '');
  const ffmpeg = version('ffmpeg', ['-version']).replace(/^ffmpeg version (\S+).*/, 'ffmpeg $1');
  const chromium = version(process.env.WEE_CHROMIUM || 'chromium', ['--version']).replace(/ built on.*$/, '');
  console.log(`Node ${process.version}; ${chromium}; ${emcc}; ${openssl}; ${ffmpeg}`);
}
