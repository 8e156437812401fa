import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import {
	metadataCollection,
	referenceFields,
	requestHeadersField,
	titleField,
	transferOptions,
	urlField,
} from './common.description';
import { runUploads } from './execute';

const properties: INodeProperties[] = [
	urlField,
	titleField,
	...referenceFields,
	requestHeadersField,
	metadataCollection('video'),
	transferOptions,
];

const displayOptions = { show: { resource: ['upload'], operation: ['uploadFromUrl'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runUploads(this, items, 'video', 'url');
}
