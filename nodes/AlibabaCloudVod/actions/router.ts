import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import type { AlibabaCloudVodType } from './node.type';
import * as media from './media/Media.resource';
import * as upload from './upload/Upload.resource';
import * as urlUpload from './urlUpload/UrlUpload.resource';

/**
 * Every operation receives all input items at once: URL submits, registrations and deletes are batched
 * across items. Each operation returns exactly one output item per input item (success or error, with
 * pairedItem) and honours continueOnFail itself.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter<AlibabaCloudVodType>('resource', 0);
	const operation = this.getNodeParameter('operation', 0);
	const vodNodeData = { resource, operation } as AlibabaCloudVodType;

	switch (vodNodeData.resource) {
		case 'urlUpload':
			return [await urlUpload[vodNodeData.operation].execute.call(this, items)];
		case 'upload':
			return [await upload[vodNodeData.operation].execute.call(this, items)];
		case 'media':
			return [await media[vodNodeData.operation].execute.call(this, items)];
		default:
			throw new NodeOperationError(this.getNode(), `The resource "${resource}" is not known`);
	}
}
