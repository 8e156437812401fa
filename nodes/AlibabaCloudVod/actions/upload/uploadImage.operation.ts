import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import {
	binaryPropertyField,
	metadataCollection,
	requestHeadersField,
	sourceField,
	titleField,
	transferOptions,
	urlField,
} from './common.description';
import { runUploads } from './execute';

const properties: INodeProperties[] = [
	{
		displayName: 'Image Type',
		name: 'imageType',
		type: 'options',
		options: [
			{ name: 'Cover', value: 'cover', description: 'A video cover (thumbnail)' },
			{ name: 'Default', value: 'default', description: 'A general image in the media library' },
		],
		default: 'default',
	},
	sourceField,
	{ ...binaryPropertyField, displayOptions: { show: { source: ['binary'] } } },
	{ ...urlField, displayOptions: { show: { source: ['url'] } } },
	{ ...requestHeadersField, displayOptions: { show: { source: ['url'] } } },
	titleField,
	metadataCollection('image'),
	transferOptions,
];

const displayOptions = { show: { resource: ['upload'], operation: ['uploadImage'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runUploads(this, items, 'image');
}
