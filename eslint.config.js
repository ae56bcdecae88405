// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, which find bugs, not style (prettier
// owns formatting: .prettierrc.json). `npm run lint` runs it with depcruise and prettier --check.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  // The console's pages load uPlot with a script tag of its own.
  { files: ['console/**/*.js'], languageOptions: { globals: { ...globals.browser, uPlot: 'readonly' } } },
  { files: ['**/*.cjs', 'integrations/**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  // rudder-transformer's destinations export a function named `process`, shadowing Node's global on purpose.
  { files: ['integrations/**/*.js'], rules: { 'no-redeclare': ['error', { builtinGlobals: false }] } },
  {
    rules: {
      // A closure may read a variable assigned after it is declared (a callback set up before its value exists).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_`-prefixed names are deliberately unused (a destructured field left out, a callback's unused parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // Tests read untyped JSON answers and fixtures as `any`; the assertions check their shape.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
