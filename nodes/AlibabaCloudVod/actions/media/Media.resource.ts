import type { INodeProperties } from 'n8n-workflow';

import * as deleteMedia from './deleteMedia.operation';
import * as get from './get.operation';
import * as getPlayInfo from './getPlayInfo.operation';
import * as getSourceFile from './getSourceFile.operation';
import * as register from './register.operation';
import * as search from './search.operation';

export { get, getSourceFile, getPlayInfo, search, register, deleteMedia };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['media'] } },
		options: [
			{
				name: 'Delete',
				value: 'deleteMedia',
				description: 'Delete media with its source file and streams',
				action: 'Delete media',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get the details of a video or audio',
				action: 'Get media',
			},
			{
				name: 'Get Play Info',
				value: 'getPlayInfo',
				description: 'Get the playback URLs of the transcoded streams',
				action: 'Get play info',
			},
			{
				name: 'Get Source File',
				value: 'getSourceFile',
				description: 'Get the URL and details of the original uploaded file',
				action: 'Get the source file of media',
			},
			{
				name: 'Register OSS Objects',
				value: 'register',
				description: 'Turn files already in a VOD-bound OSS bucket into media',
				action: 'Register OSS objects as media',
			},
			{
				name: 'Search',
				value: 'search',
				description: 'Search media by status, time, title, category or a match statement',
				action: 'Search media',
			},
		],
		default: 'search',
	},
	...get.description,
	...getSourceFile.description,
	...getPlayInfo.description,
	...search.description,
	...register.description,
	...deleteMedia.description,
];
