import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { failItem } from '../../helpers/mediaItemErrors';
import { getVideoInfo } from '../../transport/vod/operations';
import type { VideoInfo } from '../../transport/vod/types';
import {
	lookupLabel,
	mediaLookupProperties,
	rawLookupContext,
	readMediaLookup,
	simplifyProperty,
} from './common.description';

const properties: INodeProperties[] = [...mediaLookupProperties, simplifyProperty];

const displayOptions = { show: { resource: ['media'], operation: ['get'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export function simplifyVideo(video: VideoInfo): IDataObject {
	return {
		videoId: video.VideoId,
		title: video.Title,
		status: video.Status,
		duration: video.Duration,
		size: video.Size,
		coverUrl: video.CoverURL,
		description: video.Description,
		tags: video.Tags,
		cateId: video.CateId,
		cateName: video.CateName,
		creationTime: video.CreationTime,
		modificationTime: video.ModificationTime,
		storageLocation: video.StorageLocation,
		referenceId: video.ReferenceId,
		snapshots: video.Snapshots?.Snapshot,
	};
}

function dropUndefined(data: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
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
			const simplify = this.getNodeParameter('simplify', i, true) as boolean;
			const { Video } = await getVideoInfo.call(
				this,
				{ VideoId: lookup.VideoId, ReferenceId: lookup.ReferenceId },
				{ signal },
			);
			results.push({
				json: simplify ? dropUndefined(simplifyVideo(Video)) : (Video as IDataObject),
				pairedItem: { item: i },
			});
		} catch (error) {
			const context = rawLookupContext(this, i);
			results.push(failItem(this, error, i, context, `Could not get ${lookupLabel(context)}`));
		}
	}
	return results;
}
