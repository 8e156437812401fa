import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { failItem } from '../../helpers/mediaItemErrors';
import { ItemInputError } from '../../helpers/items';
import { buildSearchMatch, toVodTime, VIDEO_STATUSES } from '../../helpers/searchMatch';
import { searchMedia } from '../../transport/vod/operations';
import type { MediaListItem, SearchMediaRequest } from '../../transport/vod/types';

type SearchType = NonNullable<SearchMediaRequest['SearchType']>;

/** SearchMedia pages: at most 100 a page; PageNo/PageSize alone reach only the first 5,000 results. */
const MAX_PAGE_SIZE = 100;
const PAGED_WINDOW = 5000;

/** By default SearchMedia returns only id, type and creation time; these make results useful. */
const DEFAULT_FIELDS: Record<SearchType, string> = {
	video:
		'Title,Status,Duration,Size,CoverURL,Description,Tags,CateId,CateName,StorageLocation,AppId,ModificationTime,MediaSource',
	audio:
		'Title,Status,Duration,Size,CoverURL,Description,Tags,CateId,CateName,StorageLocation,AppId,ModificationTime,MediaSource',
	image:
		'Title,FileName,URL,Status,Description,Tags,CateId,CateName,StorageLocation,AppId,ModificationTime',
	attached:
		'Title,FileName,URL,Status,Description,Tags,Categories,BusinessType,StorageLocation,ModificationTime',
};

const properties: INodeProperties[] = [
	{
		displayName: 'Search Type',
		name: 'searchType',
		type: 'options',
		options: [
			{ name: 'Video', value: 'video' },
			{ name: 'Audio', value: 'audio' },
			{ name: 'Image', value: 'image' },
			{ name: 'Attached Media', value: 'attached', description: 'Watermarks, subtitles, materials' },
		],
		default: 'video',
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName:
			'VOD lets image and attached media searches reach only their first 5,000 results (video and audio searches are walked to the end). Narrow the search with Created After / Before to reach the rest.',
		name: 'pagedWindowNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { returnAll: [true], searchType: ['image', 'attached'] } },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Category ID',
				name: 'categoryId',
				type: 'string',
				default: '',
				description: 'Only media in this category (numeric ID)',
			},
			{
				displayName: 'Created After',
				name: 'createdAfter',
				type: 'dateTime',
				default: '',
				description: 'Only media created after this moment',
			},
			{
				displayName: 'Created Before',
				name: 'createdBefore',
				type: 'dateTime',
				default: '',
				description: 'Only media created before this moment',
			},
			{
				displayName: 'Match Statement',
				name: 'match',
				type: 'string',
				default: '',
				placeholder: "e.g. Tags in ('archive') and Duration = (60,)",
				description:
					'A statement in VOD\'s media search syntax, combined with the other filters by "and". Quote text values with \' and put "or" groups in parentheses.',
			},
			{
				displayName: 'Statuses',
				name: 'statuses',
				type: 'multiOptions',
				options: VIDEO_STATUSES.map((s) => ({ name: s, value: s })),
				default: [],
				description: 'Only media in one of these states',
			},
			{
				displayName: 'Title Contains',
				name: 'title',
				type: 'string',
				default: '',
				description: 'Only media whose title contains this text',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Fields',
				name: 'fields',
				type: 'string',
				default: '',
				placeholder: 'e.g. Title,Status,Duration',
				description:
					'Comma-separated VOD fields to return. Empty returns title, status, duration, size, cover, tags, category and storage.',
			},
			{
				displayName: 'Sort By',
				name: 'sortBy',
				type: 'options',
				options: [
					{ name: 'Creation Time, Newest First', value: 'CreationTime:Desc' },
					{ name: 'Creation Time, Oldest First', value: 'CreationTime:Asc' },
					{ name: 'Modification Time, Newest First', value: 'ModificationTime:Desc' },
					{ name: 'Modification Time, Oldest First', value: 'ModificationTime:Asc' },
				],
				default: 'CreationTime:Desc',
			},
		],
	},
];

