/**
 * n8n 2.x's shape of a streamed download, for in-process runs on n8n-core 1.x. n8n 2.41.1's HTTP client
 * (axios 1.18 in @n8n/backend-network, which sets maxContentLength: Infinity) hands a node not the HTTP
 * message but `stream.Readable.from(<async generator reading the message>)` (axios' enforceMaxContentLength).
 * Destroying that stream waits for the generator, and the generator for the message: a socket that
 * sends nothing holds the destroy, and every read of the stream, until the socket closes.
 */
import { Readable } from 'node:stream';

import type { IExecuteFunctions, IHttpRequestOptions, INodeType } from 'n8n-workflow';

/** The message as axios 1.18 hands it over with responseType 'stream'. */
export function asAxios118Stream(message: AsyncIterable<Uint8Array>): Readable {
	async function* enforceMaxContentLength() {
		for await (const chunk of message) yield chunk;
	}
	return Readable.from(enforceMaxContentLength(), { objectMode: false });
}

/** `nodeType` run with the helpers of its context handing every streamed download over as n8n 2.x does. */
export function withN8n2Downloads(nodeType: INodeType): INodeType {
	return {
		description: nodeType.description,
		methods: nodeType.methods,
		async execute(this: IExecuteFunctions) {
			return await nodeType.execute!.call(n8n2Context(this));
		},
	};
}

function n8n2Context(ctx: IExecuteFunctions): IExecuteFunctions {
	const httpRequest = ctx.helpers.httpRequest.bind(ctx.helpers);
	const shaped = Object.create(ctx) as IExecuteFunctions;
	Object.defineProperty(shaped, 'helpers', {
		value: {
			...ctx.helpers,
			httpRequest: async (options: IHttpRequestOptions) => {
				const answer = await httpRequest(options);
				if (options.encoding !== 'stream') return answer;
				if (!options.returnFullResponse) return asAxios118Stream(answer as Readable);
				const full = answer as { body: Readable };
				return { ...full, body: asAxios118Stream(full.body) };
			},
		},
	});
	return shaped;
}
