import { NodeConnectionTypes, type INodeTypeDescription } from 'n8n-workflow';

import * as media from './media/Media.resource';
import * as upload from './upload/Upload.resource';
import * as urlUpload from './urlUpload/UrlUpload.resource';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Alibaba Cloud VOD',
	name: 'alibabaCloudVod',
	icon: { light: 'file:alibabaCloudVod.svg', dark: 'file:alibabaCloudVod.dark.svg' },
	group: ['transform'],
	version: 1,
	subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
	description: 'Migrate and upload video and audio into Alibaba Cloud ApsaraVideo VOD',
	defaults: { name: 'Alibaba Cloud VOD' },
	// Uploads move whole media files; they are not something an AI agent should call as a tool.
	usableAsTool: false,
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [{ name: 'alibabaCloudApi', required: true, testedBy: 'alibabaCloudApiTest' }],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Media', value: 'media', description: 'Media assets already in VOD' },
				{ name: 'Upload', value: 'upload', description: 'Stream a file into VOD storage' },
				{ name: 'URL Upload', value: 'urlUpload', description: 'Let VOD pull files from their URLs' },
			],
			default: 'urlUpload',
		},
		...urlUpload.description,
		...upload.description,
		...media.description,
	],
};
