import type { IDataObject } from 'n8n-workflow';

import { callbackDeliveryKey } from '../helpers/callbackDedup';
import { normaliseVodEvent, type VodEvent, type VodTriggerItem } from '../helpers/callbackEvent';
import type { MediaListItem } from '../transport/vod/types';

/** The EventType of the poll trigger's events (VOD has no callback for "status is now X"). */
export const MEDIA_STATUS_EVENT = 'MediaStatusChanged';

export type PollMediaType = 'video' | 'audio' | 'image' | 'attached';

/** SearchMedia returns only ID, type and creation time unless asked for more. */
export const SEARCH_FIELDS: Record<PollMediaType, string> = {
	video:
		'Title,Status,Duration,Size,CoverURL,Description,Tags,CateId,CateName,StorageLocation,AppId,CreationTime,ModificationTime,MediaSource',
	audio:
		'Title,Status,Duration,Size,CoverURL,Description,Tags,CateId,CateName,StorageLocation,AppId,CreationTime,ModificationTime,MediaSource',
	image:
		'Title,FileName,URL,Status,Description,Tags,CateId,CateName,StorageLocation,AppId,CreationTime,ModificationTime',
	attached:
		'Title,FileName,URL,Status,Description,Tags,Categories,BusinessType,StorageLocation,AppId,CreationTime,ModificationTime',
};

/** The item the poll trigger emits for one status change: the webhook trigger's shape. */
export type PollItem = VodTriggerItem;

/** The type-specific part of an entry (Video, Audio, Image or AttachedMedia). */
export function mediaDetail(entry: MediaListItem): IDataObject {
	return (entry.Video ?? entry.Audio ?? entry.Image ?? entry.AttachedMedia ?? {}) as IDataObject;
}

export function mediaStatus(entry: MediaListItem): string | undefined {
	const status = mediaDetail(entry).Status;
	return typeof status === 'string' ? status.trim() : undefined;
}

/** ModificationTime in ms (VOD: yyyy-MM-ddTHH:mm:ssZ); falls back to CreationTime; NaN when neither parses. */
export function modifiedAt(entry: MediaListItem): number {
	const detail = mediaDetail(entry);
	const text = detail.ModificationTime ?? detail.CreationTime ?? entry.CreationTime;
	return typeof text === 'string' ? Date.parse(text.trim()) : Number.NaN;
}

const COPIED_FIELDS = [
	'Title',
	'Size',
	'Duration',
	'CreationTime',
	'CoverURL',
	'CateId',
	'CateName',
	'Tags',
	'AppId',
	'StorageLocation',
	'MediaSource',
	'FileName',
	'BusinessType',
];

/**
 * The entry in the shape the webhook trigger emits (`helpers/callbackEvent.ts`): VOD's field names,
 * numbers as numbers, times in ISO 8601, `MediaId` always set, `VideoId` / `ImageId` where VOD's own
 * callbacks for that media type carry them. `Status` is the media's status as SearchMedia reports it
 * (Normal, UploadFail, ...), `EventTime` the ModificationTime at which VOD recorded it.
 */
export function mediaEvent(entry: MediaListItem, previousStatus: string | undefined): VodEvent {
	const detail = mediaDetail(entry);
	const fields: IDataObject = {
		EventType: MEDIA_STATUS_EVENT,
		EventTime: detail.ModificationTime ?? detail.CreationTime ?? entry.CreationTime,
		MediaId: entry.MediaId,
		MediaType: entry.MediaType,
		Status: detail.Status,
	};
	if (previousStatus !== undefined) fields.PreviousStatus = previousStatus;
	if (entry.MediaType === 'video' || entry.MediaType === 'audio') fields.VideoId = entry.MediaId;
	if (entry.MediaType === 'image') fields.ImageId = entry.MediaId;
	for (const key of COPIED_FIELDS) {
		if (detail[key] !== undefined && detail[key] !== '') fields[key] = detail[key];
	}
	if (fields.CreationTime === undefined && entry.CreationTime) fields.CreationTime = entry.CreationTime;
	if (typeof detail.URL === 'string' && detail.URL !== '') fields.FileURL = detail.URL;
	const event = normaliseVodEvent(fields);
	const modified = modifiedAt(entry);
	if (!Number.isNaN(modified)) event.ModificationTime = new Date(modified).toISOString();
	return event;
}

/**
 * One status change of one media: which media, which status, and when VOD recorded it. Everything else
 * (PreviousStatus, which depends on what this trigger saw before; Title, Size) is left out, so a change
 * read again — the re-check window, a cursor that restarted — gets the same key.
 */
function statusChangeKey(event: VodEvent): string {
	const { EventType, MediaId, Status, EventTime } = event;
	return callbackDeliveryKey({ EventType, MediaId, Status, EventTime });
}

export function pollItem(
	entry: MediaListItem,
	previousStatus: string | undefined,
	receivedAt: Date,
): PollItem {
	const event = mediaEvent(entry, previousStatus);
	return {
		event,
		raw: entry as IDataObject,
		receivedAt: receivedAt.toISOString(),
		authentication: 'polled',
		deliveryKey: statusChangeKey(event),
	};
}
