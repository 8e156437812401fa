import type { IDataObject } from 'n8n-workflow';

/**
 * The event shape both VOD triggers emit (the webhook trigger from HTTP callbacks, the poll trigger from
 * SearchMedia). Field names are VOD's own (`EventType`, `VideoId`, `JobId`, `SourceURL`, ...), the names
 * the VOD docs and this package's action nodes use, so `$json.event.VideoId` means the same everywhere.
 * What normalisation changes, and why:
 * - keys are trimmed: VOD's own samples carry `"SourceURL "`, `"ErrorCode "`, `"ErrorMessage "`;
 * - numeric fields arrive as numbers or as strings ("Size":"123456", "Fps":"30") → numbers;
 *   `Encrypt` may be "true"/"false" → boolean;
 * - `EventTime` / `CreationTime` → ISO 8601 with milliseconds (VOD sends `2017-03-20T07:49:17Z`);
 * - `Extend` (the UserData.Extend passthrough, a JSON string) → the parsed value when it is JSON;
 * - `MediaId` is added: VideoId, ImageId or MediaId, whichever the event carries, so a workflow can
 *   follow any media without knowing which id field its event type uses.
 * Nested lists (TranscodeComplete `StreamInfos`) get the same treatment.
 */
export interface VodEvent extends IDataObject {
	EventType: string;
	EventTime?: string;
	Status?: string;
	MediaId?: string;
}

/**
 * How a trigger item's event reached n8n: signed by VOD with the credential's current or previous key,
 * unsigned (Accept Unsigned Callbacks), or read from VOD by the Poll Trigger with the API credential.
 */
export type EventAuthentication = 'currentKey' | 'previousKey' | 'unsigned' | 'polled';

/** The item both VOD triggers emit, one per event. */
export interface VodTriggerItem extends IDataObject {
	event: VodEvent;
	/** what VOD sent: the callback body, or the SearchMedia entry */
	raw: IDataObject;
	/** when n8n received the callback, or when the poll found the change */
	receivedAt: string;
	/** which key signed it: lets a key rotation be finished once nothing uses the previous key */
	authentication: EventAuthentication;
	/**
	 * the same for every delivery of one event: what to de-duplicate on downstream, e.g. with n8n's
	 * Remove Duplicates node, where the trigger's own suppression is not enough
	 */
	deliveryKey: string;
}

/** The event types VOD sends by HTTP callback, for the trigger's event filter. */
export const VOD_EVENT_TYPES: Array<{ name: string; value: string; description: string }> = [
	{
		name: 'Upload By URL Complete',
		value: 'UploadByURLComplete',
		description: 'A URL pull (UploadMediaByURL) job finished, successfully or not',
	},
	{
		name: 'File Upload Complete',
		value: 'FileUploadComplete',
		description: 'An audio or video file was uploaded into VOD storage',
	},
	{
		name: 'Image Upload Complete',
		value: 'ImageUploadComplete',
		description: 'An image was uploaded',
	},
	{
		name: 'Attached Media Upload Complete',
		value: 'AttachedMediaUploadComplete',
		description: 'An auxiliary media file (watermark, subtitle, material) was uploaded',
	},
	{
		name: 'Stream Transcode Complete',
		value: 'StreamTranscodeComplete',
		description: 'One definition and format of a video was transcoded',
	},
	{
		name: 'Transcode Complete',
		value: 'TranscodeComplete',
		description: 'All streams of a transcoding task finished',
	},
	{
		name: 'Video Analysis Complete',
		value: 'VideoAnalysisComplete',
		description: 'The source file was analysed (duration, size, resolution)',
	},
	{
		name: 'Snapshot Complete',
		value: 'SnapshotComplete',
		description: 'Snapshots were captured',
	},
	{
		name: 'Dynamic Image Complete',
		value: 'DynamicImageComplete',
		description: 'An animated image was generated',
	},
	{
		name: 'Create Audit Complete',
		value: 'CreateAuditComplete',
		description: 'A manual review result was recorded',
	},
	{
		name: 'AI Media Audit Complete',
		value: 'AIMediaAuditComplete',
		description: 'Automated content moderation finished',
	},
	{
		name: 'Produce Media Complete',
		value: 'ProduceMediaComplete',
		description: 'Online editing produced a video',
	},
	{
		name: 'Delete Media Complete',
		value: 'DeleteMediaComplete',
		description: 'Media files were deleted',
	},
	{
		name: 'Media Base Change Complete',
		value: 'MediaBaseChangeComplete',
		description: 'Basic media information changed',
	},
	{
		name: 'Add Live Record Video Complete',
		value: 'AddLiveRecordVideoComplete',
		description: 'A live stream recording was added to VOD',
	},
	{
		name: 'Live Record Video Compose Start',
		value: 'LiveRecordVideoComposeStart',
		description: 'Live recording composition started',
	},
];

