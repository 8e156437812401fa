/**
 * The log scan behind scenario (e), on startup logs captured from n8n 1.123.5: one where the package's
 * action node failed to load (a module missing from its dist), one clean.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { packageLogProblems } from './lib/session';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('packageLogProblems', () => {
	test('finds a node of the package that failed to load, with the require stack that names it', () => {
		const problems = packageLogProblems(fixture('n8n-startup-load-failure.log'));
		expect(problems.length).toBeGreaterThan(0);
		expect(problems[0]).toMatch(/^Cannot find module '\.\/urlUpload\/UrlUpload\.resource'/);
		expect(problems[0]).toContain(
			'n8n-nodes-alibaba-vod/dist/nodes/AlibabaCloudVod/AlibabaCloudVod.node.js',
		);
	});

	test('finds nothing in a clean start (n8n’s own deprecation notices are not about the package)', () => {
		const log = fixture('n8n-startup-clean.log');
		expect(log).toMatch(/deprecat/i);
		expect(packageLogProblems(log)).toEqual([]);
	});

	test("an error of n8n's own whose stack runs through the e2e cache folder is not ours", () => {
		const cache = '/root/.cache/n8n-nodes-alibaba-vod';
		const log = [
			'Error: getaddrinfo ENOTFOUND api.n8n.io',
			`    at AxiosError.from (${cache}/n8n-2.41.1/node_modules/axios/dist/node/axios.cjs:1355:24)`,
			`    at McpRegistryApiClient.fetchAllServers (${cache}/n8n-2.41.1/node_modules/n8n/src/a.ts:33:19)`,
		].join('\n');
		expect(packageLogProblems(log, cache)).toEqual([]);
		// the package's own files under that cache are still ours
		const ours = `${log}\n    at load (${cache}/x/node_modules/n8n-nodes-alibaba-vod/dist/a.js:1:1)`;
		expect(packageLogProblems(ours, cache)).toHaveLength(1);
	});

	test('a warning about another package is not ours', () => {
		expect(
			packageLogProblems(
				'Error: Cannot find module x\n- /n/node_modules/n8n-nodes-other/dist/a.js',
			),
		).toEqual([]);
		expect(
			packageLogProblems('Warning: n8n-nodes-alibaba-vod declares n8nNodesApiVersion 2'),
		).toHaveLength(1);
	});
});
