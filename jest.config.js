/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		// isolatedModules: type errors are caught by `npm run build`; tests only need transpiling.
		'^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
		// n8n-core → @langchain/core requires p-retry, which ships as ES modules only.
		'^.+\\.js$': ['ts-jest', { isolatedModules: true, diagnostics: false, tsconfig: { allowJs: true } }],
	},
	transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
	testTimeout: 120000,
	// Suites share two cores; running them one file at a time keeps timings and fault-injection tests stable.
	maxWorkers: 1,
};
