/**
 * The keys Submit, Job Status and Cancel derive or check, searched with generated input: the SessionId
 * of a resubmission (attack finding 2), the Job ID of one item (finding 12), the Source Key's tag
 * (finding 1), the whole-number options (finding 14) and malformed %-escapes (finding 12).
 */
import fc from 'fast-check';

import { sessionIdFor } from '../../nodes/AlibabaCloudVod/helpers/batching';
import { checkJobId } from '../../nodes/AlibabaCloudVod/helpers/jobStatus';
import { wholeNumberOption } from '../../nodes/AlibabaCloudVod/helpers/numberOptions';
import { sourceKeyTag } from '../../nodes/AlibabaCloudVod/helpers/sourceKey';
import { isSignedUrl } from '../../nodes/AlibabaCloudVod/helpers/sourceUrl';
import { parseSourceUrl } from '../../nodes/AlibabaCloudVod/helpers/urlValidation';
import { propertyParams } from '../support/property';

const SESSION_ID = /^[A-Za-z0-9_-]{1,50}$/;
const jobId = fc.stringMatching(/^[0-9a-f]{32}$/);
const request = fc.record({
	UploadURLs: fc.webUrl(),
	UploadMetadatas: fc.string(),
	UserData: fc.option(fc.string(), { nil: undefined }),
});

describe('SessionId of a call', () => {
	it('is VOD-shaped; a resubmission differs from the call it replaces and is stable under retries', () => {
		fc.assert(
			fc.property(request, fc.uniqueArray(jobId, { minLength: 1, maxLength: 20 }), (req, failed) => {
				const original = sessionIdFor(req);
				const resubmission = sessionIdFor(req, failed);
				expect(original).toMatch(SESSION_ID);
				expect(resubmission).toMatch(SESSION_ID);
				expect(sessionIdFor(req, [])).toBe(original);
				expect(resubmission).not.toBe(original);
				expect(sessionIdFor(req, [...failed].reverse())).toBe(resubmission);
				// replacing another failed job is another resubmission
				expect(sessionIdFor(req, [...failed, 'f'.repeat(32)])).not.toBe(resubmission);
			}),
			propertyParams(200),
		);
	});
});

describe('Job ID of one item', () => {
	const separator = fc.constantFrom(',', ', ', ' ', ';', '\n', ' ; ');
	it('one ID passes as it is; two or more, in any separator or as an array, are refused as a list', () => {
		fc.assert(
			fc.property(fc.uniqueArray(jobId, { minLength: 2, maxLength: 12 }), separator, (ids, sep) => {
				expect(checkJobId(` ${ids[0]} `)).toBe(ids[0]);
				expect(() => checkJobId(ids.join(sep))).toThrow(
					new RegExp(`holds ${ids.length} job IDs.*one item takes one job ID`),
				);
				expect(() => checkJobId(ids)).toThrow(/is a list of/);
			}),
			propertyParams(200),
		);
	});
});

describe('Source Key tag', () => {
	it('fits a VOD tag (≤32 bytes, one token of letters and digits); distinct keys, distinct tags', () => {
		fc.assert(
			fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 256 }), { minLength: 2, maxLength: 20 }), (keys) => {
				const tags = keys.map(sourceKeyTag);
				for (const tag of tags) expect(tag).toMatch(/^[a-z0-9]{32}$/);
				expect(new Set(tags).size).toBe(keys.length);
			}),
			propertyParams(200),
		);
	});

	it('signed URLs are recognised, plain ones are not', () => {
		expect(isSignedUrl('https://b.oss-cn-shanghai.aliyuncs.com/a.mp4?Expires=1&OSSAccessKeyId=x&Signature=y')).toBe(true);
		expect(isSignedUrl('https://s3.amazonaws.com/b/a.mp4?X-Amz-Expires=60&X-Amz-Signature=abc')).toBe(true);
		expect(isSignedUrl('https://cdn.example.com/a.mp4?auth_key=1700000000-0-0-abc')).toBe(true);
		expect(isSignedUrl('https://example.com/a.mp4?v=2')).toBe(false);
	});
});

describe('whole-number options', () => {
	const range = { min: 1, max: 20, fallback: 4 };
	it('in range passes; anything else is refused naming the range; unset is the default', () => {
		fc.assert(
			fc.property(
				fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
				(raw) => {
					const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
					const valid =
						raw === null ||
						raw === '' ||
						(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 20);
					if (valid) expect(wholeNumberOption('Parallel Calls', raw, range)).toBe(raw === null || raw === '' ? 4 : value);
					else expect(() => wholeNumberOption('Parallel Calls', raw, range)).toThrow(/from 1 to 20/);
				},
			),
			propertyParams(500),
		);
	});
});

describe('Source URL escapes', () => {
	const hex = fc.constantFrom(...'0123456789abcdefABCDEF');
	const notHex = fc.constantFrom(...'gGzZ%-._~/ ');
	it('a % without two hex digits after it is refused; a well-formed escape passes', () => {
		fc.assert(
			fc.property(hex, hex, notHex, hex, (a, b, bad, c) => {
				expect(parseSourceUrl(`https://example.com/v/x%${a}${b}y.mp4`).href).toContain(`%${a}${b}`);
				for (const broken of [`%${bad}${c}`, `%${c}${bad}`, '%']) {
					expect(() => parseSourceUrl(`https://example.com/v/x${broken}y.mp4`)).toThrow(/does not start an escape/);
				}
			}),
			propertyParams(200),
		);
	});
});
