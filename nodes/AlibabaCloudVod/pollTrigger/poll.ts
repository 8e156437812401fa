import {
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
	type IPollFunctions,
} from 'n8n-workflow';

import { buildSearchMatch, quoteMatchValue } from '../helpers/searchMatch';
import { searchMedia } from '../transport/vod/operations';
import type { MediaListItem, SearchMediaRequest } from '../transport/vod/types';
import { lowerBound, observe, prune, readCursor, type PollCursor } from './cursor';
import {
	DEFAULT_MAX_ITEMS_PER_POLL,
	DEFAULT_OVERLAP_MINUTES,
	type PollFilters,
	type PollOptions,
	type PollParameters,
} from './description';
import {
	mediaStatus,
	modifiedAt,
	pollItem,
	SEARCH_FIELDS,
	type PollItem,
	type PollMediaType,
} from './mediaEvent';

/** SearchMedia's largest page. */
const PAGE_SIZE = 100;
/** PageNo × PageSize reaches 5,000 results: the most a walk through one second's ties can read. */
const MAX_TIE_PAGES = 50;
/** n8n 1.x gives a poll no budget; polls run at most once a minute. */
const DEFAULT_TIME_BUDGET_MS = 30_000;
/** Stop asking for pages once this share of the budget is spent: the last call needs time too. */
const BUDGET_SHARE = 0.8;
/** How long a poll counts as running (beyond its budget) for an overlapping poll to skip its turn. */
const BUSY_MARGIN_MS = 60_000;

type PollFunctionsWithBudget = IPollFunctions & { getPollBudgetMs?: () => number };

function readParameters(ctx: IPollFunctions): PollParameters {
	const options = ctx.getNodeParameter('options', {}) as PollOptions;
	const maxItems = options.maxItemsPerPoll ?? DEFAULT_MAX_ITEMS_PER_POLL;
	if (!Number.isInteger(maxItems) || maxItems < 1) {
		throw new NodeOperationError(ctx.getNode(), `Max Items Per Poll ${maxItems} is not a positive whole number`, {
			description: 'Set Max Items Per Poll to 1 or more, or remove the option.',
		});
	}
	const overlap = options.overlapMinutes ?? DEFAULT_OVERLAP_MINUTES;
	if (typeof overlap !== 'number' || !Number.isFinite(overlap) || overlap < 0) {
		throw new NodeOperationError(ctx.getNode(), `Re-Check Window ${String(overlap)} is not a number of minutes`, {
			description: 'Set Re-Check Window (Minutes) to 0 or more, or remove the option.',
		});
	}
	return {
		mediaType: ctx.getNodeParameter('mediaType', 'video') as PollMediaType,
		statuses: (ctx.getNodeParameter('statuses', []) as string[]).filter((s) => s.trim() !== ''),
		includeExisting: ctx.getNodeParameter('includeExisting', false) as boolean,
		filters: ctx.getNodeParameter('filters', {}) as PollFilters,
		options: { maxItemsPerPoll: maxItems, overlapMinutes: overlap },
	};
}

/** The filters as a Match statement (without the time window); undefined when there are none. */
function filterMatch(ctx: IPollFunctions, params: PollParameters): string | undefined {
	const { appId, categoryId, match, storageLocation, title } = params.filters;
	const extra: string[] = [];
	if (appId?.trim()) extra.push(`AppId = ${quoteMatchValue(appId.trim())}`);
	if (storageLocation?.trim()) {
		extra.push(`StorageLocation = ${quoteMatchValue(storageLocation.trim())}`);
	}
	// parenthesised: a user's "a or b" must not swallow the time window that is ANDed with it
	if (match?.trim()) extra.push(`(${match.trim()})`);
	try {
		return buildSearchMatch({
			statuses: params.statuses,
			title,
			categoryId,
			match: extra.length > 0 ? extra.join(' and ') : undefined,
		});
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), `Filters: ${(error as Error).message}`, {
			description: 'Correct the filter, or remove it.',
		});
	}
}