/** Fields VOD documents as Long/Float/Integer that its samples also send as strings. */
const NUMERIC_FIELDS = new Set(['Size', 'Duration', 'Width', 'Height', 'Fps', 'Bitrate']);
const BOOLEAN_FIELDS = new Set(['Encrypt']);
const TIME_FIELDS = new Set(['EventTime', 'CreationTime']);
// Keys that would reach Object.prototype if copied onto a plain object.
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const DECIMAL = /^-?\d+(\.\d+)?$/;

export class CallbackPayloadError extends Error {}

/**
 * VOD's events nest three levels at most (event → StreamInfos → stream). A body far beyond that is not
 * VOD's, and walking it recursively — here, in the delivery key, or in n8n's copies of the item — would
 * exhaust the stack; so its shape is measured first, without recursion.
 */
export const MAX_CALLBACK_DEPTH = 32;
export const MAX_CALLBACK_VALUES = 100_000;

function checkShape(body: unknown) {
	const pending: Array<[unknown, number]> = [[body, 1]];
	let values = 0;
	while (pending.length > 0) {
		const [value, depth] = pending.pop()!;
		if (++values > MAX_CALLBACK_VALUES) {
			throw new CallbackPayloadError(`The callback body holds more than ${MAX_CALLBACK_VALUES} values`);
		}
		if (typeof value !== 'object' || value === null) continue;
		if (depth > MAX_CALLBACK_DEPTH) {
			throw new CallbackPayloadError(`The callback body is nested deeper than ${MAX_CALLBACK_DEPTH} levels`);
		}
		for (const child of Object.values(value)) pending.push([child, depth + 1]);
	}
}

/** Extend is the caller's passthrough: parsed only when its JSON is as shallow as a callback may be. */
function parseExtend(text: string): unknown {
	try {
		const parsed = JSON.parse(text) as unknown;
		checkShape(parsed);
		return parsed;
	} catch {
		return undefined;
	}
}

function isPlainObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normaliseValue(key: string, value: unknown): unknown {
	if (NUMERIC_FIELDS.has(key) && typeof value === 'string' && DECIMAL.test(value.trim())) {
		return Number(value.trim());
	}
	if (BOOLEAN_FIELDS.has(key) && typeof value === 'string') {
		const lower = value.trim().toLowerCase();
		if (lower === 'true' || lower === 'false') return lower === 'true';
	}
	if (TIME_FIELDS.has(key) && typeof value === 'string') {
		const time = Date.parse(value.trim());
		return Number.isNaN(time) ? value : new Date(time).toISOString();
	}
	if (key === 'Extend' && typeof value === 'string') {
		const text = value.trim();
		// a value that only looks like JSON (or is too deep to be the caller's Extend) stays as sent
		if (text.startsWith('{') || text.startsWith('[')) return parseExtend(text) ?? value;
		return value;
	}
	if (Array.isArray(value)) {
		return value.map((entry) => (isPlainObject(entry) ? normaliseFields(entry) : entry));
	}
	if (isPlainObject(value)) return normaliseFields(value);
	return value;
}

function normaliseFields(source: IDataObject): IDataObject {
	const result: IDataObject = {};
	for (const [rawKey, value] of Object.entries(source)) {
		const key = rawKey.trim();
		if (key === '' || UNSAFE_KEYS.has(key)) continue;
		// A correctly spelt key wins over its padded twin ("SourceURL" over "SourceURL ").
		if (key !== rawKey && key in result) continue;
		result[key] = normaliseValue(key, value) as IDataObject[string];
	}
	return result;
}

/** Normalises a parsed callback body; throws CallbackPayloadError when it is not a VOD event. */
export function normaliseVodEvent(body: unknown): VodEvent {
	if (!isPlainObject(body)) {
		throw new CallbackPayloadError('The callback body is not a JSON object');
	}
	checkShape(body);
	const fields = normaliseFields(body);
	if (typeof fields.EventType !== 'string' || fields.EventType.trim() === '') {
		throw new CallbackPayloadError('The callback body has no EventType');
	}
	fields.EventType = fields.EventType.trim();
	const mediaId = fields.MediaId ?? fields.VideoId ?? fields.ImageId;
	if (typeof mediaId === 'string' && mediaId !== '') fields.MediaId = mediaId;
	return fields as VodEvent;
}

/** VOD reports `success` or `fail`; anything else is kept as sent and counts as neither. */
export function eventOutcome(event: VodEvent): 'success' | 'fail' | 'other' {
	const status = typeof event.Status === 'string' ? event.Status.trim().toLowerCase() : '';
	if (status === 'success') return 'success';
	if (status === 'fail' || status === 'failed') return 'fail';
	return 'other';
}
