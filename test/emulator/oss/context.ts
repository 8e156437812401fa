import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EmulatorState } from '../state';
import type { OssTarget } from './addressing';
import type { Principal } from './auth';
import type { OssRegistry, OssRequestRecord } from './registry';

/** Everything an operation handler needs; `bucket` and `key` are present for object operations. */
export interface OssContext {
	state: EmulatorState;
	registry: OssRegistry;
	req: IncomingMessage;
	res: ServerResponse;
	target: OssTarget;
	bucket: string;
	key: string;
	principal: Principal;
	record: OssRequestRecord;
}
