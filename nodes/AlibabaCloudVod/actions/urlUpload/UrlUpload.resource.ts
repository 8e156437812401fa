import type { INodeProperties } from 'n8n-workflow';

import * as cancel from './cancel.operation';
import * as submit from './submit.operation';

export { submit, cancel };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['urlUpload'] } },
		options: [
			{
				name: 'Cancel',
				value: 'cancel',
				description: 'Cancel URL upload jobs that are still waiting in the queue',
				action: 'Cancel URL upload jobs',
			},
			{
				name: 'Submit',
				value: 'submit',
				description: 'Let VOD pull audio or video files from their URLs (batches of 20)',
				action: 'Submit files by URL',
			},
		],
		default: 'submit',
	},
	...submit.description,
	...cancel.description,
];
