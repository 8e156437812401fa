import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { batchByGroup } from '../../helpers/mediaBatches';
import { failBatch, failItem } from '../../helpers/mediaItemErrors';
import { checkCategoryId, checkFileUrl, storageLocationOf } from '../../helpers/mediaValidation';
import {
	checkDescription,
	checkHttpUrl,
	checkTags,
	checkText,
	checkUserData,
	LIMITS,
} from '../../helpers/metadataValidation';
import { ItemInputError } from '../../helpers/items';
import { sameUrl } from '../../helpers/sourceUrl';
import { getVideoInfo, registerMedia } from '../../transport/vod/operations';
import type { RegisterMetadata } from '../../transport/vod/types';

/** RegisterMedia takes at most 10 files a call. */
const REGISTER_BATCH_SIZE = 10;

const properties: INodeProperties[] = [
	{
		displayName:
			'Registers files that are already in an OSS bucket bound to VOD as media assets, without copying them. Up to 10 items go in one call.',
		name: 'registerNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'File URL',
		name: 'fileUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. https://my-bucket.oss-cn-shanghai.aliyuncs.com/videos/a.mp4',
		description:
			'The OSS URL of the file. The bucket must be added to VOD as a storage location (VOD console → Configuration Management → Storage).',
	},
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		required: true,
		default: '',
		description: 'Title of the media asset, at most 128 bytes, no emoji (™ © ® are fine)',
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Category ID',
				name: 'categoryId',
				type: 'number',
				default: 0,
				description: 'Numeric ID of a VOD category',
			},
			{
				displayName: 'Cover URL',
				name: 'coverUrl',
				type: 'string',
				default: '',
				description: 'URL of a thumbnail image',
			},
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description: 'At most 1,024 bytes, no emoji',
			},
			{
				displayName: 'Tags',
				name: 'tags',
				type: 'string',
				default: '',
				description: 'Comma-separated, at most 16 tags of at most 32 bytes each, no emoji',
			},
			{
				displayName: 'Template Group ID',
				name: 'templateGroupId',
				type: 'string',
				default: '',
				description:
					'Transcoding template group. Registered media is not transcoded unless one (or a Workflow ID) is given.',
			},
			{
				displayName: 'User Data',
				name: 'userData',
				type: 'json',
				default: '',
				description:
					'JSON object passed to VOD (e.g. {"Extend":{"sourceId":"42"}}); its Extend must be a JSON object of at most 512 bytes',
			},
			{
				displayName: 'Workflow ID',
				name: 'workflowId',
				type: 'string',
				default: '',
				description: 'VOD workflow to run on the media; wins over Template Group ID',
			},
		],
	},
];

const displayOptions = { show: { resource: ['media'], operation: ['register'] } };

export const description = updateDisplayOptions(displayOptions, properties);

interface AdditionalFields {
	categoryId?: number;
	coverUrl?: string;
	description?: string;
	tags?: string;
	templateGroupId?: string;
	userData?: string | IDataObject;
	workflowId?: string;
}

interface Registration {
	itemIndex: number;
	metadata: RegisterMetadata;
	/** parameters that apply to a whole call: only items that agree on them share one */
	call: { TemplateGroupId?: string; WorkflowId?: string; UserData?: string };
	group: string;
}

function readRegistration(ctx: IExecuteFunctions, i: number): Registration {
	const fileUrl = checkFileUrl(ctx.getNodeParameter('fileUrl', i, ''));
	const title = checkText('Title', ctx.getNodeParameter('title', i, ''), LIMITS.titleBytes, {
		required: true,
	})!;
	const fields = ctx.getNodeParameter('additionalFields', i, {}) as AdditionalFields;
	const metadata: RegisterMetadata = { FileURL: fileUrl, Title: title };
	const description = checkDescription(fields.description);
	if (description) metadata.Description = description;
	const tags = checkTags(fields.tags);
	if (tags) metadata.Tags = tags;
	const coverUrl = checkHttpUrl('Cover URL', fields.coverUrl);
	if (coverUrl) metadata.CoverURL = coverUrl;
	// 0 is the collection's "not set" default
	const cateId = fields.categoryId ? checkCategoryId(fields.categoryId) : undefined;
	if (cateId) metadata.CateId = cateId;
	const call = {
		TemplateGroupId: fields.templateGroupId?.trim() || undefined,
		WorkflowId: fields.workflowId?.trim() || undefined,
		UserData: checkUserData(fields.userData),
	};
	const group = JSON.stringify([
		storageLocationOf(fileUrl),
		call.TemplateGroupId,
		call.WorkflowId,
		call.UserData,
	]);
	return { itemIndex: i, metadata, call, group };
}

