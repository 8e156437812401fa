import type { IDataObject } from 'n8n-workflow';

import { lookUpInBatches } from '../../helpers/batching';
import { quoteMatchValue } from '../../helpers/searchMatch';
import { searchMedia } from './operations';
import type { MediaListItem, VodContext, VodRequestOptions } from './types';

/** Tags per SearchMedia call, and its page size (VOD's maximum). */
const TAGS_PER_SEARCH = 20;
const PAGE_SIZE = 100;
/** URL pulls make video or audio media. */
const SEARCH_TYPES = ['video', 'audio'] as const;

/** `failedVideoId`: the newest media of the tag whose upload failed, when none holds its file. */
export type MediaLookup =
	| { media: IDataObject }
	| { missing: true; failedVideoId?: string }
	| { error: unknown };

function details(item: MediaListItem) {
	return (item.Video ?? item.Audio ?? {}) as Record<string, unknown>;
}

function tagsOf(item: MediaListItem): string[] {
	return String(details(item).Tags ?? '')
		.split(',')
		.map((tag) => tag.trim());
}

/** A media whose upload failed holds no file: it does not stand for its source. */
function holdsFile(item: MediaListItem) {
	return details(item).Status !== 'UploadFail';
}

function mediaFields(item: MediaListItem): IDataObject {
	const info = details(item);
	return {
		videoId: item.MediaId,
		mediaType: item.MediaType ?? null,
		title: (info.Title as string) ?? null,
		status: (info.Status as string) ?? null,
		creationTime: item.CreationTime ?? null,
	};
}

/**
 * The newest media carrying each tag exactly (SearchMedia matches tags loosely, so the answer is checked
 * tag by tag), leaving out media whose upload failed. A call that fills its page is asked again tag by
 * tag, so one tag's many media cannot hide another's.
 */
export async function lookupMediaByTag(
	this: VodContext,
	tags: string[],
	concurrency: number,
	options: VodRequestOptions = {},
): Promise<Map<string, MediaLookup>> {
	const ask = async (batch: string[]) => {
		const records: MediaListItem[] = [];
		for (const SearchType of SEARCH_TYPES) {
			const response = await searchMedia.call(
				this,
				{
					SearchType,
					Match: `Tags in (${batch.map(quoteMatchValue).join(',')})`,
					Fields: 'Title,Status,Tags',
					SortBy: 'CreationTime:Desc',
					PageNo: 1,
					PageSize: PAGE_SIZE,
				},
				options,
			);
			const page = response.MediaList ?? [];
			records.push(...page);
			if (page.length >= PAGE_SIZE) return { records, full: true };
		}
		return { records, full: false };
	};
	const answer = (tag: string, records: MediaListItem[]): MediaLookup => {
		const tagged = records.filter((item) => tagsOf(item).includes(tag));
		const media = tagged.find(holdsFile);
		return media ? { media: mediaFields(media) } : { missing: true, failedVideoId: tagged[0]?.MediaId };
	};
	return await lookUpInBatches(tags, TAGS_PER_SEARCH, concurrency, ask, answer, options.signal);
}
