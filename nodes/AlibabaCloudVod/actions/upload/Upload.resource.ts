import type { INodeProperties } from 'n8n-workflow';

import * as uploadAttachedMedia from './uploadAttachedMedia.operation';
import * as uploadBinary from './uploadBinary.operation';
import * as uploadFromUrl from './uploadFromUrl.operation';
import * as uploadImage from './uploadImage.operation';

export { uploadBinary, uploadFromUrl, uploadImage, uploadAttachedMedia };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['upload'] } },
		options: [
			{
				name: 'Upload Attached Media',
				value: 'uploadAttachedMedia',
				description: 'Upload a subtitle, watermark or material file',
				action: 'Upload attached media',
			},
			{
				name: 'Upload Image',
				value: 'uploadImage',
				description: 'Upload a cover or library image',
				action: 'Upload an image',
			},
			{
				name: 'Upload Video/Audio From Binary Data',
				value: 'uploadBinary',
				description: 'Stream a file from an input binary field into VOD storage',
				action: 'Upload a video or audio file from binary data',
			},
			{
				name: 'Upload Video/Audio From URL',
				value: 'uploadFromUrl',
				description: 'Download a file and stream it into VOD storage as it arrives',
				action: 'Upload a video or audio file from a URL',
			},
		],
		default: 'uploadBinary',
	},
	...uploadBinary.description,
	...uploadFromUrl.description,
	...uploadImage.description,
	...uploadAttachedMedia.description,
];
