import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

/** A problem with one input item that the user fixes in the item or the node's parameters. */
export class ItemInputError extends Error {
	constructor(
		message: string,
		readonly fix: string,
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

function prefixed(message: string, itemIndex: number) {
	return message.startsWith('[item ') ? message : `${itemLabel(itemIndex)} ${message}`;
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
		{
			itemIndex,
		},
	);
}

function vodCode(error: unknown): string | undefined {
	const vod = (error as { context?: IDataObject })?.context?.vod as IDataObject | undefined;
	return typeof vod?.Code === 'string' ? vod.Code : undefined;
}

/** The output item standing for a failed input item under Continue On Fail. */
export function errorItem(
	error: unknown,
	itemIndex: number,
	context: IDataObject = {},
	what?: string,
): INodeExecutionData {
	const message = error instanceof Error ? error.message : String(error);
	const json: IDataObject = { error: prefixed(what ? `${what}: ${message}` : message, itemIndex) };
	const fix =
		error instanceof ItemInputError
			? error.fix
			: ((error as { description?: string | null })?.description ?? undefined);
	if (fix) json.description = fix;
	const code = vodCode(error);
	if (code) json.code = code;
	return { json: { ...context, ...json }, pairedItem: { item: itemIndex } };
}
