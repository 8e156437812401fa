import { PartBufferPool, rechunk } from '../../nodes/AlibabaCloudVod/transport/oss/rechunk';
import { decodeUploadAddress, decodeUploadAuth, renewalMargin } from '../../nodes/AlibabaCloudVod/transport/oss/uploadCredentials';
import { choosePartSize } from '../../nodes/AlibabaCloudVod/transport/oss/partSize';
import { deriveReferenceId } from '../../nodes/AlibabaCloudVod/helpers/uploadValidation';
import { CredentialKeeper } from '../../nodes/AlibabaCloudVod/transport/oss/credentialKeeper';
import { parseInitiateMultipartUpload, parseListParts } from '../../nodes/AlibabaCloudVod/transport/oss/xml';

const MiB = 1024 * 1024;
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');

describe('rechunk', () => {
	it('cuts any chunking into exact parts and reuses released buffers', async () => {
		const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
		async function* chunks() {
			for (const size of [1, 7, 300, 0, 2, 450, 240]) {
				const offset: number = (chunks as unknown as { o?: number }).o ?? 0;
				(chunks as unknown as { o?: number }).o = offset + size;
				yield data.subarray(offset, offset + size);
			}
		}
		const pool = new PartBufferPool(128);
		const parts: Buffer[] = [];
		for await (const part of rechunk(chunks(), pool)) {
			parts.push(Buffer.from(part)); // copy: the buffer goes back to the pool
			pool.release(part);
		}
		expect(parts.map((p) => p.length)).toEqual([128, 128, 128, 128, 128, 128, 128, 104]);
		expect(Buffer.concat(parts).equals(data)).toBe(true);
		expect(pool.buffersAllocated).toBe(1);
	});

	it('yields nothing for an empty source', async () => {
		const parts = [];
		for await (const part of rechunk((async function* () {})(), new PartBufferPool(16))) parts.push(part);
		expect(parts).toEqual([]);
	});
});

describe('upload credentials', () => {
	it('decodes UploadAddress and UploadAuth; the earlier of Expiration and ExpireUTCTime wins', () => {
		expect(decodeUploadAddress(b64({ Endpoint: 'https://oss-cn-shanghai.aliyuncs.com', Bucket: 'outin-1', FileName: 'sv/a/a.mp4' }))).toEqual({
			endpoint: 'https://oss-cn-shanghai.aliyuncs.com',
			bucket: 'outin-1',
			objectKey: 'sv/a/a.mp4',
		});
		const now = Date.parse('2024-01-01T00:00:00Z');
		const auth = decodeUploadAuth(
			b64({ AccessKeyId: 'STS.a', AccessKeySecret: 's', SecurityToken: 't', Expiration: '3000', ExpireUTCTime: '2024-01-01T00:40:00Z', Region: 'cn-beijing' }),
			now,
		);
		expect(auth).toMatchObject({ accessKeyId: 'STS.a', region: 'cn-beijing', expiresAt: Date.parse('2024-01-01T00:40:00Z') });
		expect(renewalMargin(auth, now)).toBe(5 * 60 * 1000);
		expect(() => decodeUploadAuth('bm90IGpzb24=')).toThrow('not Base64-encoded JSON');
		expect(() => decodeUploadAddress(b64({ Endpoint: 'x' }))).toThrow('without Bucket');
	});

	it('renews once for many parts that see the token run out, and not again for a stale rejection', async () => {
		let clock = 0;
		let calls = 0;
		const applied: string[] = [];
		const issue = (id: string) => ({ accessKeyId: id, accessKeySecret: 's', securityToken: 't', expiresAt: clock + 3000 });
		const keeper = new CredentialKeeper(
			issue('first'),
			async () => {
				calls++;
				await new Promise((r) => setTimeout(r, 20));
				return issue(`renewed-${calls}`);
			},
			(c) => applied.push(c.accessKeyId),
			() => clock,
		);
		expect(await keeper.fresh()).toBe(0);
		clock = 2500; // inside the 600 ms margin of a 3 s credential
		const generations = await Promise.all([keeper.fresh(), keeper.fresh(), keeper.fresh(), keeper.rejected(0)]);
		expect(calls).toBe(1);
		expect(generations.slice(0, 3)).toEqual([1, 1, 1]);
		await keeper.rejected(0); // a part signed with generation 0 failed late: already renewed
		expect(calls).toBe(1);
		await keeper.rejected(1);
		expect(calls).toBe(2);
		expect(applied).toEqual(['renewed-1', 'renewed-2']);
	});
});

