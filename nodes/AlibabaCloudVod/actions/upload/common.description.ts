import type { INodeProperties } from 'n8n-workflow';

import { numberOptionRange } from '../../helpers/numberOptions';

export const binaryPropertyField: INodeProperties = {
	displayName: 'Input Binary Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	placeholder: 'e.g. data',
	hint: 'The name of the input binary field that holds the file',
};

export const urlField: INodeProperties = {
	displayName: 'URL',
	name: 'url',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. https://media.example.com/videos/intro.mp4',
	description:
		'Address of the file. n8n downloads it and streams it into VOD storage part by part, without a temporary file.',
};

export const requestHeadersField: INodeProperties = {
	displayName: 'Request Headers',
	name: 'requestHeaders',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	default: {},
	placeholder: 'Add Header',
	description: 'Headers the source server needs, such as Authorization or Referer',
	options: [
		{
			name: 'header',
			displayName: 'Header',
			values: [
				{ displayName: 'Name', name: 'name', type: 'string', default: '' },
				{ displayName: 'Value', name: 'value', type: 'string', typeOptions: { password: true }, default: '' },
			],
		},
	],
};

export const sourceField: INodeProperties = {
	displayName: 'Source',
	name: 'source',
	type: 'options',
	options: [
		{ name: 'Binary Data', value: 'binary', description: 'A file in an input binary field' },
		{ name: 'URL', value: 'url', description: 'A file n8n downloads from a URL' },
	],
	default: 'binary',
};

export const titleField: INodeProperties = {
	displayName: 'Title',
	name: 'title',
	type: 'string',
	default: '',
	placeholder: 'e.g. Product launch keynote',
	description: 'At most 128 bytes (UTF-8), no emoji (™ © ® are fine). Leave empty to use the file name without its extension, without emoji and shortened to fit.',
};

const metadataOptions: INodeProperties[] = [
	{
		displayName: 'App ID',
		name: 'appId',
		type: 'string',
		default: '',
		placeholder: 'e.g. app-1000000',
		description: 'The VOD application the media belongs to (default app-1000000)',
	},
	{
		displayName: 'Callback URL',
		name: 'callbackUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://n8n.example.com/webhook/vod-events',
		description: 'Where VOD sends the event notifications of this upload (overrides the account setting)',
	},
	{
		displayName: 'Category ID',
		name: 'cateId',
		type: 'number',
		default: 0,
		description: 'Numeric ID of a VOD category (0 = none)',
	},
	{
		displayName: 'Description',
		name: 'description',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		description: 'At most 1024 bytes (UTF-8), no emoji',
	},
	{
		displayName: 'Extend (JSON)',
		name: 'extend',
		type: 'json',
		default: '{}',
		description:
			'Your own JSON object (at most 512 bytes) that VOD hands back in the callbacks, e.g. {"sourceId":"42"}',
	},
	{
		displayName: 'File Name',
		name: 'fileName',
		type: 'string',
		default: '',
		placeholder: 'e.g. intro.mp4',
		description:
			'Name with extension VOD records; the extension tells VOD the format. Default: the file name of the binary data or the URL.',
	},
	{
		displayName: 'Storage Location',
		name: 'storageLocation',
		type: 'string',
		default: '',
		placeholder: 'e.g. outin-xxxxxx.oss-cn-shanghai.aliyuncs.com',
		description: 'VOD storage address to use instead of the default one',
	},
	{
		displayName: 'Tags',
		name: 'tags',
		type: 'string',
		default: '',
		placeholder: 'e.g. keynote,2024',
		description: 'Comma-separated, at most 16 tags of at most 32 bytes each, no emoji',
	},
];

const videoOnlyOptions: INodeProperties[] = [
	{
		displayName: 'Cover URL',
		name: 'coverUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://media.example.com/covers/intro.jpg',
	},
	{
		displayName: 'Template Group ID',
		name: 'templateGroupId',
		type: 'string',
		default: '',
		description: 'Transcoding template group to apply',
	},
	{
		displayName: 'Workflow ID',
		name: 'workflowId',
		type: 'string',
		default: '',
		description: 'VOD workflow to run after the upload (wins over Template Group ID)',
	},
];

const byName = (a: INodeProperties, b: INodeProperties) => a.displayName.localeCompare(b.displayName);

export function metadataCollection(kind: 'video' | 'image' | 'attached'): INodeProperties {
	return {
		displayName: 'Media Options',
		name: 'mediaOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...metadataOptions, ...(kind === 'video' ? videoOnlyOptions : [])].sort(byName),
	};
}

export const referenceFields: INodeProperties[] = [
	{
		displayName: 'Reference ID',
		name: 'referenceIdMode',
		type: 'options',
		options: [
			{
				name: 'Derive From the Source',
				value: 'derive',
				description:
					'A hash of the URL, or of the file name, size, type and first 64 KiB: a re-run finds the video it made before instead of creating a second one',
			},
			{ name: 'Custom', value: 'custom', description: 'Your own ID, e.g. the ID of the file in your system' },
			{ name: 'None', value: 'none', description: 'Every run creates a new video' },
		],
		default: 'derive',
	},
	{
		displayName: 'Custom Reference ID',
		name: 'referenceId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. catalog-00042',
		description: '6–64 characters: letters, digits, - and _; unique in your account',
		displayOptions: { show: { referenceIdMode: ['custom'] } },
	},
];

const attemptsPerPart: INodeProperties = {
	displayName: 'Attempts per Part',
	name: 'maxAttempts',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 20 },
	default: 5,
	description: 'How often a part (or other storage request) is tried when the network or OSS fails',
};

const parallelParts: INodeProperties = {
	displayName: 'Parallel Parts',
	name: 'parallelParts',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 32 },
	default: 4,
	description:
		'Parts uploaded at the same time. Memory use is about Part Size × Parallel Parts, which may be at most 1024 MiB.',
};

const partSizeMiB: INodeProperties = {
	displayName: 'Part Size (MiB)',
	name: 'partSizeMiB',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: 1024 },
	default: 8,
	description:
		'Size of each uploaded part. Raised automatically when a file of known size would need more than 10,000 parts; a URL that does not announce its size (no Content-Length) takes at most Part Size × 10,000 (78 GiB at 8 MiB). Files smaller than one part are uploaded in a single request.',
};

/** The editor's limits are checked again at run time: an expression or the API can pass 0. */
export const ATTEMPTS_PER_PART = numberOptionRange(attemptsPerPart);
export const PARALLEL_PARTS = numberOptionRange(parallelParts);
export const PART_SIZE_MIB = numberOptionRange(partSizeMiB);

export const transferOptions: INodeProperties = {
	displayName: 'Transfer Options',
	name: 'transferOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		attemptsPerPart,
		parallelParts,
		partSizeMiB,
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'requestTimeout',
			type: 'number',
			typeOptions: { minValue: 5 },
			default: 300,
			description: 'How long one part upload may take, and how long a download of the source may go without sending a byte',
		},
	],
};
