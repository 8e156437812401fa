import type {
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { credentialTest } from './methods';
import { readingCredentialsOnce } from './transport/credentials';
import { alibabaCloudVodCallbackApiTest } from './trigger/callbackCredentialTest';
import { triggerOutputs, triggerProperties } from './trigger/description';
import { receiveCallback } from './trigger/receiveCallback';
import {
	registerCallback,
	registrationExists,
	unregisterCallback,
} from './trigger/registration';

export class AlibabaCloudVodTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alibaba Cloud VOD Trigger',
		name: 'alibabaCloudVodTrigger',
		icon: { light: 'file:alibabaCloudVod.svg', dark: 'file:alibabaCloudVod.dark.svg' },
		group: ['trigger'],
		// 1.1 behaves as 1. For every request to a version 1 node n8n evaluates the old Webhook node's
		// Binary Data option as an expression, which in n8n 2.x takes an expression isolate; from 1.1 on
		// it does not (and may leave the body to the node: receiveCallback.ts rawBodyOf).
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{ $parameter["events"].join(", ") }}',
		description:
			'Starts the workflow when ApsaraVideo VOD reports an event by HTTP callback (upload, URL pull, transcode...)',
		defaults: { name: 'Alibaba Cloud VOD Trigger' },
		inputs: [],
		outputs: triggerOutputs,
		credentials: [
			{
				name: 'alibabaCloudVodCallbackApi',
				required: true,
				testedBy: 'alibabaCloudVodCallbackApiTest',
			},
			{
				name: 'alibabaCloudVodApi',
				required: true,
				testedBy: 'alibabaCloudVodApiTest',
				displayOptions: { show: { callbackRegistration: ['register'] } },
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				// VOD needs HTTP 200 within 5 s: answer on receipt, whatever the workflow then does.
				responseMode: 'onReceived',
				path: 'webhook',
			},
		],
		properties: triggerProperties,
	};

	methods = {
		credentialTest: { ...credentialTest, alibabaCloudVodCallbackApiTest },
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await registrationExists.call(readingCredentialsOnce(this));
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await registerCallback.call(readingCredentialsOnce(this));
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await unregisterCallback.call(readingCredentialsOnce(this));
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveCallback.call(readingCredentialsOnce(this));
	}
}
