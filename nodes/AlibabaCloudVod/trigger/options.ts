import { NodeOperationError, type IHookFunctions, type IWebhookFunctions } from 'n8n-workflow';

import { DEFAULT_DELIVERY_LIMITS } from '../helpers/callbackDedup';
import {
	DEFAULT_MAX_TIMESTAMP_AGE_SECONDS,
	MAX_TIMESTAMP_AGE_SECONDS,
	MIN_TIMESTAMP_AGE_SECONDS,
	type TriggerOptions,
} from './description';

/** The trigger's options with every value checked and every default filled in. */
export interface CheckedTriggerOptions {
	publicCallbackUrl?: string;
	acceptUnsigned: boolean;
	maxTimestampAgeSeconds: number;
	/** 0: repeated deliveries are not remembered */
	duplicateWindowSeconds: number;
}

/** A number the user set (a typed number, or an expression's numeric text); NaN for anything else. */
function numberFrom(value: unknown): number {
	if (typeof value === 'number') return value;
	if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
	return Number.NaN;
}

function shown(value: unknown): string {
	return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Checks the options. An unusable value is reported and replaced by its default, never read as "no
 * limit": a NaN window would accept year-old callbacks, and 0 or less would refuse every signed one.
 */
export function checkTriggerOptions(options: TriggerOptions): {
	options: CheckedTriggerOptions;
	problems: string[];
} {
	const problems: string[] = [];
	let maxTimestampAgeSeconds = DEFAULT_MAX_TIMESTAMP_AGE_SECONDS;
	if (options.maxTimestampAge !== undefined) {
		const age = numberFrom(options.maxTimestampAge);
		if (age >= MIN_TIMESTAMP_AGE_SECONDS && age <= MAX_TIMESTAMP_AGE_SECONDS) {
			maxTimestampAgeSeconds = age;
		} else {
			problems.push(
				`Max Timestamp Age ${shown(options.maxTimestampAge)} is not a number of seconds from ${MIN_TIMESTAMP_AGE_SECONDS} to ${MAX_TIMESTAMP_AGE_SECONDS}`,
			);
		}
	}
	let duplicateWindowSeconds = DEFAULT_DELIVERY_LIMITS.windowSeconds;
	if (options.duplicateWindow !== undefined) {
		const window = numberFrom(options.duplicateWindow);
		if (Number.isFinite(window) && window >= 0) {
			duplicateWindowSeconds = window;
		} else {
			problems.push(
				`Remember Deliveries For ${shown(options.duplicateWindow)} is not a number of seconds (0 or more)`,
			);
		}
	}
	return {
		options: {
			publicCallbackUrl: options.publicCallbackUrl?.trim() || undefined,
			acceptUnsigned: options.acceptUnsigned === true,
			maxTimestampAgeSeconds,
			duplicateWindowSeconds,
		},
		problems,
	};
}

const OPTIONS_FIX =
	'Correct the option in the node’s Options, or remove it to use its default (Max Timestamp Age 300 s, Remember Deliveries For 900 s).';

/** At activation: a workflow whose options are unusable is not activated. */
export function assertTriggerOptions(ctx: IHookFunctions): void {
	const { problems } = checkTriggerOptions(ctx.getNodeParameter('options', {}) as TriggerOptions);
	if (problems.length > 0) {
		throw new NodeOperationError(ctx.getNode(), problems.join('; '), { description: OPTIONS_FIX });
	}
}

/**
 * For a callback: the checked options. A value that passed activation but not now (an expression whose
 * result changed) falls back to its default, and the log says so, rather than turn VOD away.
 */
export function triggerOptionsFor(ctx: IWebhookFunctions): CheckedTriggerOptions {
	const { options, problems } = checkTriggerOptions(ctx.getNodeParameter('options', {}) as TriggerOptions);
	if (problems.length > 0) {
		ctx.logger.error(`Alibaba Cloud VOD Trigger: ${problems.join('; ')}; using the default. ${OPTIONS_FIX}`, {
			node: ctx.getNode().name,
			workflowId: ctx.getWorkflow().id,
		});
	}
	return options;
}
