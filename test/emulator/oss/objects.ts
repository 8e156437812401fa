import { createReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

import { etagOf, receiveBody } from './body';
import type { OssContext } from './context';
import { OssError, ossErrors } from './errors';
import { bodyWriteFaults } from './faults';

const MAX_OBJECT_SIZE = 5 * 1024 ** 3;

function contentType(ctx: OssContext) {
	const value = ctx.req.headers['content-type'];
	return value || undefined;
}

/** PutObject: body streamed to disk, MD5 computed on the way; ETag = quoted uppercase MD5. */
export async function putObject(ctx: OssContext) {
	const { state, registry, bucket, key, req, res } = ctx;
	if (Number(req.headers['content-length']) > MAX_OBJECT_SIZE) {
		throw new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.');
	}
	const faults = await bodyWriteFaults(ctx);
	const body = await receiveBody(req, state.dataDir, faults);
	const path = state.objectPath(bucket, key);
	await rename(body.path, path);
	const etag = etagOf(body.md5);
	registry.etags.set(`${bucket}/${key}`, etag);
	state.putObject({
		bucket,
		key,
		path,
		size: body.size,
		md5: body.md5.toString('hex'),
		contentType: contentType(ctx),
		storedAt: new Date().toISOString(),
	});
	res.writeHead(200, { ETag: etag, 'Content-Length': 0 });
	res.end();
}

function storedObject(ctx: OssContext) {
	const object = ctx.state.objects.get(`${ctx.bucket}/${ctx.key}`);
	if (!object) throw ossErrors.noSuchKey();
	return object;
}

/** A single `bytes=a-b` / `bytes=a-` / `bytes=-n` range; anything else means the whole object. */
function parseRange(header: string | undefined, size: number) {
	const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
	if (!match || (!match[1] && !match[2])) return undefined;
	let start: number;
	let end: number;
	if (!match[1]) {
		start = Math.max(0, size - Number(match[2]));
		end = size - 1;
	} else {
		start = Number(match[1]);
		end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
	}
	if (start >= size) {
		throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied.', {
			RangeRequested: header ?? '',
			ActualObjectSize: String(size),
		});
	}
	if (end < start) return undefined;
	return { start, end };
}

/** GetObject / HeadObject, streamed from the object's file; supports one byte range. */
export async function getObject(ctx: OssContext, headOnly: boolean) {
	const { req, res } = ctx;
	const object = storedObject(ctx);
	const range = parseRange(req.headers.range, object.size);
	const headers: Record<string, string | number> = {
		'Content-Type': object.contentType ?? 'application/octet-stream',
		ETag: ctx.registry.etags.get(`${ctx.bucket}/${ctx.key}`) ?? `"${object.md5.toUpperCase()}"`,
		'Last-Modified': new Date(object.storedAt).toUTCString(),
		'Accept-Ranges': 'bytes',
		'x-oss-object-type': object.multipartUploadId ? 'Multipart' : 'Normal',
		'x-oss-storage-class': 'Standard',
	};
	if (!object.multipartUploadId) headers['Content-MD5'] = Buffer.from(object.md5, 'hex').toString('base64');
	if (range) {
		headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.size}`;
		headers['Content-Length'] = range.end - range.start + 1;
	} else {
		headers['Content-Length'] = object.size;
	}
	res.writeHead(range ? 206 : 200, headers);
	if (headOnly || object.size === 0) {
		res.end();
		return;
	}
	await pipeline(createReadStream(object.path, range ?? {}), res);
}

export async function deleteObject(ctx: OssContext) {
	const object = ctx.state.objects.get(`${ctx.bucket}/${ctx.key}`);
	if (object) {
		ctx.state.objects.delete(`${ctx.bucket}/${ctx.key}`);
		ctx.registry.etags.delete(`${ctx.bucket}/${ctx.key}`);
		await rm(object.path, { force: true });
	}
	ctx.res.writeHead(204);
	ctx.res.end();
}
