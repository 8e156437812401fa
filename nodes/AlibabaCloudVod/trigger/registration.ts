import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { getMessageCallback, setMessageCallback } from '../transport/vod/operations';
import type { GetMessageCallbackResponse, SetMessageCallbackRequest } from '../transport/vod/types';
import { ALL_EVENTS, type TriggerOptions } from './description';
import { CALLBACK_CREDENTIAL_TYPE } from './receiveCallback';

/**
 * Callback Registration "Register in VOD on Activation": while the workflow is active, the region's HTTP callback points at this
 * webhook. VOD keeps one callback configuration per region (SetMessageCallback), shared by everything
 * that uses the account, so activation saves what was there and deactivation puts it back.
 *
 * The saved settings live in the node's static data. If the previous configuration used an auth key that
 * is not one of this node's credential keys, that key has to be kept there to be restored — as n8n's own
 * GitHub Trigger keeps its webhook secret in static data. It never reaches an item, an error or a log.
 */

type MessageCallback = NonNullable<GetMessageCallbackResponse['MessageCallback']>;

interface SavedCallbackSettings {
	CallbackType?: string;
	CallbackURL?: string;
	EventTypeList?: string;
	AuthSwitch?: string;
	/** where the previous AuthKey comes from on restore */
	authKeyFrom: 'none' | 'authKey' | 'previousAuthKey' | 'saved';
	AuthKey?: string;
	MnsEndpoint?: string;
	MnsQueueName?: string;
}

interface RegistrationState {
	callbackUrl: string;
	eventTypeList: string;
	registeredAt: string;
	previous: SavedCallbackSettings;
}

interface CallbackCredentials {
	authKey?: string;
	previousAuthKey?: string;
}

function isRegistrationOn(ctx: IHookFunctions) {
	return ctx.getNodeParameter('callbackRegistration', 'manual') === 'register';
}

function callbackUrlOf(ctx: IHookFunctions): string {
	const options = ctx.getNodeParameter('options', {}) as TriggerOptions;
	const url = options.publicCallbackUrl?.trim() || ctx.getNodeWebhookUrl('default');
	if (!url) {
		throw new NodeOperationError(ctx.getNode(), 'The webhook URL of this node is unknown', {
			description: 'Set Public Callback URL in the options to the URL VOD should call.',
		});
	}
	return url;
}

function eventTypeListOf(ctx: IHookFunctions) {
	const events = ctx.getNodeParameter('events', []) as string[];
	return events.includes(ALL_EVENTS) || events.length === 0 ? 'ALL' : events.join(',');
}

function stateOf(ctx: IHookFunctions): RegistrationState | undefined {
	const state = ctx.getWorkflowStaticData('node').registration as IDataObject | undefined;
	return state && typeof state.callbackUrl === 'string' ? (state as unknown as RegistrationState) : undefined;
}

async function currentSettings(ctx: IHookFunctions): Promise<MessageCallback> {
	const response = await getMessageCallback.call(ctx, {});
	return response.MessageCallback ?? {};
}

function isOurs(current: MessageCallback, callbackUrl: string, eventTypeList: string) {
	return (
		(current.CallbackType ?? 'HTTP').toUpperCase() === 'HTTP' &&
		current.CallbackURL === callbackUrl &&
		current.AuthSwitch === 'on' &&
		(current.EventTypeList ?? '') === eventTypeList
	);
}

function snapshot(current: MessageCallback, credentials: CallbackCredentials): SavedCallbackSettings {
	const key = current.AuthKey ?? '';
	let authKeyFrom: SavedCallbackSettings['authKeyFrom'] = 'saved';
	if (key === '') authKeyFrom = 'none';
	else if (key === credentials.authKey) authKeyFrom = 'authKey';
	else if (key === credentials.previousAuthKey) authKeyFrom = 'previousAuthKey';
	return {
		CallbackType: current.CallbackType,
		CallbackURL: current.CallbackURL,
		EventTypeList: current.EventTypeList,
		AuthSwitch: current.AuthSwitch,
		authKeyFrom,
		AuthKey: authKeyFrom === 'saved' ? key : undefined,
		MnsEndpoint: current.MnsEndpoint,
		MnsQueueName: current.MnsQueueName,
	};
}

