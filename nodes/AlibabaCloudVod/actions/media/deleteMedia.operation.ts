import {
	updateDisplayOptions,
	type NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { mapWithConcurrency } from '../../helpers/batching';
import { batchByGroup } from '../../helpers/mediaBatches';
import { failBatch, failItem, vodErrorCode } from '../../helpers/mediaItemErrors';
import { ItemInputError, withRunSoFar, type DoneBeforeStop } from '../../helpers/items';
import { checkVideoId } from '../../helpers/mediaValidation';
import { deleteVideo, getVideoInfo } from '../../transport/vod/operations';
import { rawLookupContext } from './common.description';

/** DeleteVideo takes at most 20 ids a call. */
const DELETE_BATCH_SIZE = 20;
/** GetVideoInfo calls at a time when checking IDs before a deletion (VOD's per-account QPS is shared) */
const LOOKUPS_IN_FLIGHT = 4;

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
	const toDelete = await withoutMissing(this, deletions, results, signal);

	// Without Continue On Fail a failure stops the node; its error names what was already deleted.
	const deleted: DoneBeforeStop[] = [];
	try {
		await deleteInBatches(this, toDelete, results, deleted, signal);
	} catch (error) {
		throw withRunSoFar(error as NodeOperationError, {
			heading: `This run deleted ${deleted.length} video(s) before it stopped; they are in no output item:`,
			done: deleted,
			doneKey: 'deletedVideos',
			context: { deletedVideos: deleted },
		});
	}

	return results.map(
		(item, i) =>
			item ?? {
				json: { error: `[item ${i}] was not processed` },
				pairedItem: { item: i },
			},
	);
}

function notFoundError(videoId: string) {
	return new ItemInputError(
		`Video "${videoId}" does not exist`,
		'Check the ID and the region of the credential, or set "If Video Does Not Exist" to "Treat as Deleted" to accept media that is already gone.',
	);
}

/**
 * With "If Video Does Not Exist" set to Fail, each such ID is looked up (GetVideoInfo) before anything is
 * deleted, so an unknown ID stops the node while every video is still there. Returns the deletions to run.
 */
async function withoutMissing(
	ctx: IExecuteFunctions,
	deletions: Deletion[],
	results: Array<INodeExecutionData | undefined>,
	signal: AbortSignal | undefined,
): Promise<Deletion[]> {
	const checked = deletions.filter((deletion) => deletion.ifMissing === 'fail');
	const ids = [...new Set(checked.map((deletion) => deletion.videoId))];
	const firstItem = new Map(checked.map((deletion): [string, number] => [deletion.videoId, deletion.itemIndex]).reverse());
	const failures = await mapWithConcurrency(ids, LOOKUPS_IN_FLIGHT, async (videoId) =>
		await lookUp(ctx, videoId, firstItem.get(videoId) as number, signal),
	);
	const failureOf = new Map(ids.map((videoId, n) => [videoId, failures[n]]));
	const kept: Deletion[] = [];
	for (const deletion of deletions) {
		const { itemIndex, videoId } = deletion;
		const failure = deletion.ifMissing === 'fail' ? failureOf.get(videoId) : undefined;
		if (failure) {
			results[itemIndex] = failItem(ctx, failure, itemIndex, { videoId }, `Could not check that video "${videoId}" exists (GetVideoInfo)`);
		} else {
			kept.push(deletion);
		}
	}
	return kept;
}

/** undefined when the video exists; otherwise why the item fails */
async function lookUp(ctx: IExecuteFunctions, videoId: string, itemIndex: number, signal: AbortSignal | undefined) {
	try {
		await getVideoInfo.call(ctx, { VideoId: videoId }, { itemIndex, signal });
		return undefined;
	} catch (error) {
		const code = vodErrorCode(error);
		return code === 'InvalidVideo.NotFound' || code === 'InvalidVideo.NoneExist' ? notFoundError(videoId) : error;
	}
}

async function deleteInBatches(
	ctx: IExecuteFunctions,
	deletions: Deletion[],
	results: Array<INodeExecutionData | undefined>,
	deleted: DoneBeforeStop[],
	signal: AbortSignal | undefined,
) {
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
			response = await deleteVideo.call(ctx, { VideoIds: ids.join(',') }, { signal });
		} catch (error) {
			const errorItems = failBatch(
				ctx,
				error,
				batch.map((d) => d.itemIndex),
				(i) => ({ videoId: batch.find((d) => d.itemIndex === i)?.videoId }),
				'DeleteVideo failed',
			);
			for (const item of errorItems) results[(item.pairedItem as { item: number }).item] = item;
			continue;
		}
		const missing = new Set(response.NonExistVideoIds ?? []);
		const forbidden = new Set(response.ForbiddenVideoIds ?? []);
		for (const d of batch) {
			if (!missing.has(d.videoId) && !forbidden.has(d.videoId)) deleted.push({ item: d.itemIndex, id: d.videoId });
		}
		for (const d of batch) {
			const { itemIndex, videoId } = d;
			if (forbidden.has(videoId)) {
				results[itemIndex] = failItem(
					ctx,
					new ItemInputError(
						`Not allowed to delete video "${videoId}"`,
						'The AccessKey may not delete this media: grant the RAM user vod:DeleteVideo on it, or use the account (or app) that owns it.',
					),
					itemIndex,
					{ videoId },
				);
			} else if (missing.has(videoId) && d.ifMissing === 'fail') {
				// gone between the check and the deletion
				results[itemIndex] = failItem(ctx, notFoundError(videoId), itemIndex, { videoId });
			} else {
				results[itemIndex] = {
					json: { deleted: true, videoId, existed: !missing.has(videoId) },
					pairedItem: { item: itemIndex },
				};
			}
		}
	}
}
