import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PackageDirectoryLoader } from 'n8n-core';

/**
 * The built package, loaded the way n8n loads an installed community package: n8n-core's
 * PackageDirectoryLoader reads the `n8n` section of package.json and requires every dist/ path.
 * `npm test` builds first, so dist/ reflects the current sources.
 */
const root = resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('the built package', () => {
	it('has every path named in the n8n section in dist/', () => {
		const paths: string[] = [...pkg.n8n.nodes, ...pkg.n8n.credentials];
		expect(paths.length).toBeGreaterThanOrEqual(5);
		for (const path of paths) expect(existsSync(join(root, path))).toBe(true);
	});

	it('loads with n8n-core, with icons that exist in dist/', async () => {
		const loader = new PackageDirectoryLoader(root);
		await loader.loadAll();

		const nodeNames = Object.keys(loader.nodeTypes).sort();
		expect(nodeNames).toEqual(
			['alibabaCloudVod', 'alibabaCloudVodJobStatus', 'alibabaCloudVodPollTrigger', 'alibabaCloudVodTrigger'].sort(),
		);
		expect(Object.keys(loader.credentialTypes).sort()).toEqual([
			'alibabaCloudVodApi',
			'alibabaCloudVodCallbackApi',
		]);

		const described = [
			...Object.values(loader.nodeTypes).map(({ type }) => type.description),
			...Object.values(loader.credentialTypes).map(({ type }) => type),
		] as Array<{ iconUrl?: { light: string; dark: string } }>;
		for (const { iconUrl } of described) {
			expect(iconUrl).toBeDefined();
			for (const url of [iconUrl!.light, iconUrl!.dark]) {
				// iconUrl is `icons/<package>/<path inside the package>`
				const inPackage = url.replace(`icons/${pkg.name}/`, '');
				expect(inPackage.startsWith('dist/')).toBe(true);
				expect(existsSync(join(root, inPackage))).toBe(true);
			}
		}
	});

	it('ships only dist/, with no runtime dependencies (n8n verifies no other packages)', () => {
		expect(pkg.files).toEqual(['dist']);
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(pkg.dependencies ?? {}).toEqual({});
		expect(pkg.keywords).toContain('n8n-community-node-package');
	});
});
