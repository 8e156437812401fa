import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { checkReferenceId, checkVideoId } from '../../helpers/mediaValidation';

/** "Find By" + Video ID / Reference ID, for the operations VOD lets look up either way. */
export const mediaLookupProperties: INodeProperties[] = [
	{
		displayName: 'Find By',
		name: 'findBy',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Video ID', value: 'videoId', description: 'The ID VOD gave the media' },
			{
				name: 'Reference ID',
				value: 'referenceId',
				description: 'Your own ID, given to VOD when the media was created (Upload → Reference ID)',
			},
		],
		default: 'videoId',
	},
	{
		displayName: 'Video ID',
		name: 'videoId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 93ab850b4f6f54b6e91d24d81d44****',
		description: 'The ID of the video or audio in VOD (returned by URL Upload, Upload and Search)',
		displayOptions: { show: { findBy: ['videoId'] } },
	},
	{
		displayName: 'Reference ID',
		name: 'referenceId',
		type: 'string',
		required: true,
		default: '',
		description: 'The 6–64 character ID you gave VOD when the media was created',
		displayOptions: { show: { findBy: ['referenceId'] } },
	},
];

export const simplifyProperty: INodeProperties = {
	displayName: 'Simplify',
	name: 'simplify',
	type: 'boolean',
	default: true,
	description:
		'Whether to return a short version of the response with the commonly used fields instead of the raw VOD answer',
};

export interface MediaLookup {
	VideoId?: string;
	ReferenceId?: string;
	/** what to show in outputs and errors */
	context: { videoId?: string; referenceId?: string };
}

/** Reads and checks the lookup of item `i`; throws ItemInputError on bad input. */
export function readMediaLookup(ctx: IExecuteFunctions, i: number): MediaLookup {
	const findBy = ctx.getNodeParameter('findBy', i, 'videoId') as string;
	if (findBy === 'referenceId') {
		const referenceId = checkReferenceId(ctx.getNodeParameter('referenceId', i, ''));
		return { ReferenceId: referenceId, context: { referenceId } };
	}
	const videoId = checkVideoId(ctx.getNodeParameter('videoId', i, ''));
	return { VideoId: videoId, context: { videoId } };
}

/**
 * The Video ID (or Reference ID) of item i as given, for error items: the checked value may not exist, and
 * a list or object is kept as it came rather than read as "[object Object]".
 */
export function rawLookupContext(ctx: IExecuteFunctions, i: number): IDataObject {
	try {
		const findBy = ctx.getNodeParameter('findBy', i, 'videoId') as string;
		const name = findBy === 'referenceId' ? 'referenceId' : 'videoId';
		return { [name]: (ctx.getNodeParameter(name, i, '') ?? '') as IDataObject[string] };
	} catch {
		return {};
	}
}

/** `video "…"` / `the video with Reference ID "…"`, for error messages. */
export function lookupLabel(context: { videoId?: string; referenceId?: string }) {
	if (context.referenceId !== undefined) return `the video with Reference ID "${context.referenceId}"`;
	return `video "${context.videoId ?? ''}"`;
}
