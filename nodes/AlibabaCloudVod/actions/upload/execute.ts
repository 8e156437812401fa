import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { failItem, vodErrorCode } from '../../helpers/mediaItemErrors';
import { ItemInputError } from '../../helpers/items';
import {
	checkCategoryId,
	checkReferenceId,
	checkTags,
	checkText,
} from '../../helpers/mediaValidation';
import { decodeUploadAddress, decodeUploadAuth } from '../../helpers/uploadCredentials';
import { formatBytes, MiB } from '../../helpers/uploadFormat';
import { choosePartSize, MAX_PART_SIZE_MIB } from '../../helpers/uploadParts';
import {
	ATTACHED_EXTENSIONS,
	AUDIO_EXTENSIONS,
	IMAGE_EXTENSIONS,
	VIDEO_EXTENSIONS,
	buildUserData,
	checkFileName,
	checkSourceUrl,
	deriveReferenceId,
	extensionOf,
} from '../../helpers/uploadValidation';
import { streamUpload, StreamUploadError, type UploadProgress } from '../../transport/ossUpload';
import {
	createUploadAttachedMedia,
	createUploadImage,
	createUploadVideo,
	getVideoInfo,
	refreshUploadVideo,
} from '../../transport/vod.operations';
import { openBinarySource, openUrlSource, type UploadSource } from './source';

export type UploadKind = 'video' | 'image' | 'attached';

/** Video statuses that mean the file never fully arrived: upload again to the same address. */
const UNFINISHED = new Set(['Uploading', 'UploadFail']);

interface Settings {
	kind: UploadKind;
	sourceType: 'binary' | 'url';
	binaryPropertyName?: string;
	url?: string;
	headers: Record<string, string>;
	title?: string;
	fileNameOverride?: string;
	description?: string;
	tags?: string;
	cateId?: number;
	userData?: string;
	options: IDataObject;
	referenceMode: 'derive' | 'custom' | 'none';
	referenceId?: string;
	imageType?: string;
	businessType?: string;
	partSize: number;
	parallel: number;
	maxAttempts: number;
	timeoutMs: number;
}

function text(value: unknown): string | undefined {
	const out = typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : String(value);
	return out === '' ? undefined : out;
}

/** Reads and checks one item's parameters; throws ItemInputError before any call is made. */
function readSettings(ctx: IExecuteFunctions, i: number, kind: UploadKind, fixedSource?: 'binary' | 'url'): Settings {
	const sourceType = fixedSource ?? (ctx.getNodeParameter('source', i, 'binary') as 'binary' | 'url');
	const options = ctx.getNodeParameter('mediaOptions', i, {}) as IDataObject;
	const transfer = ctx.getNodeParameter('transferOptions', i, {}) as IDataObject;

	const partSizeMiB = Number(transfer.partSizeMiB ?? 8);
	if (!(partSizeMiB >= 1 && partSizeMiB <= MAX_PART_SIZE_MIB)) {
		throw new ItemInputError(
			`Part Size ${partSizeMiB} MiB is out of range`,
			`Use 1 to ${MAX_PART_SIZE_MIB} MiB (8 is a good default).`,
		);
	}
	const parallel = Math.floor(Number(transfer.parallelParts ?? 4));
	if (!(parallel >= 1 && parallel <= 32)) {
		throw new ItemInputError(`Parallel Parts ${parallel} is out of range`, 'Use 1 to 32.');
	}

	const settings: Settings = {
		kind,
		sourceType,
		headers: {},
		title: checkText('Title', ctx.getNodeParameter('title', i, ''), 128),
		fileNameOverride: text(options.fileName),
		description: checkText('Description', options.description, 1024),
		tags: checkTags(options.tags),
		cateId: options.cateId ? checkCategoryId(options.cateId) : undefined,
		userData: buildUserData(options.callbackUrl, options.extend === '{}' ? undefined : options.extend),
		options,
		referenceMode: 'none',
		partSize: partSizeMiB * MiB,
		parallel,
		maxAttempts: Math.max(1, Math.floor(Number(transfer.maxAttempts ?? 5))),
		timeoutMs: Math.max(5, Number(transfer.requestTimeout ?? 300)) * 1000,
	};

	if (sourceType === 'binary') {
		settings.binaryPropertyName = String(ctx.getNodeParameter('binaryPropertyName', i, 'data')).trim();
	} else {
		settings.url = checkSourceUrl(ctx.getNodeParameter('url', i, ''));
		const headers = ctx.getNodeParameter('requestHeaders.header', i, []) as Array<{ name?: string; value?: string }>;
		for (const { name, value } of headers) {
			const key = text(name);
			if (!key) continue;
			if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
				throw new ItemInputError(`Request header name "${key}" is not valid`, 'Use a plain header name such as Authorization or Referer.');
			}
			settings.headers[key] = String(value ?? '');
		}
	}

	if (kind === 'video') {
		settings.referenceMode = ctx.getNodeParameter('referenceIdMode', i, 'derive') as Settings['referenceMode'];
		if (settings.referenceMode === 'custom') {
			settings.referenceId = checkReferenceId(ctx.getNodeParameter('referenceId', i, ''));
		}
	} else if (kind === 'image') {
		settings.imageType = String(ctx.getNodeParameter('imageType', i, 'default'));
	} else {
		settings.businessType = String(ctx.getNodeParameter('businessType', i, 'material'));
		if (!ATTACHED_EXTENSIONS[settings.businessType]) {
			throw new ItemInputError(`Business Type "${settings.businessType}" is not known`, 'Use subtitle, watermark or material.');
		}
	}
	return settings;
}

