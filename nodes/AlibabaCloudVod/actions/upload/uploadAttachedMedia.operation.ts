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
		displayName: 'Business Type',
		name: 'businessType',
		type: 'options',
		options: [
			{ name: 'Material', value: 'material', description: 'JPG, GIF, PNG, MP4, MAT, ZIP or APK' },
			{ name: 'Subtitle', value: 'subtitle', description: 'SRT, ASS, STL, TTML or VTT' },
			{ name: 'Watermark', value: 'watermark', description: 'PNG, GIF, APNG or MOV' },
		],
		default: 'subtitle',
	},
	sourceField,
	{ ...binaryPropertyField, displayOptions: { show: { source: ['binary'] } } },
	{ ...urlField, displayOptions: { show: { source: ['url'] } } },
	{ ...requestHeadersField, displayOptions: { show: { source: ['url'] } } },
	titleField,
	metadataCollection('attached'),
	transferOptions,
];

const displayOptions = { show: { resource: ['upload'], operation: ['uploadAttachedMedia'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runUploads(this, items, 'attached');
}
