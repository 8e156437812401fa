import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as media from './actions/media/Media.resource';
import * as upload from './actions/upload/Upload.resource';
import * as urlUpload from './actions/urlUpload/UrlUpload.resource';
import { router } from './actions/router';
import { credentialTest } from './methods';
import { readingCredentialsOnce } from './transport/credentials';

export class AlibabaCloudVod implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alibaba Cloud VOD',
		name: 'alibabaCloudVod',
		icon: { light: 'file:alibabaCloudVod.svg', dark: 'file:alibabaCloudVod.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Migrate and upload video and audio into Alibaba Cloud ApsaraVideo VOD',
		defaults: { name: 'Alibaba Cloud VOD' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'alibabaCloudVodApi', required: true, testedBy: 'alibabaCloudVodApiTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Media', value: 'media', description: 'Media assets already in VOD' },
					{ name: 'Upload', value: 'upload', description: 'Stream a file into VOD storage' },
					{
						name: 'URL Upload',
						value: 'urlUpload',
						description: 'Let VOD pull files from their URLs',
					},
				],
				default: 'urlUpload',
			},
			...urlUpload.description,
			...upload.description,
			...media.description,
		],
	};

	methods = { credentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(readingCredentialsOnce(this));
	}
}
