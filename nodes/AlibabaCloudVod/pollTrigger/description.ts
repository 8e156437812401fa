import { NodeConnectionTypes, type INodeProperties } from 'n8n-workflow';

import { VIDEO_STATUSES } from '../helpers/searchMatch';
import type { PollMediaType } from './mediaEvent';

/** One emitted item per poll at most this many, unless the user sets another limit. */
export const DEFAULT_MAX_ITEMS_PER_POLL = 1000;
/** How far back each poll looks again, for media VOD's search index lists a little late. */
export const DEFAULT_OVERLAP_MINUTES = 2;

export interface PollFilters {
	appId?: string;
	categoryId?: string | number;
	match?: string;
	storageLocation?: string;
	title?: string;
}

export interface PollOptions {
	maxItemsPerPoll?: number;
	overlapMinutes?: number;
}

export interface PollParameters {
	mediaType: PollMediaType;
	statuses: string[];
	includeExisting: boolean;
	filters: PollFilters;
	options: PollOptions;
}

/** Outputs kept out of the node file: the two lint rule sets disagree on how to write them there. */
export const pollTriggerOutputs = [NodeConnectionTypes.Main];

export const pollTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'Polls VOD for media created or changed since the last poll and emits each status change once. Use it when VOD cannot reach this n8n by HTTP callback; otherwise the Alibaba Cloud VOD Trigger reports changes at once.',
		name: 'pollNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Media Type',
		name: 'mediaType',
		type: 'options',
		options: [
			{ name: 'Video', value: 'video' },
			{ name: 'Audio', value: 'audio' },
			{ name: 'Image', value: 'image' },
			{
				name: 'Attached Media',
				value: 'attached',
				description: 'Watermarks, subtitles, materials',
			},
		],
		default: 'video',
	},
	{
		displayName: 'Statuses to Report',
		name: 'statuses',
		type: 'multiOptions',
		options: VIDEO_STATUSES.map((status) => ({ name: status, value: status })),
		default: [],
		description:
			'Report a media when it reaches one of these statuses. None selected: every status change is reported.',
	},
	{
		displayName: 'Include Existing Media',
		name: 'includeExisting',
		type: 'boolean',
		default: false,
		description:
			'Whether the first activation also reports the media that already exist (their current status), oldest change first, over as many polls as that takes. Off: only changes from activation on.',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'App ID',
				name: 'appId',
				type: 'string',
				default: '',
				placeholder: 'e.g. app-1000000',
				description: 'Only media of this VOD application',
			},
			{
				displayName: 'Category ID',
				name: 'categoryId',
				type: 'string',
				default: '',
				description: 'Only media in this category (numeric ID)',
			},
			{
				displayName: 'Match Statement',
				name: 'match',
				type: 'string',
				default: '',
				placeholder: "e.g. Tags in ('archive') and Duration = (60,)",
				description:
					"A statement in VOD's media search syntax, combined with the other filters by \"and\". Quote text values with ' .",
			},
			{
				displayName: 'Storage Location',
				name: 'storageLocation',
				type: 'string',
				default: '',
				placeholder: 'e.g. outin-xxxxxxxx.oss-cn-shanghai.aliyuncs.com',
				description: 'Only media stored in this bucket',
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
				displayName: 'Max Items Per Poll',
				name: 'maxItemsPerPoll',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_MAX_ITEMS_PER_POLL,
				description:
					'A poll emits at most this many changes; a larger backlog continues at the next poll, where this one stopped',
			},
			{
				displayName: 'Re-Check Window (Minutes)',
				name: 'overlapMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_OVERLAP_MINUTES,
				description:
					"How far before the newest change already seen each poll looks again, so that a change VOD's search lists late is not missed. Repeats are suppressed.",
			},
		],
	},
];