function allowedExtensions(settings: Settings): { list: string[]; what: string } {
	if (settings.kind === 'video') return { list: [...VIDEO_EXTENSIONS, ...AUDIO_EXTENSIONS], what: 'video or audio' };
	if (settings.kind === 'image') return { list: IMAGE_EXTENSIONS, what: 'image' };
	const type = settings.businessType as string;
	return { list: ATTACHED_EXTENSIONS[type], what: `${type}` };
}

/** What VOD made for the upload: its id, where to upload and how to renew the credentials. */
interface CreatedUpload {
	id: string;
	uploadAddress: string;
	uploadAuth: string;
	extra: IDataObject;
	resumed: boolean;
	renew?: () => Promise<string>;
}

async function findExistingVideo(ctx: IExecuteFunctions, referenceId: string, i: number) {
	let failure: unknown;
	try {
		const info = await getVideoInfo.call(ctx, { ReferenceId: referenceId }, { itemIndex: i });
		return info.Video;
	} catch (error) {
		failure = error;
	}
	const code = vodErrorCode(failure);
	if (code === 'InvalidVideo.NotFound' || code === 'InvalidVideo.NoneExist') return undefined;
	throw failure;
}

function progressReporter(ctx: IExecuteFunctions, i: number, label: string) {
	const manual = ctx.getMode() === 'manual';
	let nextPercent = 10;
	let nextParts = 50;
	let lastAt = Date.now();
	return (progress: UploadProgress) => {
		const total = progress.totalBytes;
		let due = false;
		if (total) {
			const percent = (progress.bytes / total) * 100;
			if (percent >= nextPercent) {
				due = true;
				nextPercent = Math.floor(percent / 10) * 10 + 10;
			}
		} else if (progress.parts >= nextParts) {
			due = true;
			nextParts += 50;
		}
		if (!due && Date.now() - lastAt < 30_000) return;
		lastAt = Date.now();
		const of = total ? ` of ${formatBytes(total)} (${Math.floor((progress.bytes / total) * 100)}%)` : '';
		const line = `[item ${i}] ${label}: ${formatBytes(progress.bytes)}${of} uploaded in ${progress.parts} parts`;
		ctx.logger.info(line);
		if (manual) ctx.sendMessageToUI(line);
	};
}

