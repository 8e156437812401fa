import {
	updateDisplayOptions,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import {
	binaryPropertyField,
	metadataCollection,
	referenceFields,
	titleField,
	transferOptions,
} from './common.description';
import { runUploads } from './execute';

const properties: INodeProperties[] = [
	binaryPropertyField,
	titleField,
	...referenceFields,
	metadataCollection('video'),
	transferOptions,
];

const displayOptions = { show: { resource: ['upload'], operation: ['uploadBinary'] } };

export const description = updateDisplayOptions(displayOptions, properties);

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	return await runUploads(this, items, 'video', 'binary');
}