const displayOptions = { show: { resource: ['media'], operation: ['search'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface SearchFiltersParam {
	categoryId?: string | number;
	createdAfter?: string;
	createdBefore?: string;
	match?: string;
	statuses?: string[];
	title?: string;
}

/** Type-specific fields (Video, Audio, ...) lifted next to MediaId, so `$json.Title` works for all types. */
export function flattenMedia(media: MediaListItem): IDataObject {
	const { Video, Audio, Image, AttachedMedia, ...rest } = media;
	const detail = Video ?? Audio ?? Image ?? AttachedMedia ?? {};
	return { ...(rest as IDataObject), ...(detail as IDataObject) };
}

function readRequest(ctx: IExecuteFunctions, i: number): SearchMediaRequest {
	const searchType = ctx.getNodeParameter('searchType', i, 'video') as SearchType;
	const filters = ctx.getNodeParameter('filters', i, {}) as SearchFiltersParam;
	const options = ctx.getNodeParameter('options', i, {}) as { fields?: string; sortBy?: string };
	const timeZone = ctx.getTimezone();
	let match: string | undefined;
	let problem: string | undefined;
	try {
		match = buildSearchMatch({
			statuses: filters.statuses,
			title: filters.title,
			categoryId: filters.categoryId,
			createdAfter: filters.createdAfter ? toVodTime(filters.createdAfter, timeZone) : undefined,
			createdBefore: filters.createdBefore ? toVodTime(filters.createdBefore, timeZone) : undefined,
			match: filters.match,
		});
	} catch (error) {
		problem = (error as Error).message;
	}
	if (problem !== undefined) {
		throw new ItemInputError(`Filters: ${problem}`, 'Correct the filter, or remove it.');
	}
	const fields = options.fields
		?.split(',')
		.map((f) => f.trim())
		.filter((f) => f !== '')
		.join(',');
	return {
		SearchType: searchType,
		Match: match,
		Fields: fields || DEFAULT_FIELDS[searchType],
		SortBy: options.sortBy || 'CreationTime:Desc',
	};
}

function readCap(ctx: IExecuteFunctions, i: number): number {
	if (ctx.getNodeParameter('returnAll', i, false) as boolean) return Infinity;
	const limit = ctx.getNodeParameter('limit', i, 50) as number;
	if (!Number.isInteger(limit) || limit < 1) {
		throw new ItemInputError(`Limit ${limit} is not a positive whole number`, 'Give a Limit of 1 or more.');
	}
	return limit;
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const results: INodeExecutionData[] = [];
	const signal = this.getExecutionCancelSignal?.();
	for (let i = 0; i < items.length; i++) {
		// Kept apart until the walk ends: a search that fails halfway yields one error item, not a partial list.
		const found: INodeExecutionData[] = [];
		try {
			const request = readRequest(this, i);
			const cap = readCap(this, i);
			// Video and audio can be walked past 5,000 results with ScrollToken ("full scan");
			// image and attached media cannot.
			const fullScan = request.SearchType === 'video' || request.SearchType === 'audio';
			// One page size for the whole walk: VOD places a page at (PageNo - 1) × PageSize.
			const pageSize = Math.min(MAX_PAGE_SIZE, cap);
			let scrollToken: string | undefined;
			let total: number | undefined;
			let windowEnded = false;
			for (let pageNo = 1; found.length < cap; pageNo++) {
				if (!fullScan && (pageNo - 1) * pageSize >= PAGED_WINDOW) {
					windowEnded = true;
					break;
				}
				const response = await searchMedia.call(
					this,
					{ ...request, PageNo: pageNo, PageSize: pageSize, ScrollToken: scrollToken },
					{ signal },
				);
				const page = response.MediaList ?? [];
				for (const media of page) {
					if (found.length >= cap) break;
					found.push({ json: flattenMedia(media), pairedItem: { item: i } });
				}
				if (typeof response.Total === 'number') total = response.Total;
				if (page.length < pageSize) break;
				if (total !== undefined && pageNo * pageSize >= total) break;
				if (fullScan) scrollToken = response.ScrollToken || scrollToken;
			}
			if (windowEnded && (total === undefined || total > PAGED_WINDOW)) {
				this.addExecutionHints({
					message: `[item ${i}] VOD returns only the first ${PAGED_WINDOW} ${request.SearchType} search results${total !== undefined ? ` of ${total}` : ''}. Narrow the search (e.g. by Created After/Before) and run it per time range to reach the rest.`,
					type: 'warning',
					location: 'outputPane',
				});
			}
			results.push(...found);
		} catch (error) {
			results.push(failItem(this, error, i, {}, 'Search failed'));
		}
	}
	return results;
}
