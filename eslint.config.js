// Lint rules for the whole package. Formatting is Prettier's job (see .prettierrc.json); this file only
// catches bugs. Type-aware rules that find unhandled promises run with the project's tsconfig.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import { createNodeResolver, importX } from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'action/dist/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-control-regex': 'off',
    },
  },
  // The layers (docs/architecture.md#layers): entry points (`app/`, `action/`, `src/cli/`) may import the library;
  // the library never imports an entry point, the Actions toolkit or Probot; `src/core` is pure and
  // reaches only itself and the git runner. No module imports itself through a cycle.
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src',
              from: ['./app', './action', './test', './scripts'],
              message: 'src/ is the library: entry points import it, never the reverse.',
            },
            {
              target: './action',
              from: './app',
              message: 'The Action and the App share only the library (src/github/ holds their protocol).',
            },
            {
              target: './app',
              from: './action',
              message: 'The Action and the App share only the library (src/github/ holds their protocol).',
            },
            {
              target: './src/core',
              from: './src',
              except: ['./core', './git'],
              message:
                'src/core is pure: it imports only src/core and src/git. Put platform code in an adapter.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@actions/*'],
              message: 'src/ never imports the Actions toolkit: parse inputs in action/ and pass them in.',
            },
            { group: ['probot', 'probot/*'], message: 'src/ never imports Probot: only app/ does.' },
          ],
        },
      ],
    },
  },
  {
    files: ['action/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@actions/*'],
              message:
                'The Actions toolkit stays in the entry files (action/main.ts, action/settings.ts): pass inputs in, return outputs.',
            },
          ],
        },
      ],
    },
  },
  prettier,
)
