import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { getMessageCallback, setMessageCallback } from '../transport/vod/operations';
import type { GetMessageCallbackResponse, SetMessageCallbackRequest } from '../transport/vod/types';
import { markedCallbackUrl, registeringWorkflowOf, unmarkedCallbackUrl } from '../helpers/callbackUrl';
import { ALL_EVENTS, type TriggerOptions } from './description';
import { assertTriggerOptions } from './options';
import { CALLBACK_CREDENTIAL_TYPE } from './receiveCallback';

/**
 * Callback Registration "Register in VOD on Activation": while the workflow is active, the region's HTTP
 * callback points at this webhook. VOD keeps one callback configuration per region (SetMessageCallback),
 * shared by everything that uses the account, so activation saves what was there and deactivation puts it
 * back.
 *
 * The saved settings live in the node's static data, which anyone who can open or export the workflow
 * reads, unencrypted. So no key is saved there: VOD's previous auth key is restored only when it is one of
 * the callback credential's two keys, and the settings record which one. When VOD signs with a key the
 * credential does not hold, activation is refused rather than lose that key (the error says how to go on).
 *
 * The registered URL names the workflow (helpers/callbackUrl.ts). A trigger that finds VOD's callback
 * registered by another workflow refuses too: taking it over would make that workflow's later
 * deactivation a no-op and this one's restore that workflow's URL, dead by then.
 */

type MessageCallback = NonNullable<GetMessageCallbackResponse['MessageCallback']>;

/** Which of the callback credential's keys VOD signed with before registration. */
type CredentialKeyField = 'authKey' | 'previousAuthKey';