function restoreRequest(
	previous: SavedCallbackSettings,
	credentials: CallbackCredentials,
): SetMessageCallbackRequest {
	const authKey =
		previous.authKeyFrom === 'saved'
			? previous.AuthKey
			: previous.authKeyFrom === 'none'
				? undefined
				: credentials[previous.authKeyFrom];
	const type = (previous.CallbackType ?? 'HTTP').toUpperCase() === 'MNS' ? 'MNS' : 'HTTP';
	return {
		CallbackType: type,
		CallbackURL: previous.CallbackURL,
		EventTypeList: previous.EventTypeList,
		AuthSwitch: previous.AuthSwitch === 'on' ? 'on' : 'off',
		AuthKey: authKey,
		MnsEndpoint: previous.MnsEndpoint,
		MnsQueueName: previous.MnsQueueName,
	};
}

/** true when VOD already calls this webhook with the selected events (or registration is off). */
export async function registrationExists(this: IHookFunctions): Promise<boolean> {
	if (!isRegistrationOn(this)) return true;
	const state = stateOf(this);
	if (!state) return false;
	return isOurs(await currentSettings(this), callbackUrlOf(this), eventTypeListOf(this));
}

export async function registerCallback(this: IHookFunctions): Promise<boolean> {
	if (!isRegistrationOn(this)) return true;
	const callbackUrl = callbackUrlOf(this);
	const eventTypeList = eventTypeListOf(this);
	const credentials = await this.getCredentials<CallbackCredentials>(CALLBACK_CREDENTIAL_TYPE);
	if (!credentials.authKey?.trim()) {
		throw new NodeOperationError(this.getNode(), 'The callback credential has no auth key', {
			description: 'Registration turns VOD callback authentication on with the credential’s key.',
		});
	}

	const current = await currentSettings(this);
	const state = stateOf(this);
	// Re-registering over our own earlier registration (events changed, n8n restarted) must keep the
	// settings from before the first registration, not save our own as "previous".
	const previous =
		state && current.CallbackURL === state.callbackUrl ? state.previous : snapshot(current, credentials);

	await setMessageCallback.call(this, {
		CallbackType: 'HTTP',
		CallbackURL: callbackUrl,
		EventTypeList: eventTypeList,
		AuthSwitch: 'on',
		AuthKey: credentials.authKey.trim(),
	});

	const registration: RegistrationState = {
		callbackUrl,
		eventTypeList,
		registeredAt: new Date().toISOString(),
		previous,
	};
	this.getWorkflowStaticData('node').registration = registration as unknown as IDataObject;
	return true;
}

export async function unregisterCallback(this: IHookFunctions): Promise<boolean> {
	if (!isRegistrationOn(this)) return true;
	const staticData = this.getWorkflowStaticData('node');
	const state = stateOf(this);
	if (!state) {
		this.logger.info('Alibaba Cloud VOD Trigger: no saved VOD callback settings to restore', {
			node: this.getNode().name,
		});
		return true;
	}

	const current = await currentSettings(this);
	if (current.CallbackURL !== state.callbackUrl) {
		// Someone else took the region's callback over since; putting ours "back" would clobber theirs.
		this.logger.warn(
			'Alibaba Cloud VOD Trigger: VOD callback settings changed since this workflow registered; leaving them as they are',
			{ node: this.getNode().name },
		);
		delete staticData.registration;
		return true;
	}

	const credentials = await this.getCredentials<CallbackCredentials>(CALLBACK_CREDENTIAL_TYPE);
	const request = restoreRequest(state.previous, credentials);
	if (!request.CallbackURL) {
		// The API leaves unset values unchanged, so an empty URL cannot be put back: keep ours, with the
		// previous event list and auth switch. n8n answers 404 on it once the workflow is inactive.
		this.logger.warn(
			'Alibaba Cloud VOD Trigger: VOD had no callback URL before; it keeps this webhook URL (clear it in the VOD console if needed)',
			{ node: this.getNode().name },
		);
	}
	// Errors propagate: n8n reports a failed deactivation, and the saved settings stay for another try.
	await setMessageCallback.call(this, request);
	delete staticData.registration;
	return true;
}
