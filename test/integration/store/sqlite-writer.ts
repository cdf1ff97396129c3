/**
 * Child process for the two-process SQLite test: opens the database given as argv[2] and adds
 * argv[3] subscribers named <argv[4]>-<i>, one transaction each, then prints "done <n>".
 */
import { openStore } from '../../../src/store/index.js';

const [url, count, prefix] = process.argv.slice(2);
const store = await openStore(url!, { schema: 'require' });
let n = 0;
for (let i = 0; i < Number(count); i++) {
  await store.subscribers.add(`${prefix}-${i}`, 'example.com', 'pw');
  await store.groups.grant(`${prefix}-${i}`, 'example.com', 'local');
  n++;
  // A breath between transactions spreads the writes over a few hundred ms, so the parent's reads
  // interleave with them even on a loaded machine (otherwise all N can land between two reads).
  await new Promise((r) => setTimeout(r, 2));
}
await store.close();
process.stdout.write(`done ${n}\n`);
