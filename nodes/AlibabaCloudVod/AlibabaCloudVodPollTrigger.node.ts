import type {
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';

import { credentialTest } from './methods';
import { pollTriggerOutputs, pollTriggerProperties } from './pollTrigger/description';
import { pollMedia } from './pollTrigger/poll';
import { readingCredentialsOnce } from './transport/credentials';

export class AlibabaCloudVodPollTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alibaba Cloud VOD Poll Trigger',
		name: 'alibabaCloudVodPollTrigger',
		icon: { light: 'file:alibabaCloudVod.svg', dark: 'file:alibabaCloudVod.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "Media: " + $parameter["mediaType"] }}',
		description:
			'Starts the workflow when a media in ApsaraVideo VOD changes status (uploaded, failed, transcoded...), by polling',
		defaults: { name: 'Alibaba Cloud VOD Poll Trigger' },
		// n8n adds the Poll Times parameter to every polling node
		polling: true,
		inputs: [],
		outputs: pollTriggerOutputs,
		credentials: [{ name: 'alibabaCloudVodApi', required: true, testedBy: 'alibabaCloudVodApiTest' }],
		properties: pollTriggerProperties,
	};

	methods = { credentialTest };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollMedia.call(readingCredentialsOnce(this));
	}
}
