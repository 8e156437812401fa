import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { failItem, vodErrorCode } from '../../helpers/mediaItemErrors';
import { itemList, ItemInputError, withRunSoFar, type DoneBeforeStop } from '../../helpers/items';
import { checkCategoryId, checkReferenceId } from '../../helpers/mediaValidation';
import {
	buildUserData,
	checkDescription,
	checkHttpUrl,
	checkTags,
	checkText,
	LIMITS,
	titleFromFileName,
} from '../../helpers/metadataValidation';
import { withFirstChunk } from '../../helpers/emptySource';
import { hasUserinfo } from '../../helpers/sourceUrl';
import { numberOption, wholeNumberOption } from '../../helpers/numberOptions';
import { formatBytes, MiB } from '../../helpers/uploadFormat';
import {
	COMPRESSED_FIX,
	emptySourceText,
	leftMediaText,
	oversizedSourceText,
	PLAIN_GET_FIX,
	rerunText,
	stalledBeforeCreateText,
	unreadableSourceText,
	withoutErrorCodes,
	type LeftMedia,
	type RefusalText,
} from '../../helpers/uploadMessages';
import {
	ATTACHED_EXTENSIONS,
	AUDIO_EXTENSIONS,
	IMAGE_EXTENSIONS,
	VIDEO_EXTENSIONS,
	checkFileName,
	checkSourceUrl,
	deriveReferenceId,
	derivedUploadFileName,
	extensionOf,
} from '../../helpers/uploadValidation';
import { SourceStalledError } from '../../transport/idleTimeout';
import { choosePartSize, MAX_PART_BUFFERS_MIB, parallelWithin } from '../../transport/oss/partSize';
import { decodeUploadAddress, decodeUploadAuth } from '../../transport/oss/uploadCredentials';
import { streamUpload, StreamUploadError, type UploadProgress } from '../../transport/oss/upload';
import { secretsOf } from '../../transport/redact';
import { toVodCredentials, VOD_CREDENTIAL_TYPE } from '../../transport/vod/request';
import {
	createUploadAttachedMedia,
	createUploadImage,
	createUploadVideo,
	getVideoInfo,
	refreshUploadVideo,
} from '../../transport/vod/operations';
import { vodErrorDetails } from '../../transport/vod/request';
import { ATTEMPTS_PER_PART, PARALLEL_PARTS, PART_SIZE_MIB } from './common.description';
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
	coverUrl?: string;
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

	const partSizeMiB = numberOption('Part Size (MiB)', transfer.partSizeMiB, PART_SIZE_MIB);
	const parallel = wholeNumberOption('Parallel Parts', transfer.parallelParts, PARALLEL_PARTS);
	const maxAttempts = wholeNumberOption('Attempts per Part', transfer.maxAttempts, ATTEMPTS_PER_PART);
	if (partSizeMiB * parallel > MAX_PART_BUFFERS_MIB) {
		throw new ItemInputError(
			`Part Size (MiB) ${partSizeMiB} × Parallel Parts ${parallel} asks for ${formatBytes(partSizeMiB * parallel * MiB)} of part buffers; the upload allows at most ${MAX_PART_BUFFERS_MIB} MiB`,
			`Lower Part Size or Parallel Parts (Transfer Options) so that their product is at most ${MAX_PART_BUFFERS_MIB} MiB, e.g. 8 MiB × 4 (the defaults) or 64 MiB × 16.`,
		);
	}

	const settings: Settings = {
		kind,
		sourceType,
		headers: {},
		title: checkText('Title', ctx.getNodeParameter('title', i, ''), LIMITS.titleBytes),
		fileNameOverride: checkText('File Name', options.fileName, LIMITS.fileNameBytes),
		description: checkDescription(options.description),
		coverUrl: checkHttpUrl('Cover URL', options.coverUrl),
		tags: checkTags(options.tags),
		cateId: options.cateId ? checkCategoryId(options.cateId) : undefined,
		userData: buildUserData(options.callbackUrl, options.extend),
		options,
		referenceMode: 'none',
		partSize: partSizeMiB * MiB,
		parallel,
		maxAttempts,
		timeoutMs: Math.max(5, Number(transfer.requestTimeout ?? 300)) * 1000,
	};

	if (sourceType === 'binary') {
		settings.binaryPropertyName = String(ctx.getNodeParameter('binaryPropertyName', i, 'data')).trim();
	} else {
		settings.url = checkSourceUrl(ctx.getNodeParameter('url', i, ''));
		const headers = ctx.getNodeParameter('requestHeaders.header', i, []) as Array<{ name?: string; value?: string }>;
		headers.forEach(({ name, value }, n) => {
			const key = text(name);
			if (!key) return;
			const header = String(value ?? '');
			checkRequestHeader(key, header, n + 1);
			settings.headers[key] = header;
		});
		refuseTwoCredentials(settings.url, settings.headers);
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

/**
 * user:password@ in the URL becomes an Authorization header of its own, which would replace the one given
 * under Request Headers without a word: with both, which one the user meant is unknown.
 */
function refuseTwoCredentials(url: string, headers: Record<string, string>) {
	if (!hasUserinfo(url) || !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) return;
	throw new ItemInputError(
		'URL carries a user name and password (user:…@, not shown) and Request Headers set Authorization too: the server would get only one of them',
		'Keep one: remove user:password@ from the URL, or remove the Authorization request header.',
	);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** what Node.js sends in a header value without refusing or mangling it: printable ASCII and tab */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** headers the download sets itself: the upload needs the whole file, stored bytes as they are */
const OWN_HEADERS: Record<string, string> = {
	'accept-encoding':
		'The node asks for the file as stored (Accept-Encoding: identity), so that its size is the size VOD keeps; a compressed answer would not be the file.',
	range: 'The node uploads whole files; a Range would upload a piece as if it were the file.',
};

/**
 * One of the user's request headers. The message names the header by its position, never by its name
 * or value: a secret pasted into the wrong field must not come back in an error.
 */
function checkRequestHeader(name: string, value: string, position: number) {
	const which = `Request header #${position}`;
	if (!HEADER_NAME.test(name)) {
		throw new ItemInputError(
			`${which} has a name that is not a valid HTTP header name (not shown: it may hold a secret)`,
			'A header name is one word of letters, digits and dashes, such as Authorization or Referer; put the rest in Value.',
		);
	}
	const own = OWN_HEADERS[name.toLowerCase()];
	if (own) throw new ItemInputError(`${which} (${name}) is set by the node itself`, `Remove it. ${own}`);
	if (!HEADER_VALUE.test(value)) {
		throw new ItemInputError(
			`${which} has a value with a character an HTTP header cannot carry (a line break, another control character or a non-ASCII letter; the value is not shown: it may hold a secret)`,
			'Remove the character, or encode it as the server expects (e.g. percent-encoding).',
		);
	}
}

/** Content types of pages and data, never of a video, an audio or an image: often a login or error page. */
const NOT_MEDIA_TYPE = /^(text\/.*|application\/(json|xml|xhtml\+xml|problem\+json|problem\+xml|javascript))$/i;
/** Playlists and manifests name the media's pieces; uploaded alone they play nothing. */
const PLAYLIST_TYPE = /^(application\/(vnd\.apple\.mpegurl|x-mpegurl|dash\+xml)|audio\/(x-)?mpegurl)$/i;
const PLAYLIST_PATH = /\.(m3u8|mpd)$/i;
/** Never one file: several parts (multipart/byteranges) or a submitted form. */
const NOT_ONE_FILE_TYPE = /^(multipart\/.*|application\/x-www-form-urlencoded)$/i;

/** What a Content-Type (a download's, or a binary's MIME type) says the source is, when that is not a file of the kind uploaded. */
function wrongTypeFor(settings: Settings, type: string, names: string[]): string | undefined {
	if (PLAYLIST_TYPE.test(type) || names.some((name) => PLAYLIST_PATH.test(name))) return 'a streaming playlist or manifest';
	if (NOT_ONE_FILE_TYPE.test(type)) return 'not a single file';
	if (settings.kind === 'attached') return /^(text\/html|application\/xhtml\+xml)$/i.test(type) ? 'a web page' : undefined;
	if (NOT_MEDIA_TYPE.test(type)) return 'a page or data';
	if (settings.kind === 'video' && /^image\/svg\+xml$/i.test(type)) return 'a drawing';
	if (settings.kind === 'image' && /^(video|audio)\//i.test(type)) return 'a video or audio';
	return undefined;
}

/**
 * Refuses a source that is not one whole file of the kind uploaded (a page, a playlist, a part, a
 * compressed body), before VOD creates a media for it: a download by its Content-Type and headers, a
 * binary by its MIME type, with the same rule.
 */
function checkSourceType(settings: Settings, source: UploadSource) {
	const fromUrl = settings.sourceType === 'url';
	if (source.contentEncoding) {
		throw new ItemInputError(
			`${source.label} answered compressed (Content-Encoding ${source.contentEncoding}) although the node asks for the file as stored (Accept-Encoding: identity); nothing was created in VOD`,
			COMPRESSED_FIX,
		);
	}
	if (source.partialRange) {
		throw new ItemInputError(
			`${source.label} answered with Content-Range ${source.partialRange}, only part of the file; nothing was created in VOD`,
			PLAIN_GET_FIX,
		);
	}
	const type = (source.mimeType ?? '').split(';')[0].trim().slice(0, 100);
	const names = fromUrl ? [new URL(settings.url as string).pathname, source.fileName ?? ''] : [source.fileName ?? ''];
	const what = wrongTypeFor(settings, type, names);
	if (!what) return;
	const wanted =
		settings.kind === 'video' ? 'a video or audio' : settings.kind === 'image' ? 'an image' : `a ${settings.businessType}`;
	const typed = fromUrl ? `answered with Content-Type ${type || '(none)'}` : `has MIME type ${type || '(none)'}`;
	throw new ItemInputError(
		`${source.label} ${typed}, ${what} rather than ${wanted} file; nothing was created in VOD`,
		what === 'a streaming playlist or manifest'
			? 'Upload the media file itself (e.g. the .mp4), or give the playlist URL to URL Upload → Submit, which VOD pulls with its segments.'
			: !fromUrl
				? `Check the node that made the binary data: it holds ${what}, not the media file. If the file is right and only its MIME type is wrong, set the right type (e.g. video/mp4) where the binary is made.`
				: what === 'a page or data' || what === 'a web page'
					? 'Servers send such answers for a login page, an error page or a download page: check the URL in a browser, and add the headers the server needs (Authorization, Cookie, Referer) under Request Headers.'
					: PLAIN_GET_FIX,
	);
}

/** The file name the upload gives VOD: Media Options → File Name, else the source's own. */
function fileNameFor(settings: Settings, sourceFileName: string | undefined): string {
	const { list, what } = allowedExtensions(settings);
	return checkFileName(
		settings.fileNameOverride ?? (sourceFileName && derivedUploadFileName(sourceFileName)),
		list,
		what,
		settings.sourceType === 'binary'
			? "Set Media Options → File Name (e.g. \"intro.mp4\"), or give the binary data a file name"
			: 'Set Media Options → File Name (e.g. "intro.mp4")',
	);
}

function refusal({ message, fix }: RefusalText) {
	return new ItemInputError(message, fix);
}

/**
 * What can be known of an item without sending anything: the binary is there, not empty, and its
 * file name (or File Name) has an extension VOD takes. Runs for every item before the first upload.
 */
async function checkBeforeSending(ctx: IExecuteFunctions, i: number, settings: Settings) {
	if (settings.sourceType === 'url') {
		if (settings.fileNameOverride) fileNameFor(settings, undefined);
		return;
	}
	const name = settings.binaryPropertyName as string;
	const source = await openBinarySource(ctx, i, name);
	try {
		if (source.totalBytes === 0) throw refusal(emptySourceText(source.label));
		fileNameFor(settings, source.fileName);
		checkSourceType(settings, source);
	} finally {
		source.close();
	}
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
		checkSourceType(settings, source);
		const fileName = fileNameFor(settings, source.fileName);
		// from the name as given: a title may hold the # or ? a file name may not
		const title = settings.title ?? titleFromFileName(settings.fileNameOverride ?? source.fileName ?? fileName, fileName);
		await checkFirstBytes(settings, source);
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
				refuseChangedSource(source, existing.VideoId, Number(existing.Size), referenceId as string);
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
			const uploadTo = async (videoId: string, resumed: boolean): Promise<CreatedUpload> => {
				const refreshed = await refreshUploadVideo.call(ctx, { VideoId: videoId }, { itemIndex: i });
				return {
					id: videoId,
					uploadAddress: refreshed.UploadAddress,
					uploadAuth: refreshed.UploadAuth,
					extra: {},
					resumed,
				};
			};
			if (existing) {
				created = await uploadTo(existing.VideoId, true);
			} else {
				let response;
				let failure: unknown;
				try {
					response = await createUploadVideo.call(ctx, {
						FileName: fileName,
						Title: title,
						FileSize: source.totalBytes,
						CateId: settings.cateId,
						CoverURL: settings.coverUrl,
						TemplateGroupId: text(options.templateGroupId),
						WorkflowId: text(options.workflowId),
						ReferenceId: referenceId,
						...common,
					});
				} catch (error) {
					failure = error;
				}
				if (response) {
					created = {
						id: response.VideoId,
						uploadAddress: response.UploadAddress,
						uploadAuth: response.UploadAuth,
						extra: {},
						resumed: false,
					};
				} else {
					// VOD may have made the video and lost the answer: the retry is then refused because the
					// Reference ID is taken — by that video, which this upload goes to instead of failing.
					const made = referenceId
						? await findExistingVideo(ctx, referenceId, i).catch(() => undefined)
						: undefined;
					if (!made || !UNFINISHED.has(String(made.Status))) throw failure;
					created = await uploadTo(made.VideoId, false);
				}
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
				http: async (request) => await ctx.helpers.httpRequest(request),
				address: decodeUploadAddress(created.uploadAddress),
				credentials: decodeUploadAuth(created.uploadAuth),
				credentialSecrets: secretsOf(toVodCredentials(await ctx.getCredentials(VOD_CREDENTIAL_TYPE))),
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
				parallel: parallelWithin(partSize, settings.parallel),
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
		if (!result) {
			const maybeStored = failure instanceof StreamUploadError && failure.maybeStored;
			const left = { kind: settings.kind, id: created.id, resumed: created.resumed, referenceId, maybeStored };
			throw uploadFailure(ctx, i, failure, left);
		}
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

/**
 * A video with the item's Reference ID is already in VOD. When the source now announces another size
 * than VOD stores, the file changed since: skipping it would report as uploaded what VOD does not hold.
 */
function refuseChangedSource(source: UploadSource, videoId: string, storedBytes: number, referenceId: string) {
	if (source.totalBytes === undefined || !(storedBytes > 0) || storedBytes === source.totalBytes) return;
	throw new ItemInputError(
		`${source.label} holds ${source.totalBytes} bytes now, but VOD video ${videoId} uploaded from it earlier (Reference ID ${referenceId}) holds ${storedBytes} bytes: the source changed since; nothing was uploaded`,
		`To upload the new version as another video, set Reference ID → Custom to a new ID; to replace it, delete video ${videoId} (Media → Delete) and run the item again.`,
	);
}

/**
 * Reads the source up to its first bytes before VOD creates a media: fails the item for a file with
 * nothing in it, for a download n8n could not read or unpack (a body that is not what its
 * Content-Encoding says), and for one that already exceeds its Content-Length — a compressed answer n8n
 * unpacked without a trace. (A compressed answer n8n left packed is refused before, by checkSourceType.)
 */
async function checkFirstBytes(settings: Settings, source: UploadSource) {
	let read: Awaited<ReturnType<typeof withFirstChunk>>;
	let failure: unknown;
	try {
		read = source.totalBytes === 0 ? undefined : await withFirstChunk(source.chunks);
	} catch (error) {
		failure = error;
	}
	if (failure instanceof SourceStalledError) {
		throw refusal(stalledBeforeCreateText(source.label, failure.receivedBytes, source.totalBytes, failure.silence));
	}
	if (failure !== undefined && settings.sourceType === 'url') {
		const reason = String((failure as Error)?.message ?? failure).split('\n')[0];
		throw refusal(unreadableSourceText(source.label, reason));
	}
	if (failure !== undefined) throw failure;
	if (!read) throw refusal(emptySourceText(source.label));
	if (source.totalBytes !== undefined && read.firstBytes > source.totalBytes) {
		throw refusal(oversizedSourceText(source.label, source.totalBytes));
	}
	source.chunks = read.chunks;
}

/** What to do about a failed upload; a VOD call that failed underneath (RefreshUploadVideo) says it itself. */
function failureFix(error: unknown, left: LeftMedia): string {
	const kind = error instanceof StreamUploadError ? error.kind : undefined;
	const vod = vodErrorDetails(error instanceof StreamUploadError ? error.cause : undefined);
	if (kind === 'source') return 'The source did not deliver the file as announced: the message says why, and what to fix first.';
	if (kind === 'cancelled') return 'The execution was stopped.';
	if (vod) return vod.hint;
	if (left.maybeStored) return 'The CompleteMultipartUpload went out but no answer settled it, so OSS may have stored the file.';
	if (kind === 'storage') {
		return 'OSS refused or kept failing the upload; check the network to VOD storage, or raise Attempts per Part / Request Timeout.';
	}
	return 'The upload into VOD storage could not start.';
}

function uploadFailure(
	ctx: IExecuteFunctions,
	i: number,
	error: unknown,
	left: LeftMedia,
): NodeOperationError {
	const cause = error instanceof StreamUploadError ? error.cause : undefined;
	const description = failureFix(error, left);
	const text = String((error as Error)?.message ?? error).replace(/^\[item \d+\] /, '').replace(/\.$/, '');
	const message = withoutErrorCodes(`[item ${i}] ${text}. ${leftMediaText(left)}`);
	const failure = new NodeOperationError(ctx.getNode(), message, {
		itemIndex: i,
		description: `${description} ${leftMediaText(left)}`,
	});
	// VOD's code and whether asking again may help travel with the error item (helpers/items.ts)
	const vodFields = (cause as { context?: IDataObject } | undefined)?.context?.vod;
	if (vodErrorDetails(cause) && vodFields) failure.context.vod = vodFields;
	return failure;
}

/**
 * Checks every item, then runs the uploads one after the other (each upload already keeps Parallel
 * Parts requests busy); every item yields one output item, in order. Without Continue On Fail an
 * invalid item stops the node before anything is sent, and a failed upload stops it naming what the
 * run already uploaded.
 */
export async function runUploads(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	kind: UploadKind,
	fixedSource?: 'binary' | 'url',
): Promise<INodeExecutionData[]> {
	const results: INodeExecutionData[] = new Array(items.length);
	const settingsOf: Array<Settings | undefined> = new Array(items.length);
	for (let i = 0; i < items.length; i++) {
		try {
			const settings = readSettings(ctx, i, kind, fixedSource);
			await checkBeforeSending(ctx, i, settings);
			settingsOf[i] = settings;
		} catch (error) {
			results[i] = failItem(ctx, error, i, {}, undefined);
		}
	}

	const uploaded: DoneBeforeStop[] = [];
	/** items uploaded without a Reference ID: running them again uploads them again */
	const unreferenced: number[] = [];
	for (let i = 0; i < items.length; i++) {
		const settings = settingsOf[i];
		if (!settings) continue;
		try {
			if (ctx.getExecutionCancelSignal?.()?.aborted) {
				throw new NodeOperationError(ctx.getNode(), `[item ${i}] The execution was cancelled before this upload started`, { itemIndex: i });
			}
			const json = await uploadItem(ctx, i, settings);
			results[i] = { json, pairedItem: { item: i } };
			if (!json.alreadyUploaded) {
				uploaded.push({ item: i, id: String(json.videoId ?? json.imageId ?? json.mediaId), source: String(json.source) });
				if (!json.referenceId) unreferenced.push(i);
			}
		} catch (error) {
			try {
				results[i] = failItem(ctx, error, i, {}, undefined);
			} catch (stop) {
				const notRun = settingsOf.flatMap((later, n) => (later && n > i ? [n] : []));
				throw withUploadsSoFar(stop as NodeOperationError, uploaded, unreferenced, notRun);
			}
		}
	}
	return results;
}

/** The error of a stopped run names the files it uploaded (they are in no output item) and the items never run. */
function withUploadsSoFar(error: NodeOperationError, uploaded: DoneBeforeStop[], unreferenced: number[], notRun: number[]) {
	const notes: string[] = [];
	if (notRun.length) notes.push(`Not uploaded: ${itemList(notRun)}.`);
	if (uploaded.length) notes.push(rerunText(uploaded.length, unreferenced));
	if (!uploaded.length && !notRun.length) return error;
	return withRunSoFar(error, {
		heading: `This run uploaded ${uploaded.length} file(s) before it stopped; they are in no output item:`,
		done: uploaded,
		doneKey: 'uploaded',
		notes,
		context: { uploaded, notUploadedItems: notRun },
	});
}