/** VOD's time format, whole seconds. */
function vodTime(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function request(
	params: PollParameters,
	match: string | undefined,
	extra: Partial<SearchMediaRequest>,
): SearchMediaRequest {
	return {
		SearchType: params.mediaType,
		Match: match,
		Fields: SEARCH_FIELDS[params.mediaType],
		PageNo: 1,
		PageSize: PAGE_SIZE,
		...extra,
	};
}

function usable(entry: MediaListItem): { at: number; status: string } | undefined {
	const at = modifiedAt(entry);
	const status = mediaStatus(entry);
	if (!entry.MediaId || !status || Number.isNaN(at)) return undefined;
	return { at, status };
}

/** "Fetch Test Event": the most recently changed matching media; the cursor is not touched. */
async function latestMedia(
	this: IPollFunctions,
	params: PollParameters,
): Promise<INodeExecutionData[][]> {
	const response = await searchMedia.call(
		this,
		request(params, filterMatch(this, params), { SortBy: 'ModificationTime:Desc', PageSize: 1 }),
	);
	const entry = response.MediaList?.[0];
	if (!entry) {
		throw new NodeOperationError(this.getNode(), 'No media matches the current filters', {
			description: `VOD has no ${params.mediaType} media with the chosen statuses and filters. Upload one, or widen the filters, then fetch again.`,
		});
	}
	return [this.helpers.returnJsonArray([pollItem(entry, undefined, new Date())])];
}

/**
 * First activation without Include Existing: remember where VOD's changes stand now (by VOD's clock, the
 * newest matching ModificationTime) and the media changed in that very second, so that only later
 * changes are reported.
 */
async function startFromNow(this: IPollFunctions, params: PollParameters): Promise<PollCursor> {
	const response = await searchMedia.call(
		this,
		request(params, filterMatch(this, params), { SortBy: 'ModificationTime:Desc' }),
	);
	const cursor: PollCursor = { v: 1, floor: 0, watermark: 0, seen: {} };
	for (const entry of response.MediaList ?? []) {
		const reading = usable(entry);
		if (!reading) continue;
		if (cursor.floor === 0) cursor.floor = cursor.watermark = reading.at;
		if (Math.floor(reading.at / 1000) < Math.floor(cursor.floor / 1000)) break;
		observe(cursor, { mediaId: entry.MediaId, status: reading.status, modifiedAt: reading.at });
	}
	return cursor;
}

interface DrainResult {
	items: PollItem[];
	error?: unknown;
}

/**
 * Reads the changes since the cursor, oldest first, and records them in it. Pages by ModificationTime
 * ("everything from the last change read on", always page 1) rather than by page number or ScrollToken:
 * that reaches any number of results for every media type (PageNo stops at 5,000 and image and attached
 * media cannot scroll), cannot skip a media when another one changes and moves to the end of the order
 * mid-walk, and leaves a resume point that a later poll, even in another process, can use (a ScrollToken's
 * lifetime is not documented). Page numbers are walked only through more than a page of media changed
 * in the same second.
 */
async function drain(
	this: IPollFunctions,
	params: PollParameters,
	cursor: PollCursor,
	deadline: number,
): Promise<DrainResult> {
	const overlapMs = (params.options.overlapMinutes ?? DEFAULT_OVERLAP_MINUTES) * 60_000;
	const maxItems = params.options.maxItemsPerPoll ?? DEFAULT_MAX_ITEMS_PER_POLL;
	const filter = filterMatch(this, params);
	const receivedAt = new Date();
	const items: PollItem[] = [];
	let from = lowerBound(cursor, overlapMs);
	let pageNo = 1;
	let lastAt: number | undefined;
	let complete = false;
	let error: unknown;
	try {
		walk: for (;;) {
			if (items.length >= maxItems || Date.now() >= deadline) break;
			const window = `ModificationTime = [${quoteMatchValue(vodTime(from))},)`;
			const response = await searchMedia.call(
				this,
				request(params, filter ? `${window} and ${filter}` : window, {
					SortBy: 'ModificationTime:Asc',
					PageNo: pageNo,
				}),
			);
			const page = response.MediaList ?? [];
			for (const entry of page) {
				const reading = usable(entry);
				if (!reading) continue;
				lastAt = reading.at;
				cursor.watermark = Math.max(cursor.watermark, reading.at);
				if (params.statuses.length > 0 && !params.statuses.includes(reading.status)) continue;
				const { emit, previous } = observe(cursor, {
					mediaId: entry.MediaId,
					status: reading.status,
					modifiedAt: reading.at,
				});
				if (emit) items.push(pollItem(entry, previous, receivedAt));
				if (items.length >= maxItems) break walk;
			}
			if (page.length < PAGE_SIZE) {
				complete = true;
				break;
			}
			const lastOnPage = Math.floor(modifiedAt(page[page.length - 1]) / 1000) * 1000;
			if (lastOnPage > from) {
				from = lastOnPage;
				pageNo = 1;
			} else if (pageNo < MAX_TIE_PAGES) {
				pageNo++;
			} else {
				this.logger.warn(
					`Alibaba Cloud VOD Poll Trigger: more than ${MAX_TIE_PAGES * PAGE_SIZE} media changed at ${vodTime(from)}; the rest of that second is skipped`,
					{ node: this.getNode().name },
				);
				from += 1000;
				pageNo = 1;
			}
		}
	} catch (caught) {
		error = caught;
	}
	if (complete) {
		delete cursor.resumeFrom;
	} else {
		cursor.resumeFrom = Math.max(from, lastAt ?? from);
	}
	prune(cursor, overlapMs);
	return { items, error };
}

function pollBudgetMs(ctx: PollFunctionsWithBudget): number {
	// n8n 2.x tells a poll how long it may take; 1.x does not have the method
	if (typeof ctx.getPollBudgetMs === 'function') {
		const budget = ctx.getPollBudgetMs();
		if (typeof budget === 'number' && Number.isFinite(budget) && budget > 0) return budget;
	}
	return DEFAULT_TIME_BUDGET_MS;
}

export async function pollMedia(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const params = readParameters(this);
	if (this.getMode() === 'manual') return await latestMedia.call(this, params);

	const staticData = this.getWorkflowStaticData('node') as IDataObject;
	const startedAt = Date.now();
	const budgetMs = pollBudgetMs(this);
	// A poll still draining when the next one is due (a seconds cron, a slow VOD): the later one
	// skips its turn rather than read and emit the same changes alongside it.
	if (typeof staticData.busyUntil === 'number' && staticData.busyUntil > startedAt) return null;
	staticData.busyUntil = startedAt + budgetMs + BUSY_MARGIN_MS;
	try {
		const stored = readCursor(staticData.cursor);
		// Include Existing applies to a first activation only: a cursor that cannot be read (written by
		// another version) restarts from now rather than report the whole library again.
		const firstActivation = staticData.cursor === undefined;
		if (!stored && !(firstActivation && params.includeExisting)) {
			if (!firstActivation) {
				this.logger.warn('Alibaba Cloud VOD Poll Trigger: the saved cursor is not readable; starting from now', {
					node: this.getNode().name,
				});
			}
			staticData.cursor = await startFromNow.call(this, params);
			return null;
		}
		const cursor = stored ?? { v: 1, floor: 0, watermark: 0, seen: {} };
		const { items, error } = await drain.call(this, params, cursor, startedAt + budgetMs * BUDGET_SHARE);
		// Nothing found before the failure: fail the poll (n8n shows the error) and keep the old cursor.
		if (error !== undefined && items.length === 0) throw error;
		if (error !== undefined) {
			// What was found is emitted; the next poll continues after it and meets the error again if it lasts.
			this.logger.warn(
				`Alibaba Cloud VOD Poll Trigger: a search failed after ${items.length} changes were found; the next poll continues from there (${(error as Error).message})`,
				{ node: this.getNode().name },
			);
		}
		staticData.cursor = cursor as unknown as IDataObject;
		return items.length > 0 ? [this.helpers.returnJsonArray(items)] : null;
	} finally {
		delete staticData.busyUntil;
	}
}
