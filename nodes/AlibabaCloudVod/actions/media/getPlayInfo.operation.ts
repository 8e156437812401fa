import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { failItem } from '../../helpers/mediaItemErrors';
import { checkAuthTimeout, checkVideoId, MAX_AUTH_TIMEOUT } from '../../helpers/mediaValidation';
import { getPlayInfo } from '../../transport/vod/operations';
import type { GetPlayInfoRequest, GetPlayInfoResponse } from '../../transport/vod/types';
import { rawLookupContext, simplifyProperty } from './common.description';

const properties: INodeProperties[] = [
	{
		displayName: 'Video ID',
		name: 'videoId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 93ab850b4f6f54b6e91d24d81d44****',
		description: 'The ID of the video or audio in VOD',
	},
	simplifyProperty,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Auth Timeout (Seconds)',
				name: 'authTimeout',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_AUTH_TIMEOUT.cdn },
				default: 3600,
				description:
					'How long the play URLs stay valid (needs URL signing on the CDN domain, or private OSS storage)',
			},
			{
				displayName: 'Definitions',
				name: 'definitions',
				type: 'multiOptions',
				options: [
					{ name: '2K', value: '2K' },
					{ name: '4K', value: '4K' },
					{ name: 'AUTO (Adaptive)', value: 'AUTO' },
					{ name: 'FD (Fluent)', value: 'FD' },
					{ name: 'HD (High)', value: 'HD' },
					{ name: 'HQ (High Audio)', value: 'HQ' },
					{ name: 'LD (Low)', value: 'LD' },
					{ name: 'OD (Original)', value: 'OD' },
					{ name: 'SD (Standard)', value: 'SD' },
					{ name: 'SQ (Standard Audio)', value: 'SQ' },
				],
				default: [],
				description: 'Only streams of these definitions (all when empty)',
			},
			{
				displayName: 'Formats',
				name: 'formats',
				type: 'multiOptions',
				options: [
					{ name: 'FLV', value: 'flv' },
					{ name: 'M3U8 (HLS)', value: 'm3u8' },
					{ name: 'MP3', value: 'mp3' },
					{ name: 'MP4', value: 'mp4' },
					{ name: 'MPD (DASH)', value: 'mpd' },
				],
				default: [],
				description: 'Only streams in these formats (all when empty)',
			},
			{
				displayName: 'Output Type',
				name: 'outputType',
				type: 'options',
				options: [
					{ name: 'CDN', value: 'cdn', description: 'URLs on your accelerated domain' },
					{ name: 'OSS', value: 'oss', description: 'URLs straight from the storage bucket' },
				],
				default: 'cdn',
			},
			{
				displayName: 'Result Type',
				name: 'resultType',
				type: 'options',
				options: [
					{
						name: 'Single',
						value: 'Single',
						description: 'The latest stream of each definition and format',
					},
					{
						name: 'Multiple',
						value: 'Multiple',
						description: 'Every stream, including older transcodes',
					},
				],
				default: 'Single',
			},
			{
				displayName: 'Stream Type',
				name: 'streamType',
				type: 'options',
				options: [
					{ name: 'Video', value: 'video' },
					{ name: 'Audio', value: 'audio' },
				],
				default: 'video',
			},
		],
	},
];

const displayOptions = { show: { resource: ['media'], operation: ['getPlayInfo'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface PlayInfoOptions {
	authTimeout?: number;
	definitions?: string[];
	formats?: string[];
	outputType?: 'oss' | 'cdn';
	resultType?: 'Single' | 'Multiple';
	streamType?: string;
}

function buildRequest(videoId: string, options: PlayInfoOptions): GetPlayInfoRequest {
	return {
		VideoId: videoId,
		Formats: options.formats?.length ? options.formats.join(',') : undefined,
		Definition: options.definitions?.length ? options.definitions.join(',') : undefined,
		AuthTimeout:
			options.authTimeout === undefined
				? undefined
				: checkAuthTimeout(options.authTimeout, options.outputType ?? 'cdn'),
		OutputType: options.outputType,
		StreamType: options.streamType,
		ResultType: options.resultType,
	};
}

function simplifyPlayInfo(response: GetPlayInfoResponse, videoId: string): IDataObject {
	const base = response.VideoBase ?? { VideoId: videoId };
	const streams = response.PlayInfoList?.PlayInfo ?? [];
	return {
		videoId: base.VideoId ?? videoId,
		title: base.Title,
		status: base.Status,
		duration: base.Duration,
		coverUrl: base.CoverURL,
		mediaType: base.MediaType,
		playUrls: streams.map((s) =>
			Object.fromEntries(
				Object.entries({
					url: s.PlayURL,
					definition: s.Definition,
					format: s.Format,
					streamType: s.StreamType,
					width: s.Width,
					height: s.Height,
					bitrate: s.Bitrate,
					duration: s.Duration,
					size: s.Size,
					encrypted: s.Encrypt === undefined ? undefined : Number(s.Encrypt) === 1,
					status: s.Status,
				}).filter(([, v]) => v !== undefined),
			),
		),
	};
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const results: INodeExecutionData[] = [];
	const signal = this.getExecutionCancelSignal?.();
	for (let i = 0; i < items.length; i++) {
		try {
			const videoId = checkVideoId(this.getNodeParameter('videoId', i, ''));
			const simplify = this.getNodeParameter('simplify', i, true) as boolean;
			const options = this.getNodeParameter('options', i, {}) as PlayInfoOptions;
			const response = await getPlayInfo.call(this, buildRequest(videoId, options), { signal });
			const json = simplify
				? simplifyPlayInfo(response, videoId)
				: ({ ...response } as unknown as IDataObject);
			results.push({ json, pairedItem: { item: i } });
		} catch (error) {
			const { videoId } = rawLookupContext(this, i);
			results.push(
				failItem(this, error, i, { videoId }, `Could not get play info of video "${videoId}"`),
			);
		}
	}
	return results;
}