describe('part size and reference id', () => {
	it('raises the part size so a file fits in 10,000 parts', () => {
		expect(choosePartSize(8 * MiB, 1024 * MiB)).toBe(8 * MiB);
		expect(choosePartSize(8 * MiB, 100 * 1024 * MiB)).toBe(11 * MiB); // 100 GiB / 10,000 = 10.24 MiB → 11 MiB
		// unknown length: the size asked for (it bounds memory); Part Size × 10,000 is then the cap
		expect(choosePartSize(1 * MiB, undefined)).toBe(1 * MiB);
		expect(choosePartSize(24 * MiB, undefined)).toBe(24 * MiB);
	});

	it('derives a stable, valid Reference ID', () => {
		const a = deriveReferenceId(['url', 'https://x/a.mp4']);
		expect(a).toMatch(/^n8n-[A-Za-z0-9_-]{40}$/);
		expect(deriveReferenceId(['url', 'https://x/a.mp4'])).toBe(a);
		expect(deriveReferenceId(['url', 'https://x/b.mp4'])).not.toBe(a);
	});
});

describe('ListParts answers', () => {
	/** a page as OSS writes it (OSS API reference, ListParts), its root with or without the namespace */
	const page = (parts: number, truncated: boolean, root = '<ListPartsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">') =>
		`<?xml version="1.0" encoding="UTF-8"?>\n${root}` +
		`\n<Bucket>b</Bucket>\n<Key>sv/a.mp4</Key>\n<UploadId>U1</UploadId>\n<NextPartNumberMarker>${parts}</NextPartNumberMarker>` +
		`\n<MaxParts>1000</MaxParts>\n<IsTruncated>${truncated}</IsTruncated>` +
		Array.from(
			{ length: parts },
			(_, i) =>
				`\n<Part>\n<PartNumber>${i + 1}</PartNumber>\n<LastModified>2026-12-02T00:00:00.000Z</LastModified>\n<ETag>"${String(i).padStart(32, 'a')}"</ETag>\n<Size>${1000 + i}</Size>\n</Part>`,
		).join('') +
		'\n</ListPartsResult>\n';

	it('reads a whole page and refuses it cut anywhere short of its end (an answer cut in transit)', () => {
		for (const [parts, truncated, root] of [[3, false, undefined], [2, true, undefined], [2, false, '<ListPartsResult>']] as const) {
			const xml = page(parts, truncated, root);
			expect(parseListParts(xml)).toMatchObject({ isTruncated: truncated, parts: Array.from({ length: parts }, (_, i) => ({ partNumber: i + 1, size: 1000 + i })) });
			const end = xml.lastIndexOf('</ListPartsResult>') + '</ListPartsResult>'.length;
			for (let cut = 0; cut < end; cut++) expect(() => parseListParts(xml.slice(0, cut))).toThrow(/OSS answered/);
		}
	});

	it('reads an UploadId whose root carries attributes, and an empty element written <Tag/>', () => {
		expect(
			parseInitiateMultipartUpload(
				'<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">\n<Bucket>b</Bucket>\n<Key>k</Key>\n<UploadId>0004B9894A22E5B1888A1E29F823****</UploadId>\n</InitiateMultipartUploadResult>',
			),
		).toEqual({ uploadId: '0004B9894A22E5B1888A1E29F823****' });
		expect(parseListParts('<ListPartsResult><NextPartNumberMarker/><IsTruncated>false</IsTruncated></ListPartsResult>')).toEqual({
			parts: [],
			isTruncated: false,
			nextPartNumberMarker: undefined,
		});
	});
});
