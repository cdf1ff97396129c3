// ESLint flat config. The layering of src/ (README.md "Layout", docs/architecture.md) is enforced
// here: each folder may import only the layers below it, so an import across a forbidden arrow is
// an error of no-restricted-imports (test/unit/layers.test.ts checks that the rules bite).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The project's layers under src/ (commands/ sits above them all). */
const LAYERS = ['core', 'shared', 'wsnet', 'mgmt', 'store', 'daemon', 'loadgen', 'ctl', 'cli'];

/**
 * What each layer may import besides itself and node:*; every other layer is forbidden. Arrows
 * point down only. cli may also use the daemon's config loader and types (sipd's commands parse
 * flags into its overrides), nothing else of the daemon.
 */
const MAY_IMPORT = {
  core: [],
  shared: [],
  // SIP over WebSocket bound to the `ws` library: the one place outside the core that speaks it.
  wsnet: ['core'],
  mgmt: ['shared'],
  store: ['core', 'shared'],
  daemon: ['core', 'wsnet', 'store', 'mgmt', 'shared'],
  loadgen: ['core', 'wsnet', 'shared'],
  ctl: ['store', 'mgmt', 'core', 'shared'],
  cli: ['ctl', 'mgmt', 'store', 'shared', 'daemon/config'],
};

/** Libraries the protocol core must not depend on. */
const CORE_FORBIDDEN_PACKAGES = [
  '@oclif/*',
  'mysql2',
  'mysql2/*',
  'chalk',
  '@inquirer/*',
  'better-sqlite3',
  'cli-table3',
  'ws',
];

function layerRules(layer) {
  const allowed = MAY_IMPORT[layer];
  const forbidden = LAYERS.filter((l) => l !== layer && !allowed.some((a) => a === l)).concat('commands');
  // A layer allowed only in part (cli → daemon/config) is forbidden except for that folder.
  const partial = forbidden.filter((l) => allowed.some((a) => a.startsWith(`${l}/`)));
  const whole = forbidden.filter((l) => !partial.includes(l));
  const alternatives = [`(${whole.join('|')})/`];
  for (const l of partial) {
    const keep = allowed.filter((a) => a.startsWith(`${l}/`)).map((a) => a.slice(l.length + 1));
    alternatives.push(`${l}/(?!(${keep.join('|')})/)`);
  }
  // Relative specifiers only ('./x', '../../store/y.js'): package names never match.
  const regex = `^\\.\\.?/(.*/)?(${alternatives.join('|')})`;
  const message = `src/${layer} may import only ${allowed.length ? allowed.join(', ') + ' and ' : ''}node:* (layer rules: README.md "Layout").`;
  const patterns = [{ regex, message }];
  if (layer === 'core')
    patterns.push({ group: CORE_FORBIDDEN_PACKAGES, message: 'src/core imports only node:* and itself.' });
  return { files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'test/fixtures/**', 'man/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['native/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The bins are CommonJS (bin/package.json): a script's call reads them without ES module
    // loader work (src/cli/fast-launch.ts).
    files: ['bin/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  ...LAYERS.map(layerRules),
);
