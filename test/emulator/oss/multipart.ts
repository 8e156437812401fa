import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { etagOf, readSmallBody, receiveBody, tempPath } from './body';
import type { OssContext } from './context';
import { OssError, ossErrors, sendXml, xmlFields, xmlUnescape } from './errors';
import { bodyWriteFaults } from './faults';
import type { MultipartUploadRecord, PartRecord } from './registry';

/** OSS's API reference writes its multipart answers' roots with this namespace; clients must read them so. */
const OSS_XMLNS = 'http://doc.oss-cn-hangzhou.aliyuncs.com';

export const MIN_PART_SIZE = 100 * 1024;
const MAX_PART_SIZE = 5 * 1024 ** 3;
const MAX_PART_NUMBER = 10_000;
const MAX_COMPLETE_BODY = 16 * 1024 * 1024;

function partsDir(ctx: OssContext, uploadId: string) {
	return join(ctx.state.dataDir, 'oss-parts', uploadId);
}

/** The active upload named by `?uploadId=`, for this bucket and key; else 404 NoSuchUpload. */
function activeUpload(ctx: OssContext): MultipartUploadRecord {
	const upload = ctx.registry.uploads.get(ctx.target.query.get('uploadId') ?? '');
	if (!upload || upload.bucket !== ctx.bucket || upload.key !== ctx.key || upload.status !== 'active') {
		throw ossErrors.noSuchUpload();
	}
	return upload;
}

export async function initiateMultipartUpload(ctx: OssContext) {
	const uploadId = randomBytes(16).toString('hex').toUpperCase();
	ctx.registry.uploads.set(uploadId, {
		uploadId,
		bucket: ctx.bucket,
		key: ctx.key,
		contentType: ctx.req.headers['content-type'] || undefined,
		status: 'active',
		initiatedAt: new Date().toISOString(),
		initiatedBy: ctx.principal.accessKeyId,
		parts: new Map(),
		partUploads: 0,
	});
	ctx.record.uploadId = uploadId;
	await readSmallBody(ctx.req, MAX_COMPLETE_BODY);
	sendXml(
		ctx.res,
		200,
		`<InitiateMultipartUploadResult xmlns="${OSS_XMLNS}">${xmlFields({
			Bucket: ctx.bucket,
			Key: ctx.key,
			UploadId: uploadId,
		})}</InitiateMultipartUploadResult>`,
	);
}

function parsePartNumber(raw: string | undefined) {
	const n = Number(raw);
	if (!raw || !Number.isInteger(n) || n < 1 || n > MAX_PART_NUMBER) {
		throw ossErrors.invalidArgument('Part number must be an integer between 1 and 10000, inclusive.', {
			ArgumentName: 'partNumber',
			ArgumentValue: raw ?? '',
		});
	}
	return n;
}

/** UploadPart: streamed to a part file; the same number uploaded again replaces the part. */
export async function uploadPart(ctx: OssContext) {
	const upload = activeUpload(ctx);
	const partNumber = parsePartNumber(ctx.target.query.get('partNumber'));
	ctx.record.partNumber = partNumber;
	if (Number(ctx.req.headers['content-length']) > MAX_PART_SIZE) {
		throw new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
	}
	const faults = await bodyWriteFaults(ctx);
	const body = await receiveBody(ctx.req, ctx.state.dataDir, faults);
	if (upload.status !== 'active') {
		// aborted or completed while this part was in flight
		await rm(body.path, { force: true });
		throw ossErrors.noSuchUpload();
	}
	const dir = partsDir(ctx, upload.uploadId);
	mkdirSync(dir, { recursive: true });
	const path = join(dir, String(partNumber));
	await rename(body.path, path);
	const part: PartRecord = {
		partNumber,
		etag: etagOf(body.md5),
		md5: body.md5.toString('hex'),
		size: body.size,
		path,
		lastModified: new Date().toISOString(),
		accessKeyId: ctx.principal.accessKeyId,
	};
	upload.parts.set(partNumber, part);
	upload.partUploads += 1;
	ctx.res.writeHead(200, { ETag: part.etag, 'Content-Length': 0 });
	ctx.res.end();
}

const normaliseEtag = (etag: string) => etag.trim().replace(/^"|"$/g, '').toUpperCase();

/** The `<Part>` list of a CompleteMultipartUpload body, checked against the stored parts. */
function requestedParts(upload: MultipartUploadRecord, xml: string): PartRecord[] {
	const malformed = () =>
		new OssError(
			400,
			'MalformedXML',
			'The XML you provided was not well-formed or did not validate against our published schema.',
		);
	if (!/<CompleteMultipartUpload[\s>][\s\S]*<\/CompleteMultipartUpload>/.test(xml)) throw malformed();
	const listed = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
		number: /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1])?.[1],
		etag: /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1])?.[1],
	}));
	if (!listed.length || listed.some((p) => p.number === undefined || p.etag === undefined)) {
		throw malformed();
	}
	return listed.map((p, i) => {
		const number = Number(p.number);
		if (i > 0 && number <= Number(listed[i - 1].number)) {
			throw new OssError(
				400,
				'InvalidPartOrder',
				'The list of parts was not in ascending order. Parts must be ordered by part number.',
			);
		}
		const part = upload.parts.get(number);
		const etag = xmlUnescape(p.etag ?? '');
		if (!part || normaliseEtag(etag) !== normaliseEtag(part.etag)) {
			throw new OssError(
				400,
				'InvalidPart',
				"One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
				{ PartNumber: String(number), ETag: etag },
			);
		}
		return part;
	});
}

