/**
 * Builds SearchMedia `Match` statements (VOD "protocol for media asset search").
 * String values are single-quoted; the protocol documents no escape for a quote inside a value, so a
 * backslash escapes `'` and `\` (the convention of the search engine behind it) instead of letting a
 * title like "Don't Stop" end the value early and turn the rest into syntax.
 */

export const VIDEO_STATUSES = [
	'Uploading',
	'UploadFail',
	'UploadSucc',
	'Transcoding',
	'TranscodeFail',
	'Checking',
	'Blocked',
	'Normal',
	'ProduceFail',
] as const;

export interface SearchFilters {
	statuses?: string[];
	/** exclusive lower bound, VOD time (yyyy-MM-ddTHH:mm:ssZ) */
	createdAfter?: string;
	/** exclusive upper bound, VOD time */
	createdBefore?: string;
	/** fuzzy: media whose title contains this text */
	title?: string;
	categoryId?: string | number;
	/** the user's own statement, ANDed with the rest */
	match?: string;
}

export function quoteMatchValue(value: string): string {
	return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `undefined` when there is nothing to filter on (SearchMedia then returns everything). */
export function buildSearchMatch(filters: SearchFilters): string | undefined {
	const parts: string[] = [];

	const statuses = (filters.statuses ?? []).map((s) => s.trim()).filter((s) => s !== '');
	if (statuses.length > 0) {
		parts.push(`Status in (${statuses.map(quoteMatchValue).join(',')})`);
	}

	const title = filters.title?.trim();
	if (title) parts.push(`Title = ${quoteMatchValue(title)}`);

	const categoryId = String(filters.categoryId ?? '').trim();
	if (categoryId !== '') {
		// CateId is a Long field: numbers go unquoted
		if (!/^\d+$/.test(categoryId)) {
			throw new Error(`Category ID must be a whole number, got "${categoryId}"`);
		}
		parts.push(`CateId = ${categoryId}`);
	}

	if (filters.createdAfter || filters.createdBefore) {
		const from = filters.createdAfter ? quoteMatchValue(filters.createdAfter) : '';
		const to = filters.createdBefore ? quoteMatchValue(filters.createdBefore) : '';
		parts.push(`CreationTime = (${from},${to})`);
	}

	const raw = filters.match?.trim();
	if (raw) parts.push(raw);

	return parts.length > 0 ? parts.join(' and ') : undefined;
}

function zoneOffsetMs(at: number, timeZone: string): number {
	const parts = new Intl.DateTimeFormat('en-US', {
		timeZone,
		hourCycle: 'h23',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
	}).formatToParts(new Date(at));
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	const asUtc = Date.UTC(
		get('year'),
		get('month') - 1,
		get('day'),
		get('hour'),
		get('minute'),
		get('second'),
	);
	return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * n8n date-time fields hold wall-clock strings without a zone ("2024-05-01T00:00:00"), meant in the
 * workflow's time zone; VOD wants UTC `yyyy-MM-ddTHH:mm:ssZ`. Values with a zone or offset keep it.
 */
export function toVodTime(value: string | Date, timeZone = 'UTC'): string {
	let ms: number;
	if (value instanceof Date) {
		ms = value.getTime();
	} else {
		const text = value.trim();
		const hasZone = /(?:[zZ]|[+-]\d{2}:?\d{2})$/.test(text);
		if (hasZone || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
			ms = Date.parse(text);
		} else {
			const naive = Date.parse(`${text.length === 10 ? `${text}T00:00:00` : text}Z`);
			ms = naive - zoneOffsetMs(naive, timeZone);
			// second pass lands on the right side of a DST switch
			ms = naive - zoneOffsetMs(ms, timeZone);
		}
	}
	if (Number.isNaN(ms)) throw new Error(`"${String(value)}" is not a date and time`);
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
