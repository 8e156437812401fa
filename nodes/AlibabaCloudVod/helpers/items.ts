import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { withoutErrorCodes } from './uploadMessages';

/** A problem with one input item that the user fixes in the item or the node's parameters. */
export class ItemInputError extends Error {
	constructor(
		message: string,
		readonly fix: string,
		/** the failure behind it, when it restates one from VOD (keeps VOD's code for the error item) */
		readonly context?: IDataObject,
		/** a later try may succeed without any change (e.g. VOD has not shown a job yet) */
		readonly transient = false,
	) {
		super(message);
		this.name = 'ItemInputError';
	}
}

/**
 * Validation helpers have no node to build a NodeOperationError with, so they throw this; `itemError` and
 * `errorItem` turn it into a NodeOperationError (with the fix as its description) before it leaves the node.
 */
export function inputProblem(message: string, fix: string) {
	return new ItemInputError(message, fix);
}

export function itemLabel(itemIndex: number) {
	return `[item ${itemIndex}]`;
}

/** n8n's own parameter errors end with the item ("… inside 'Options' in [item 0]"); the label leads here. */
const TRAILING_ITEM = / in \[item \d+\]$/;

/** Every item's message passes here, so n8n never swaps it for its generic text about a network code. */
function prefixed(message: string, itemIndex: number) {
	const text = withoutErrorCodes(message).replace(TRAILING_ITEM, '');
	return text.startsWith('[item ') ? text : `${itemLabel(itemIndex)} ${text}`;
}

/**
 * The error to throw for one item: input problems become a NodeOperationError whose description says how
 * to fix them; transport errors keep their class and VOD details and get the item stamped on.
 */
export function itemError(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	what?: string,
): NodeOperationError | NodeApiError {
	if (error instanceof ItemInputError) {
		return new NodeOperationError(ctx.getNode(), prefixed(error.message, itemIndex), {
			itemIndex,
			description: error.fix,
		});
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.message = prefixed(what ? `${what}: ${error.message}` : error.message, itemIndex);
		error.context = { ...(error.context ?? {}), itemIndex };
		return error;
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(
		ctx.getNode(),
		prefixed(what ? `${what}: ${message}` : message, itemIndex),
		// e.g. n8n's ExpressionError for an option's value explains it in its description
		{ itemIndex, description: fixFor(error) },
	);
}

/** VOD's error code (e.g. `InvalidVideo.NotFound`) of an error from the transport, if it has one. */
export function vodErrorCode(error: unknown): string | undefined {
	const vod = (error as { context?: IDataObject })?.context?.vod as IDataObject | undefined;
	return typeof vod?.Code === 'string' && vod.Code !== '' ? vod.Code : undefined;
}

/**
 * Whether a later try of the same item may succeed with nothing changed: throttling that outlasted the
 * retries, a 5xx, a lost answer, a connection that failed. The transport classifies every VOD failure
 * (transport/vod/errors.ts) and keeps the verdict in the error's context; this reads it, so a workflow
 * can route on `transient` instead of guessing from codes.
 */
export function isTransient(error: unknown): boolean {
	if (error instanceof ItemInputError && error.transient) return true;
	const vod = (error as { context?: IDataObject })?.context?.vod as IDataObject | undefined;
	return vod?.Transient === true;
}

function fixFor(error: unknown): string | undefined {
	if (error instanceof ItemInputError) return error.fix;
	return (error as { description?: string | null })?.description ?? undefined;
}

/**
 * The output item standing for a failed input item under Continue On Fail, in the shape each of n8n's
 * settings needs. It keeps what the user acts on: the message, the fix (`description`), VOD's code,
 * `transient: true` when trying the item again later may succeed (see isTransient), and the item's
 * source (`context`).
 * - "Continue (regular output)": those fields side by side, `{ ...context, error, description, code }`.
 * - "Continue (using error output)": n8n moves an item there only when its json is exactly `{ error }`
 *   (or `{ error, message }`), and adds the input item's fields itself; so the same fields go inside
 *   `error`. (Setting `error` on the item instead would also route it, but n8n then replaces the json
 *   with the bare message, losing the fix and the source.)
 */
export function errorItem(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	context: IDataObject = {},
	what?: string,
): INodeExecutionData {
	const message = error instanceof Error ? error.message : String(error);
	const fields: IDataObject = { error: prefixed(what ? `${what}: ${message}` : message, itemIndex) };
	const fix = fixFor(error);
	if (fix) fields.description = fix;
	const code = vodErrorCode(error);
	if (code) fields.code = code;
	if (isTransient(error)) fields.transient = true;
	if (ctx.getNode().onError !== 'continueErrorOutput') {
		return { json: { ...context, ...fields }, pairedItem: { item: itemIndex } };
	}
	const { error: text, ...rest } = fields;
	return {
		json: { error: { message: text, ...rest, ...context } },
		pairedItem: { item: itemIndex },
	};
}

/** Enough lines to act on in n8n's error view; the full list stays in the error's context. */
const LISTED_DONE = 100;

/** Something a stopped run did that no output item reports: a job created, a file uploaded, a video deleted. */
export interface DoneBeforeStop {
	item: number;
	/** the JobId, VideoId, … */
	id: string;
	/** what it was done with, e.g. the source URL */
	source?: string;
}

export interface RunSoFar {
	/** e.g. "This run created 3 job(s) before it stopped; they are in no output item:" */
	heading: string;
	done: DoneBeforeStop[];
	/** the key of `context` that holds the whole of `done`, named when the list is cut */
	doneKey: string;
	/** lines after the list: items never sent, what re-running does */
	notes?: string[];
	context: IDataObject;
}

/**
 * The thrown error of a run that stopped part-way also says what the run already did, so nothing it
 * made or removed is lost: the list in the description and, complete, in the error's context.
 */
export function withRunSoFar<E extends Error & { description?: string | null; context: IDataObject }>(
	error: E,
	{ heading, done, doneKey, notes = [], context }: RunSoFar,
): E {
	const lines: string[] = [];
	if (done.length) {
		lines.push(
			heading,
			...done
				.slice(0, LISTED_DONE)
				.map((entry) => [itemLabel(entry.item), entry.id, entry.source].filter(Boolean).join(' ')),
		);
		if (done.length > LISTED_DONE) {
			lines.push(`… and ${done.length - LISTED_DONE} more (all are in this error's context, ${doneKey}).`);
		}
	}
	lines.push(...notes);
	error.description = [error.description, lines.join('\n')].filter(Boolean).join('\n\n');
	error.context = { ...error.context, ...context };
	return error;
}

/** "item 2, item 5" */
export function itemList(items: number[]) {
	return items.map((item) => itemLabel(item).slice(1, -1)).join(', ');
}
