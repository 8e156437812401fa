import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { errorItem, itemError, ItemInputError } from './items';

/** What went wrong, in front of an API error; an input error already says it. */
function whatFor(error: unknown, what: string | undefined) {
	return error instanceof ItemInputError ? undefined : what;
}

/**
 * Either the error item (Continue On Fail) or a thrown error naming the item.
 * Use: `results[i] = failItem(this, error, i, { videoId }, 'Could not get video "…"')`.
 */
export function failItem(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
	context: IDataObject = {},
	what?: string,
): INodeExecutionData {
	if (ctx.continueOnFail()) return errorItem(ctx, error, itemIndex, context, whatFor(error, what));
	throw itemError(ctx, error, itemIndex, whatFor(error, what));
}

/**
 * A call that carried several items failed as a whole. Under Continue On Fail each of its items gets
 * its own error item (the shared error is not mutated per item); otherwise the error is thrown for the
 * first item, naming the others.
 */
export function failBatch(
	ctx: IExecuteFunctions,
	error: unknown,
	itemIndexes: number[],
	contextOf: (itemIndex: number) => IDataObject,
	what: string,
): INodeExecutionData[] {
	if (!ctx.continueOnFail()) {
		const others =
			itemIndexes.length > 1 ? ` (the same call carried items ${itemIndexes.join(', ')})` : '';
		throw itemError(ctx, error, itemIndexes[0], `${what}${others}`);
	}
	return itemIndexes.map((itemIndex) => errorItem(ctx, error, itemIndex, contextOf(itemIndex), what));
}

export { vodErrorCode } from './items';
