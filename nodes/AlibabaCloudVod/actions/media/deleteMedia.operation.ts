import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { batchByGroup } from '../../helpers/mediaBatches';
import { failBatch, failItem } from '../../helpers/mediaItemErrors';
import { ItemInputError } from '../../helpers/items';
import { checkVideoId } from '../../helpers/mediaValidation';
import { deleteVideo } from '../../transport/vod/operations';
import { rawLookupContext } from './common.description';

/** DeleteVideo takes at most 20 ids a call. */
const DELETE_BATCH_SIZE = 20;

const properties: INodeProperties[] = [
	{
		displayName:
			'Deletes the media for good: source file, transcoded streams and snapshots. Up to 20 items go in one call.',
		name: 'deleteNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Video ID',
		name: 'videoId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 93ab850b4f6f54b6e91d24d81d44****',
		description: 'The ID of the video or audio to delete',
	},
	{
		displayName: 'If Video Does Not Exist',
		name: 'ifMissing',
		type: 'options',
		options: [
			{
				name: 'Treat as Deleted',
				value: 'succeed',
				description:
					'Output {deleted: true, existed: false}: re-running a clean-up finds nothing left to do',
			},
			{
				name: 'Fail',
				value: 'fail',
				description: 'Treat an unknown ID as an error (e.g. to catch mistyped IDs)',
			},
		],
		default: 'succeed',
	},
];

const displayOptions = { show: { resource: ['media'], operation: ['deleteMedia'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface Deletion {
	itemIndex: number;
	videoId: string;
	ifMissing: string;
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const results: Array<INodeExecutionData | undefined> = new Array(items.length);
	const deletions: Deletion[] = [];
	const rawId = (i: number) => rawLookupContext(this, i);

	// Validate everything first: an invalid item is never sent.
	for (let i = 0; i < items.length; i++) {
		try {
			const videoId = checkVideoId(this.getNodeParameter('videoId', i, ''));
			const ifMissing = this.getNodeParameter('ifMissing', i, 'succeed') as string;
			deletions.push({ itemIndex: i, videoId, ifMissing });
		} catch (error) {
			results[i] = failItem(this, error, i, rawId(i));
		}
	}

	const signal = this.getExecutionCancelSignal?.();
	const batches = batchByGroup(
		deletions,
		() => '',
		(d) => d.videoId,
		DELETE_BATCH_SIZE,
	);
	for (const batch of batches) {
		const ids = [...new Set(batch.map((d) => d.videoId))];
		let response;
		try {
			response = await deleteVideo.call(this, { VideoIds: ids.join(',') }, { signal });
		} catch (error) {
			const errorItems = failBatch(
				this,
				error,
				batch.map((d) => d.itemIndex),
				(i) => rawId(i),
				'DeleteVideo failed',
			);
			for (const item of errorItems) results[(item.pairedItem as { item: number }).item] = item;
			continue;
		}
		const missing = new Set(response.NonExistVideoIds ?? []);
		const forbidden = new Set(response.ForbiddenVideoIds ?? []);
		for (const d of batch) {
			const { itemIndex, videoId } = d;
			if (forbidden.has(videoId)) {
				results[itemIndex] = failItem(
					this,
					new ItemInputError(
						`Not allowed to delete video "${videoId}"`,
						'The AccessKey may not delete this media: grant the RAM user vod:DeleteVideo on it, or use the account (or app) that owns it.',
					),
					itemIndex,
					{ videoId },
				);
			} else if (missing.has(videoId) && d.ifMissing === 'fail') {
				results[itemIndex] = failItem(
					this,
					new ItemInputError(
						`Video "${videoId}" does not exist`,
						'Check the ID and the region of the credential, or set "If Video Does Not Exist" to "Treat as Deleted" to accept media that is already gone.',
					),
					itemIndex,
					{ videoId },
				);
			} else {
				results[itemIndex] = {
					json: { deleted: true, videoId, existed: !missing.has(videoId) },
					pairedItem: { item: itemIndex },
				};
			}
		}
	}

	return results.map(
		(item, i) =>
			item ?? {
				json: { error: `[item ${i}] was not processed` },
				pairedItem: { item: i },
			},
	);
}
