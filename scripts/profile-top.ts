// Prints the functions with the most self time in V8 CPU profiles (what `avcm bench --cpu-prof DIR`
// and `node --cpu-prof` write), one table per profile: the figures quoted in BENCHMARKS.md.
// Usage: npx tsx scripts/profile-top.ts DIR [ROWS]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [dir, rowsArg] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: npx tsx scripts/profile-top.ts DIR [ROWS]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 15);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber}`;
    const delta = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + delta);
    total += delta;
  });
  process.stdout.write(`== ${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
  for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    process.stdout.write(`${((100 * micros) / total).toFixed(1).padStart(5)}%  ${key}\n`);
  }
}
