import { NodeConnectionTypes, type INodeProperties } from 'n8n-workflow';

import { VOD_EVENT_TYPES } from '../helpers/callbackEvent';

export const ALL_EVENTS = 'ALL';
export const DEFAULT_MAX_TIMESTAMP_AGE_SECONDS = 300;
/**
 * VOD documents no window. Below 30 s, clock skew between VOD and the n8n host and a slow first attempt
 * refuse real callbacks; above a day a captured callback stays replayable for longer than any retry needs.
 */
export const MIN_TIMESTAMP_AGE_SECONDS = 30;
export const MAX_TIMESTAMP_AGE_SECONDS = 86_400;
/** VOD callbacks are a few hundred bytes; anything near this is not from VOD. */
export const MAX_CALLBACK_BODY_BYTES = 1024 * 1024;

export interface TriggerOptions {
	publicCallbackUrl?: string;
	maxTimestampAge?: number;
	duplicateWindow?: number;
	acceptUnsigned?: boolean;
}

/**
 * One main output. Kept out of the node file because the two lint rule sets disagree on how to write it
 * there ('main' vs NodeConnectionTypes.Main).
 */
export const triggerOutputs = [NodeConnectionTypes.Main];

export type StatusFilter = 'any' | 'success' | 'fail';

const eventOptions = [
	{ name: 'All Events', value: ALL_EVENTS, description: 'Every event VOD sends to this URL' },
	...VOD_EVENT_TYPES,
].sort((a, b) => a.name.localeCompare(b.name));

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			'VOD signs each callback with the URL it calls. Set that URL in the VOD console (Callback Settings → HTTP callback) or set Callback Registration to "Register in VOD on Activation", and use the same auth key in VOD and in the credential.',
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		options: eventOptions,
		required: true,
		default: ['UploadByURLComplete', 'FileUploadComplete'],
		description:
			'The VOD event types that start the workflow. Other events are answered with 200 and ignored.',
	},
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		options: [
			{ name: 'Success or Failure', value: 'any' },
			{ name: 'Success Only', value: 'success' },
			{ name: 'Failure Only', value: 'fail' },
		],
		default: 'any',
		description: 'Which outcomes start the workflow, by the Status field VOD reports',
	},
	{
		// An options parameter, not a boolean: n8n's editor takes a boolean named in a credential's
		// displayOptions for the node's authentication switch and then offers only that credential type.
		displayName: 'Callback Registration',
		name: 'callbackRegistration',
		type: 'options',
		options: [
			{
				name: 'Set in the VOD Console',
				value: 'manual',
				description: 'Put this webhook URL and the auth key in the VOD console yourself',
			},
			{
				name: 'Register in VOD on Activation',
				value: 'register',
				description:
					"Point the region's HTTP callback at this workflow while it is active (SetMessageCallback, with the selected events and the credential's auth key) and restore the previous settings when it is deactivated. VOD keeps one callback URL per region, so other consumers of that region stop receiving callbacks meanwhile. Refused while another workflow's trigger holds the registration, or when VOD signs with a key the credential does not hold (put it in Previous Auth Key).",
			},
		],
		default: 'manual',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Accept Unsigned Callbacks',
				name: 'acceptUnsigned',
				type: 'boolean',
				default: false,
				description:
					'Whether to start the workflow for callbacks that carry no signature (VOD callback authentication turned off). Unsafe: anyone who learns the URL can then start the workflow with made-up events. Callbacks that do carry a signature are still checked.',
			},
			{
				displayName: 'Max Timestamp Age (Seconds)',
				name: 'maxTimestampAge',
				type: 'number',
				typeOptions: { minValue: MIN_TIMESTAMP_AGE_SECONDS, maxValue: MAX_TIMESTAMP_AGE_SECONDS },
				default: DEFAULT_MAX_TIMESTAMP_AGE_SECONDS,
				description:
					'Callbacks whose X-VOD-TIMESTAMP is further than this from the current time are refused with 401, so a captured callback cannot be replayed later. 30 to 86,400.',
			},
			{
				displayName: 'Public Callback URL',
				name: 'publicCallbackUrl',
				type: 'string',
				default: '',
				placeholder: 'https://vod-hooks.example.com/webhook/...',
				description:
					"The exact callback URL configured in VOD, when it differs from this node's production URL (n8n behind a proxy that rewrites the host or path). VOD signs this URL, so it must match character for character.",
			},
			{
				displayName: 'Remember Deliveries For (Seconds)',
				name: 'duplicateWindow',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 900,
				description:
					'VOD repeats a callback it did not see answered in time. A repeat of an event already received within this time is answered with 200 but starts nothing. At most 1,000 recent deliveries are remembered. 0 turns this off.',
			},
		],
	},
];
