import { randomBytes } from 'node:crypto';

import type { Operation } from '../context';
import { isoSeconds } from '../encoding';
import { errors, VodError } from '../errors';
import type { Media, MediaType } from '../model';
import { matches, parseMatch, validateMatch } from '../search-match';
import { intParam } from '../validate';
import { videoFields } from './media-info';
import { objectUrl } from '../media';

const WINDOW = 5000; // PageNo/PageSize reach only the first 5,000 results without a ScrollToken
const SCROLL_STEP = 100; // a ScrollToken request may move at most 100 records past the previous page
const SCROLL_TTL_MS = 30 * 60 * 1000;
const SEARCH_TYPES: Record<string, MediaType> = {
	video: 'video',
	audio: 'audio',
	image: 'image',
	attached: 'attached',
};
const SORT_FIELDS: Record<string, (m: Media) => number> = {
	creationtime: (m) => m.creationTime,
	modificationtime: (m) => m.modificationTime,
};

function comparator(sortBy: string) {
	const keys = sortBy.split(',').map((part) => {
		const [name, dir = 'Desc'] = part.trim().split(':');
		const get = SORT_FIELDS[name.toLowerCase()];
		if (!get || !/^(asc|desc)$/i.test(dir)) {
			throw errors.invalidParameter('SortBy', 'Use CreationTime:Desc, CreationTime:Asc, ModificationTime:Desc or ModificationTime:Asc.');
		}
		return { get, sign: dir.toLowerCase() === 'asc' ? 1 : -1 };
	});
	if (keys.length > 3) throw errors.invalidParameter('SortBy', 'At most 3 sort fields.');
	return (a: Media, b: Media) => {
		for (const { get, sign } of keys) {
			const d = get(a) - get(b);
			if (d !== 0) return d * sign;
		}
		return a.mediaId < b.mediaId ? -1 : a.mediaId > b.mediaId ? 1 : 0;
	};
}

function entry(ctx: Parameters<Operation>[0], media: Media) {
	const base = { MediaId: media.mediaId, MediaType: media.mediaType, CreationTime: isoSeconds(media.creationTime) };
	const video = { ...videoFields(media), Snapshots: [], SpriteSnapshots: [], MediaSource: 'general' };
	switch (media.mediaType) {
		case 'video':
			return { ...base, Video: video };
		case 'audio': {
			const { VideoId, ...rest } = video;
			return { ...base, Audio: { AudioId: VideoId, ...rest } };
		}
		case 'image':
			return {
				...base,
				Image: {
					ImageId: media.mediaId,
					Title: media.title,
					Status: media.status,
					CreationTime: isoSeconds(media.creationTime),
					ModificationTime: isoSeconds(media.modificationTime),
					URL: objectUrl(ctx.state, media),
					FileName: media.fileName,
					AppId: media.appId,
					StorageLocation: media.storageLocation,
				},
			};
		default:
			return {
				...base,
				AttachedMedia: {
					MediaId: media.mediaId,
					Title: media.title,
					Status: media.status,
					BusinessType: media.businessType,
					CreationTime: isoSeconds(media.creationTime),
					ModificationTime: isoSeconds(media.modificationTime),
					URL: objectUrl(ctx.state, media),
					AppId: media.appId,
					StorageLocation: media.storageLocation,
				},
			};
	}
}

export const SearchMedia: Operation = (ctx) => {
	const { params, store, caller } = ctx;
	const searchType = (params.get('SearchType') ?? 'video').toLowerCase();
	const mediaType = SEARCH_TYPES[searchType];
	if (!mediaType) throw errors.invalidParameter('SearchType', 'Use video, audio, image or attached.');
	const matchText = params.get('Match');
	const match = matchText ? parseMatch(matchText) : undefined;
	if (match) validateMatch(match);
	const sortBy = params.get('SortBy') ?? 'CreationTime:Desc';
	const order = comparator(sortBy);
	const pageNo = intParam(params, 'PageNo', 1, 1, 1_000_000);
	const pageSize = intParam(params, 'PageSize', 10, 1, 100);
	const start = (pageNo - 1) * pageSize;

	const queryKey = `${caller.accountId}\n${searchType}\n${matchText ?? ''}\n${sortBy}`;
	const scrollToken = params.get('ScrollToken');
	if (scrollToken !== undefined) {
		const scroll = store.scrolls.get(scrollToken);
		if (!scroll || scroll.expiresAt < Date.now() || scroll.key !== queryKey) {
			throw new VodError('InvalidScrollToken.Expired', 'The specified ScrollToken is expired or invalid.');
		}
		if (start > scroll.offset + SCROLL_STEP || start + pageSize < scroll.offset - SCROLL_STEP) {
			throw errors.invalidParameter(
				'PageNo',
				`With a ScrollToken a request may move at most ${SCROLL_STEP} records past the previous page.`,
			);
		}
	} else if (start + pageSize > WINDOW) {
		throw errors.invalidParameter(
			'PageNo',
			`PageNo × PageSize reaches only the first ${WINDOW} results; page further with the ScrollToken.`,
		);
	}

	const found = [...store.media.values()].filter(
		(m) => m.accountId === caller.accountId && m.mediaType === mediaType && (!match || matches(match, m)),
	);
	found.sort(order);
	const page = found.slice(start, start + pageSize);

	const result: Record<string, unknown> = {
		Total: found.length,
		MediaList: page.map((m) => entry(ctx, m)),
	};
	if (mediaType === 'video' || mediaType === 'audio') {
		const now = Date.now();
		for (const [token, s] of store.scrolls) if (s.expiresAt < now) store.scrolls.delete(token);
		const token = randomBytes(16).toString('hex');
		store.scrolls.set(token, { expiresAt: now + SCROLL_TTL_MS, offset: start + page.length, key: queryKey });
		result.ScrollToken = token;
	}
	return result;
};
