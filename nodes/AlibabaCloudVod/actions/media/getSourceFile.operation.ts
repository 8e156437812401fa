import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { failItem } from '../../helpers/mediaItemErrors';
import { checkAuthTimeout, MAX_AUTH_TIMEOUT } from '../../helpers/mediaValidation';
import { getMezzanineInfo } from '../../transport/vod/operations';
import type { Mezzanine } from '../../transport/vod/types';
import {
	lookupLabel,
	mediaLookupProperties,
	rawLookupContext,
	readMediaLookup,
	simplifyProperty,
} from './common.description';

const properties: INodeProperties[] = [
	{
		displayName:
			'Returns the URL of the original (mezzanine) file as <code>sourceUrl</code>. To migrate media to another Alibaba Cloud account, feed it to URL Upload → Submit of a node using the other account, and give the URL enough Auth Timeout to outlive the URL pull queue.',
		name: 'sourceFileNotice',
		type: 'notice',
		default: '',
	},
	...mediaLookupProperties,
	{
		displayName: 'Output Type',
		name: 'outputType',
		type: 'options',
		options: [
			{
				name: 'OSS',
				value: 'oss',
				description:
					'A signed URL straight from the storage bucket, valid for Auth Timeout; works without a CDN domain',
			},
			{
				name: 'CDN',
				value: 'cdn',
				description:
					'A URL on your accelerated domain (needs a CDN domain configured in VOD; validity follows its URL signing settings)',
			},
		],
		default: 'oss',
	},
	{
		displayName: 'Auth Timeout (Seconds)',
		name: 'authTimeout',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_AUTH_TIMEOUT.cdn },
		default: 3600,
		description:
			'How long the returned URL stays valid. For OSS output at most 2,592,000 (30 days) for files in VOD storage and 129,600 (36 hours) for files in your own bucket; for CDN output at most ten years.',
	},
	{
		displayName: 'Addition Type',
		name: 'additionType',
		type: 'multiOptions',
		options: [
			{ name: 'Video Streams', value: 'video' },
			{ name: 'Audio Streams', value: 'audio' },
		],
		default: [],
		description: 'Extra stream metadata to return (codec, resolution, bitrate, ...)',
	},
	simplifyProperty,
];

const displayOptions = { show: { resource: ['media'], operation: ['getSourceFile'] } };

export const description = updateDisplayOptions(displayOptions, properties);

function simplifyMezzanine(mezzanine: Mezzanine): IDataObject {
	const out: IDataObject = {
		videoId: mezzanine.VideoId,
		fileName: mezzanine.FileName,
		size: mezzanine.Size,
		duration: mezzanine.Duration,
		width: mezzanine.Width,
		height: mezzanine.Height,
		bitrate: mezzanine.Bitrate,
		fps: mezzanine.Fps,
		status: mezzanine.Status,
		creationTime: mezzanine.CreationTime,
		fileMd5: mezzanine.FileMD5,
		videoStreams: mezzanine.VideoStreamList,
		audioStreams: mezzanine.AudioStreamList,
	};
	return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const results: INodeExecutionData[] = [];
	const signal = this.getExecutionCancelSignal?.();
	for (let i = 0; i < items.length; i++) {
		try {
			const lookup = readMediaLookup(this, i);
			const outputType = this.getNodeParameter('outputType', i, 'oss') as 'oss' | 'cdn';
			const authTimeout = checkAuthTimeout(this.getNodeParameter('authTimeout', i, 3600), outputType);
			const additionType = this.getNodeParameter('additionType', i, []) as string[];
			const simplify = this.getNodeParameter('simplify', i, true) as boolean;
			const requestedAt = Date.now();
			const { Mezzanine } = await getMezzanineInfo.call(
				this,
				{
					VideoId: lookup.VideoId,
					ReferenceId: lookup.ReferenceId,
					OutputType: outputType,
					AuthTimeout: authTimeout,
					AdditionType: additionType.length > 0 ? additionType.join(',') : undefined,
				},
				{ signal },
			);
			const head: IDataObject = { sourceUrl: Mezzanine.FileURL };
			// A CDN URL's lifetime follows the domain's URL signing settings, which the node cannot see.
			if (outputType === 'oss') {
				head.sourceUrlExpiresAt = new Date(requestedAt + authTimeout * 1000).toISOString();
			}
			results.push({
				json: { ...head, ...(simplify ? simplifyMezzanine(Mezzanine) : (Mezzanine as IDataObject)) },
				pairedItem: { item: i },
			});
		} catch (error) {
			const context = rawLookupContext(this, i);
			results.push(
				failItem(this, error, i, context, `Could not get the source file of ${lookupLabel(context)}`),
			);
		}
	}
	return results;
}