/** " (512 MiB, read from n8n's binary data file)": what the log says about the source besides its name */
function describeSource(source: UploadSource) {
	const notes = [
		source.totalBytes !== undefined ? formatBytes(source.totalBytes) : undefined,
		source.via,
	].filter(Boolean);
	return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

async function uploadItem(ctx: IExecuteFunctions, i: number, settings: Settings): Promise<IDataObject> {
	const signal = ctx.getExecutionCancelSignal?.();
	const source: UploadSource =
		settings.sourceType === 'binary'
			? await openBinarySource(ctx, i, settings.binaryPropertyName as string)
			: await openUrlSource(ctx, settings.url as string, settings.headers, signal, settings.timeoutMs);
	let consumed = false;
	try {
		const { list, what } = allowedExtensions(settings);
		const fileName = checkFileName(
			settings.fileNameOverride ?? source.fileName,
			list,
			what,
			settings.sourceType === 'binary'
				? "Set Media Options → File Name (e.g. \"intro.mp4\"), or give the binary data a file name"
				: 'Set Media Options → File Name (e.g. "intro.mp4")',
		);
		const title = settings.title ?? checkText('Title', fileName.replace(/\.[^.]*$/, ''), 128, { required: true }) as string;
		const partSize = choosePartSize(settings.partSize, source.totalBytes);
		const referenceId =
			settings.referenceMode === 'custom'
				? settings.referenceId
				: settings.referenceMode === 'derive'
					? deriveReferenceId(source.identity)
					: undefined;
		const options = settings.options;
		const common = {
			Description: settings.description,
			Tags: settings.tags,
			StorageLocation: text(options.storageLocation),
			UserData: settings.userData,
			AppId: text(options.appId),
		};

		let created: CreatedUpload;
		if (settings.kind === 'video') {
			const existing = referenceId ? await findExistingVideo(ctx, referenceId, i) : undefined;
			if (existing && !UNFINISHED.has(String(existing.Status))) {
				return {
					videoId: existing.VideoId,
					referenceId,
					alreadyUploaded: true,
					status: existing.Status,
					title: existing.Title,
					fileName,
					bytes: source.totalBytes ?? existing.Size,
					source: source.reference,
					sourceType: settings.sourceType,
				};
			}
			if (existing) {
				const refreshed = await refreshUploadVideo.call(ctx, { VideoId: existing.VideoId }, { itemIndex: i });
				created = {
					id: existing.VideoId,
					uploadAddress: refreshed.UploadAddress,
					uploadAuth: refreshed.UploadAuth,
					extra: {},
					resumed: true,
				};
			} else {
				const response = await createUploadVideo.call(ctx, {
					FileName: fileName,
					Title: title,
					FileSize: source.totalBytes,
					CateId: settings.cateId,
					CoverURL: text(options.coverUrl),
					TemplateGroupId: text(options.templateGroupId),
					WorkflowId: text(options.workflowId),
					ReferenceId: referenceId,
					...common,
				});
				created = {
					id: response.VideoId,
					uploadAddress: response.UploadAddress,
					uploadAuth: response.UploadAuth,
					extra: {},
					resumed: false,
				};
			}
			const videoId = created.id;
			created.renew = async () =>
				(await refreshUploadVideo.call(ctx, { VideoId: videoId }, { itemIndex: i, signal })).UploadAuth;
		} else if (settings.kind === 'image') {
			const response = await createUploadImage.call(ctx, {
				ImageType: settings.imageType as string,
				ImageExt: extensionOf(fileName),
				OriginalFileName: fileName,
				Title: title,
				CateId: settings.cateId,
				...common,
			});
			created = {
				id: response.ImageId,
				uploadAddress: response.UploadAddress,
				uploadAuth: response.UploadAuth,
				extra: { imageUrl: response.ImageURL, fileUrl: response.FileURL },
				resumed: false,
			};
		} else {
			const response = await createUploadAttachedMedia.call(ctx, {
				BusinessType: settings.businessType as string,
				MediaExt: extensionOf(fileName),
				FileName: fileName,
				FileSize: source.totalBytes !== undefined ? String(source.totalBytes) : undefined,
				Title: title,
				CateIds: settings.cateId ? String(settings.cateId) : undefined,
				...common,
			});
			created = {
				id: response.MediaId,
				uploadAddress: response.UploadAddress,
				uploadAuth: response.UploadAuth,
				extra: { mediaUrl: response.MediaURL, fileUrl: response.FileURL },
				resumed: false,
			};
		}

		const address = decodeUploadAddress(created.uploadAddress);
		const label = `${fileName} → VOD ${created.id}`;
		ctx.logger.info(
			`[item ${i}] Uploading ${source.label}${describeSource(source)} to VOD ${settings.kind} ${created.id} in parts of ${formatBytes(partSize)}`,
		);
		consumed = true;
		const renew = created.renew;
		let result;
		let failure: unknown;
		try {
			result = await streamUpload({
				address,
				credentials: decodeUploadAuth(created.uploadAuth),
				renewCredentials: renew
					? async () => {
							const auth = await renew();
							return decodeUploadAuth(auth);
						}
					: undefined,
				source: source.chunks,
				closeSource: () => source.close(),
				totalBytes: source.totalBytes,
				sourceLabel: source.label,
				partSize,
				parallel: settings.parallel,
				maxAttempts: settings.maxAttempts,
				requestTimeoutMs: settings.timeoutMs,
				contentType: source.mimeType,
				signal,
				onProgress: progressReporter(ctx, i, label),
				logger: ctx.logger,
			});
		} catch (error) {
			failure = error;
		}
		if (failure instanceof StreamUploadError) {
			throw uploadFailure(ctx, i, failure, settings, created.id, referenceId);
		}
		if (!result) throw failure;
		const idField = settings.kind === 'video' ? 'videoId' : settings.kind === 'image' ? 'imageId' : 'mediaId';
		const output: IDataObject = {
			[idField]: created.id,
			...(settings.kind === 'video' ? { referenceId, alreadyUploaded: false, resumed: created.resumed } : {}),
			...created.extra,
			title,
			fileName,
			bucket: result.bucket,
			objectKey: result.objectKey,
			bytes: result.bytes,
			partCount: result.partCount,
			partSizeBytes: partSize,
			uploadId: result.uploadId,
			seconds: result.seconds,
			throughputMiBps: result.throughputMiBps,
			credentialRenewals: result.credentialRenewals,
			retries: result.retries,
			source: source.reference,
			sourceType: settings.sourceType,
		};
		ctx.logger.info(
			`[item ${i}] ${label}: ${formatBytes(result.bytes)} uploaded in ${result.seconds} s (${result.throughputMiBps} MiB/s)`,
		);
		return output;
	} finally {
		if (!consumed) source.close();
	}
}

function uploadFailure(
	ctx: IExecuteFunctions,
	i: number,
	error: StreamUploadError,
	settings: Settings,
	id: string,
	referenceId: string | undefined,
): NodeOperationError {
	const rerun =
		settings.kind === 'video' && referenceId
			? ` Running the item again uploads to the same video ${id} (Reference ID ${referenceId}).`
			: '';
	const description =
		error.kind === 'source'
			? `The file could not be read to the end.${rerun}`
			: error.kind === 'cancelled'
				? `The execution was stopped.${rerun}`
				: `OSS refused or kept failing the upload; check the network to VOD storage, or raise Attempts per Part / Request Timeout.${rerun}`;
	return new NodeOperationError(ctx.getNode(), `[item ${i}] ${error.message}`, {
		itemIndex: i,
		description,
	});
}

/**
 * Runs the uploads of all items one after the other (each upload already keeps Parallel Parts
 * requests busy); every item yields one output item, in order.
 */
export async function runUploads(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	kind: UploadKind,
	fixedSource?: 'binary' | 'url',
): Promise<INodeExecutionData[]> {
	const results: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			if (ctx.getExecutionCancelSignal?.()?.aborted) {
				throw new NodeOperationError(ctx.getNode(), `[item ${i}] The execution was cancelled before this upload started`, { itemIndex: i });
			}
			const settings = readSettings(ctx, i, kind, fixedSource);
			const json = await uploadItem(ctx, i, settings);
			results.push({ json, pairedItem: { item: i } });
		} catch (error) {
			results.push(failItem(ctx, error, i, {}, undefined));
		}
	}
	return results;
}