/** Streams the parts, in order, into one file while hashing it. */
async function assemble(ctx: OssContext, parts: PartRecord[]) {
	const path = tempPath(ctx.state.dataDir);
	const hash = createHash('md5');
	let size = 0;
	try {
		await pipeline(async function* () {
			for (const part of parts) {
				for await (const chunk of createReadStream(part.path) as AsyncIterable<Buffer>) {
					hash.update(chunk);
					size += chunk.length;
					yield chunk;
				}
			}
		}, createWriteStream(path));
	} catch (error) {
		await rm(path, { force: true });
		throw error;
	}
	return { path, size, md5: hash.digest('hex') };
}

/**
 * CompleteMultipartUpload: XML part list (ascending, ETags matching) or `x-oss-complete-all: yes`;
 * every part but the last must be at least 100 KB.
 */
export async function completeMultipartUpload(ctx: OssContext) {
	const upload = activeUpload(ctx);
	ctx.record.uploadId = upload.uploadId;
	const xml = await readSmallBody(ctx.req, MAX_COMPLETE_BODY);
	let parts: PartRecord[];
	if (String(ctx.req.headers['x-oss-complete-all']).toLowerCase() === 'yes') {
		if (xml.trim()) {
			throw ossErrors.invalidArgument('With x-oss-complete-all: yes the request body must be empty.');
		}
		parts = [...upload.parts.values()].sort((a, b) => a.partNumber - b.partNumber);
		if (!parts.length) throw ossErrors.invalidArgument('The upload has no parts to complete.');
	} else {
		parts = requestedParts(upload, xml);
	}
	parts.slice(0, -1).forEach((part) => {
		if (part.size < MIN_PART_SIZE) {
			throw new OssError(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.', {
				MinSizeAllowed: String(MIN_PART_SIZE),
				ProposedSize: String(part.size),
				PartNumber: String(part.partNumber),
			});
		}
	});

	upload.status = 'completing';
	let assembled;
	try {
		assembled = await assemble(ctx, parts);
	} catch (error) {
		upload.status = 'active';
		throw error;
	}
	const path = ctx.state.objectPath(ctx.bucket, ctx.key);
	await rename(assembled.path, path);
	const partMd5s = Buffer.concat(parts.map((p) => Buffer.from(p.md5, 'hex')));
	const etag = `"${createHash('md5').update(partMd5s).digest('hex').toUpperCase()}-${parts.length}"`;
	ctx.registry.etags.set(`${ctx.bucket}/${ctx.key}`, etag);
	Object.assign(upload, {
		status: 'completed',
		completedAt: new Date().toISOString(),
		completedParts: parts.map((p) => p.partNumber),
		etag,
	});
	await rm(partsDir(ctx, upload.uploadId), { recursive: true, force: true });
	ctx.state.putObject({
		bucket: ctx.bucket,
		key: ctx.key,
		path,
		size: assembled.size,
		md5: assembled.md5,
		contentType: upload.contentType,
		storedAt: upload.completedAt ?? new Date().toISOString(),
		multipartUploadId: upload.uploadId,
		partCount: parts.length,
	});
	ctx.res.setHeader('ETag', etag);
	sendXml(
		ctx.res,
		200,
		`<CompleteMultipartUploadResult xmlns="${OSS_XMLNS}">${xmlFields({
			Location: `http://${ctx.bucket}.${String(ctx.req.headers.host ?? '').replace(`${ctx.bucket}.`, '')}/${ctx.key}`,
			Bucket: ctx.bucket,
			Key: ctx.key,
			ETag: etag,
		})}</CompleteMultipartUploadResult>`,
	);
}

/** AbortMultipartUpload: 204, parts deleted; unknown (or finished) upload → 404 NoSuchUpload. */
export async function abortMultipartUpload(ctx: OssContext) {
	const upload = activeUpload(ctx);
	upload.status = 'aborted';
	upload.abortedAt = new Date().toISOString();
	await rm(partsDir(ctx, upload.uploadId), { recursive: true, force: true });
	ctx.res.writeHead(204);
	ctx.res.end();
}

/** ListParts: `max-parts` (1..1000, default 1000) after `part-number-marker`. */
export async function listParts(ctx: OssContext) {
	const upload = activeUpload(ctx);
	const query = ctx.target.query;
	const maxRaw = query.get('max-parts');
	const maxParts = maxRaw === undefined || maxRaw === '' ? 1000 : Number(maxRaw);
	if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 1000) {
		throw ossErrors.invalidArgument('max-parts must be an integer between 1 and 1000.', {
			ArgumentName: 'max-parts',
			ArgumentValue: maxRaw ?? '',
		});
	}
	const markerRaw = query.get('part-number-marker');
	const marker = markerRaw ? Number(markerRaw) : 0;
	if (!Number.isInteger(marker) || marker < 0) {
		throw ossErrors.invalidArgument('part-number-marker must be a non-negative integer.', {
			ArgumentName: 'part-number-marker',
			ArgumentValue: markerRaw ?? '',
		});
	}
	const after = [...upload.parts.values()]
		.filter((p) => p.partNumber > marker)
		.sort((a, b) => a.partNumber - b.partNumber);
	const page = after.slice(0, maxParts);
	const truncated = after.length > page.length;
	const partsXml = page
		.map(
			(p) =>
				`<Part>${xmlFields({
					PartNumber: p.partNumber,
					LastModified: p.lastModified,
					ETag: p.etag,
					Size: p.size,
				})}</Part>`,
		)
		.join('');
	sendXml(
		ctx.res,
		200,
		`<ListPartsResult xmlns="${OSS_XMLNS}">${xmlFields({
			Bucket: ctx.bucket,
			Key: ctx.key,
			UploadId: upload.uploadId,
			PartNumberMarker: marker,
			NextPartNumberMarker: page.length ? page[page.length - 1].partNumber : marker,
			MaxParts: maxParts,
			IsTruncated: truncated,
		})}${partsXml}</ListPartsResult>`,
	);
}