interface SavedCallbackSettings {
	CallbackType?: string;
	CallbackURL?: string;
	EventTypeList?: string;
	AuthSwitch?: string;
	/**
	 * where the previous AuthKey comes from on restore: none set, one of the credential's keys, or none
	 * restored because authentication was off. 'saved' (with AuthKey) is what earlier versions stored; it
	 * is still read so that their registrations can be undone.
	 */
	authKeyFrom: 'none' | CredentialKeyField | 'notInUse' | 'saved';
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

const CREDENTIAL_KEY_LABELS: Record<CredentialKeyField, string> = {
	authKey: 'Callback Auth Key',
	previousAuthKey: 'Previous Auth Key',
};

function isRegistrationOn(ctx: IHookFunctions) {
	return ctx.getNodeParameter('callbackRegistration', 'manual') === 'register';
}

/** The URL this node registers: its webhook (or Public Callback URL), marked with the workflow's ID. */
function callbackUrlOf(ctx: IHookFunctions): string {
	const options = ctx.getNodeParameter('options', {}) as TriggerOptions;
	const url = options.publicCallbackUrl?.trim() || ctx.getNodeWebhookUrl('default');
	if (!url) {
		throw new NodeOperationError(ctx.getNode(), 'The webhook URL of this node is unknown', {
			description: 'Set Public Callback URL in the options to the URL VOD should call.',
		});
	}
	return markedCallbackUrl(url, ctx.getWorkflow().id ?? '');
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

/** VOD signs HTTP callbacks with its AuthKey only while authentication is on. */
function signsWithKey(current: MessageCallback) {
	return (current.CallbackType ?? 'HTTP').toUpperCase() === 'HTTP' && current.AuthSwitch === 'on';
}

/** The origin of a URL for messages: enough to recognise it, without a path or query that may hold tokens. */
function originOf(url: string | undefined) {
	if (!url?.trim()) return 'no URL: it is empty';
	try {
		return new URL(url).origin;
	} catch {
		return 'an unreadable URL';
	}
}

/** Refuses to take over a callback another registering VOD Trigger holds (see the module comment). */
function assertNotRegisteredElsewhere(
	ctx: IHookFunctions,
	current: MessageCallback,
	callbackUrl: string,
	state: RegistrationState | undefined,
) {
	const owner = registeringWorkflowOf(current.CallbackURL);
	if (owner === undefined || current.CallbackURL === callbackUrl) return;
	if (state && current.CallbackURL === state.callbackUrl) return;
	if (owner === ctx.getWorkflow().id) {
		// this workflow's own mark (an earlier webhook URL, saved settings lost): no other workflow to
		// protect, and refusing would lock the workflow out of its own callback
		ctx.logger.warn(
			`Alibaba Cloud VOD Trigger: VOD's callback (${originOf(current.CallbackURL)}) was registered by this workflow earlier; registering over it`,
			{ node: ctx.getNode().name },
		);
		return;
	}
	const whose = owner === '' ? 'a workflow it does not name' : `workflow ${owner}`;
	const deactivate =
		owner === ''
			? 'If a workflow with a registering VOD Trigger is active, deactivate it (it restores the settings from before it)'
			: `If workflow ${owner} is active, deactivate it (it restores the settings from before it)`;
	throw new NodeOperationError(
		ctx.getNode(),
		`VOD's HTTP callback is registered by the VOD Trigger of ${whose} (${originOf(current.CallbackURL)})`,
		{
			description: `VOD keeps one callback URL per region. ${deactivate}, then activate this workflow again. If that workflow no longer exists or is inactive, its URL was left behind: in the VOD console (Configuration Management → Callback) set the callback to the URL you want or clear it, then activate this workflow again. Or set Callback Registration to "Set in the VOD Console" here.`,
		},
	);
}

function authKeySource(
	ctx: IHookFunctions,
	current: MessageCallback,
	credentials: CallbackCredentials,
): SavedCallbackSettings['authKeyFrom'] {
	const key = current.AuthKey?.trim() ?? '';
	if (key === '') return 'none';
	if (key === credentials.authKey?.trim()) return 'authKey';
	if (key === credentials.previousAuthKey?.trim()) return 'previousAuthKey';
	if (!signsWithKey(current)) return 'notInUse';
	throw new NodeOperationError(
		ctx.getNode(),
		`VOD signs its current HTTP callback (${originOf(current.CallbackURL)}) with an auth key that this workflow's callback credential does not hold`,
		{
			description:
				"Registering would replace that key, and the node keeps no keys of its own to put it back on deactivation. Put VOD's current key (VOD console → Callback settings) in the callback credential's Previous Auth Key and activate again, or set Callback Registration to \"Set in the VOD Console\".",
		},
	);
}

function snapshot(
	ctx: IHookFunctions,
	current: MessageCallback,
	credentials: CallbackCredentials,
): SavedCallbackSettings {
	return {
		CallbackType: current.CallbackType,
		CallbackURL: current.CallbackURL,
		EventTypeList: current.EventTypeList,
		AuthSwitch: current.AuthSwitch,
		authKeyFrom: authKeySource(ctx, current, credentials),
		MnsEndpoint: current.MnsEndpoint,
		MnsQueueName: current.MnsQueueName,
	};
}

/**
 * Settings saved by an earlier version hold VOD's previous key itself. When the credential holds that key
 * too, only the field is kept from now on; a key the credential does not hold stays, as the only way to
 * restore it, until deactivation removes the saved settings.
 */
function withoutSavedKey(
	previous: SavedCallbackSettings,
	credentials: CallbackCredentials,
): SavedCallbackSettings {
	if (previous.authKeyFrom !== 'saved') return previous;
	const { AuthKey: key, ...rest } = previous;
	if (key === credentials.authKey?.trim()) return { ...rest, authKeyFrom: 'authKey' };
	if (key === credentials.previousAuthKey?.trim()) return { ...rest, authKeyFrom: 'previousAuthKey' };
	return previous;
}

/** The key to put back; undefined leaves VOD's key as it is (SetMessageCallback keeps unset values). */
function restoredAuthKey(
	ctx: IHookFunctions,
	previous: SavedCallbackSettings,
	credentials: CallbackCredentials,
): string | undefined {
	if (previous.authKeyFrom === 'saved') return previous.AuthKey;
	if (previous.authKeyFrom !== 'authKey' && previous.authKeyFrom !== 'previousAuthKey') return undefined;
	const key = credentials[previous.authKeyFrom]?.trim();
	if (!key) {
		// The callback goes back to its URL regardless: a live URL with the wrong key is found and fixed,
		// a dead webhook loses every event in silence.
		ctx.logger.warn(
			`Alibaba Cloud VOD Trigger: VOD's previous callback was signed with the credential's ${CREDENTIAL_KEY_LABELS[previous.authKeyFrom]}, which is empty now; the previous URL is restored with this workflow's key (set the key in the VOD console)`,
			{ node: ctx.getNode().name },
		);
	}
	return key || undefined;
}

function restoreRequest(
	ctx: IHookFunctions,
	previous: SavedCallbackSettings,
	credentials: CallbackCredentials,
): SetMessageCallbackRequest {
	const type = (previous.CallbackType ?? 'HTTP').toUpperCase() === 'MNS' ? 'MNS' : 'HTTP';
	return {
		CallbackType: type,
		CallbackURL: previous.CallbackURL,
		EventTypeList: previous.EventTypeList,
		AuthSwitch: previous.AuthSwitch === 'on' ? 'on' : 'off',
		AuthKey: restoredAuthKey(ctx, previous, credentials),
		MnsEndpoint: previous.MnsEndpoint,
		MnsQueueName: previous.MnsQueueName,
	};
}

/** true when VOD already calls this webhook with the selected events (or registration is off). */
export async function registrationExists(this: IHookFunctions): Promise<boolean> {
	// n8n asks this first on every activation, registering or not: the place to refuse unusable options.
	assertTriggerOptions(this);
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
	assertNotRegisteredElsewhere(this, current, callbackUrl, state);
	// Re-registering over our own earlier registration (events changed, n8n restarted) must keep the
	// settings from before the first registration, not save our own as "previous".
	const reRegistering = state !== undefined && current.CallbackURL === state.callbackUrl;
	const previous = reRegistering
		? withoutSavedKey(state.previous, credentials)
		: snapshot(this, current, credentials);
	if (!reRegistering && previous.authKeyFrom === 'notInUse') {
		this.logger.warn(
			"Alibaba Cloud VOD Trigger: VOD's callback authentication was off; its unused auth key is replaced by the credential's and is not restored on deactivation",
			{ node: this.getNode().name },
		);
	}

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
	const request = restoreRequest(this, state.previous, credentials);
	if (!request.CallbackURL) {
		// The API leaves unset values unchanged, so an empty URL cannot be put back: keep ours, with the
		// previous event list and auth switch, but unmarked, so that no later registration takes it for
		// this (inactive) workflow's. n8n answers 404 on it once the workflow is inactive.
		request.CallbackURL = unmarkedCallbackUrl(state.callbackUrl);
		this.logger.warn(
			'Alibaba Cloud VOD Trigger: VOD had no callback URL before and the API cannot clear it; it keeps this webhook URL, unmarked (clear it in the VOD console, Configuration Management → Callback, if needed)',
			{ node: this.getNode().name },
		);
	}
	// Errors propagate: n8n reports a failed deactivation, and the saved settings stay for another try.
	await setMessageCallback.call(this, request);
	delete staticData.registration;
	return true;
}