/**
 * A file registered before keeps its media and that media's metadata: VOD answers NewRegister false and
 * ignores the Title sent. The output reports the title VOD holds (GetVideoInfo), and the one given when it
 * differs; when that lookup fails, only the given one, named as such — the registration itself succeeded.
 */
async function heldMetadata(
	ctx: IExecuteFunctions,
	mediaId: string,
	givenTitle: string,
	signal: AbortSignal | undefined,
): Promise<IDataObject> {
	try {
		const { Video } = await getVideoInfo.call(ctx, { VideoId: mediaId }, { signal });
		return Video.Title === givenTitle ? { title: Video.Title } : { title: Video.Title, titleNotApplied: givenTitle };
	} catch {
		return { titleNotApplied: givenTitle };
	}
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const results: Array<INodeExecutionData | undefined> = new Array(items.length);
	const registrations: Registration[] = [];
	const fileUrlOf = (i: number) => {
		try {
			return { fileUrl: String(this.getNodeParameter('fileUrl', i, '') ?? '') };
		} catch {
			return {};
		}
	};

	// Validate everything first: an invalid item is never sent.
	for (let i = 0; i < items.length; i++) {
		try {
			registrations.push(readRegistration(this, i));
		} catch (error) {
			results[i] = failItem(this, error, i, fileUrlOf(i));
		}
	}

	const signal = this.getExecutionCancelSignal?.();
	const batches = batchByGroup(
		registrations,
		(r) => r.group,
		(r) => r.metadata.FileURL,
		REGISTER_BATCH_SIZE,
	);
	for (const batch of batches) {
		// a URL repeated within a batch is registered once; every item naming it gets that answer
		const metadatas: RegisterMetadata[] = [];
		for (const r of batch) {
			if (!metadatas.some((m) => m.FileURL === r.metadata.FileURL)) metadatas.push(r.metadata);
		}
		let response;
		try {
			response = await registerMedia.call(
				this,
				{ RegisterMetadatas: JSON.stringify(metadatas), ...batch[0].call },
				{ signal },
			);
		} catch (error) {
			const errorItems = failBatch(
				this,
				error,
				batch.map((r) => r.itemIndex),
				(i) => fileUrlOf(i),
				'RegisterMedia failed',
			);
			for (const item of errorItems) results[(item.pairedItem as { item: number }).item] = item;
			continue;
		}
		const registered = response.RegisteredMediaList ?? [];
		const failed = response.FailedFileURLs ?? [];
		for (const r of batch) {
			const fileUrl = r.metadata.FileURL;
			const media = registered.find((m) => sameUrl(m.FileURL, fileUrl));
			if (media) {
				const json: IDataObject = { mediaId: media.MediaId, newRegister: media.NewRegister, fileUrl };
				if (media.NewRegister === false) Object.assign(json, await heldMetadata(this, media.MediaId, r.metadata.Title, signal));
				else json.title = r.metadata.Title;
				results[r.itemIndex] = { json, pairedItem: { item: r.itemIndex } };
				continue;
			}
			const error = failed.some((u) => sameUrl(u, fileUrl))
				? new ItemInputError(
						`VOD could not register "${fileUrl}"`,
						'Check that the object exists, that its bucket is added to VOD as a storage location in this region, and that all files of one run are in buckets VOD can read.',
					)
				: new ItemInputError(
						`VOD did not report on "${fileUrl}" (RequestId ${response.RequestId})`,
						'Run the item again; registering the same file again is safe (it returns the same media ID).',
					);
			results[r.itemIndex] = failItem(this, error, r.itemIndex, { fileUrl });
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
