import { waitUnlessAborted } from '../wait';
import { sendOssRequest } from './client';
import { classifyOssFailure, describeOssFailure, type OssFailure } from './failures';
import { abortMultipartUploadRequest } from './requests';
import type { UploadRun } from './run';

const ABORT_ATTEMPTS = 3;

/**
 * Aborts the unfinished multipart upload so that OSS drops its parts: 'aborted' when OSS dropped them,
 * 'gone' when OSS no longer knows the upload (aborted before, or completed by a Complete whose answer was
 * lost), 'failed' when the parts may still be there.
 * It runs after a cancel too, so its requests do not listen to the execution's signal.
 */
export async function abortUpload(run: UploadRun): Promise<'aborted' | 'gone' | 'failed'> {
	const { http, keeper, timeoutMs, backoffMs, logger } = run.settings;
	const uploadId = run.uploadId as string;
	for (let attempt = 1; attempt <= ABORT_ATTEMPTS; attempt++) {
		let error: OssFailure;
		try {
			// A renewal that fails (the node's own Security Token expired, the run cancelled) leaves the
			// credentials of now: renewed ahead of expiry, they are still valid for a while.
			if (keeper.renewable) await keeper.fresh().catch(() => undefined);
			await sendOssRequest(http, abortMultipartUploadRequest(run.target(), { uploadId }, new Date()), { timeoutMs });
			logger?.info(`Aborted the multipart upload ${uploadId} of ${run.key}`);
			return 'aborted';
		} catch (caught) {
			error = caught as OssFailure;
		}
		if (error.code === 'NoSuchUpload') return 'gone';
		const kind = classifyOssFailure(error);
		const renewed =
			kind === 'credentials' &&
			keeper.renewable &&
			(await keeper.rejected(keeper.generation).then(
				() => true,
				() => false,
			));
		if (kind === 'fatal' || (kind === 'credentials' && !renewed)) {
			logger?.warn(`Aborting the multipart upload ${uploadId} failed: ${describeOssFailure(error, run.secrets())}`);
			return 'failed';
		}
		await waitUnlessAborted(backoffMs * attempt);
	}
	return 'failed';
}
