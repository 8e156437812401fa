/**
 * The draft VOD client over n8n's request helper (transport/vod/client.ts) against the whole
 * contract of today's openapi-client transport: this runs test/transport/vod.client.test.ts
 * unchanged, with its `callVodApi` served by the draft through n8n-core's real httpRequest.
 */
jest.mock('../../nodes/AlibabaCloudVod/transport/vod.client', () => {
	const draft = jest.requireActual('../../nodes/AlibabaCloudVod/transport/vod/client');
	const endpoint = jest.requireActual('../../nodes/AlibabaCloudVod/transport/vod/endpoint');
	const { httpRequest } = jest.requireActual(
		'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions',
	);
	return {
		VOD_API_VERSION: draft.VOD_API_VERSION,
		resolveVodEndpoint: endpoint.resolveVodEndpoint,
		callVodApi: async (...args: unknown[]) => await draft.callVodApi(httpRequest, ...args),
	};
});

import './vod.client.test';
import './vod.request.test';
