// ESLint flat config. The protocol core must stay independent of the CLI, the daemon, storage and
// the load generator (see the architecture note in README.md), so imports out of src/core are errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'man/**'] },
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
    files: ['bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/daemon/**', '**/store/**', '**/loadgen/**', '**/cli/**', '**/commands/**'],
              message: 'src/core imports only node:* and itself.',
            },
            {
              group: ['@oclif/*', 'mysql2', 'mysql2/*', 'chalk', '@inquirer/*', 'better-sqlite3', 'cli-table3'],
              message: 'src/core imports only node:* and itself.',
            },
          ],
        },
      ],
    },
  },
);
