import tseslint from 'typescript-eslint';

// The domain library is plain TypeScript: it must stay replayable without Nest, TypeORM or a database.
export const domainImportRule = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['@nestjs/*'], message: 'libs/domain is plain TypeScript: no Nest imports.' },
        { group: ['typeorm', 'typeorm/*'], message: 'libs/domain is plain TypeScript: no TypeORM imports.' },
        { group: ['pg', 'pg/*', 'pg-*'], message: 'libs/domain is plain TypeScript: no database drivers.' },
        { group: ['**/libs/event-store/**', '**/event-store/src/**', '**/apps/**'], message: 'libs/domain depends on nothing else in the repo.' },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {},
  },
  { files: ['libs/domain/**/*.ts'], rules: domainImportRule },
);
