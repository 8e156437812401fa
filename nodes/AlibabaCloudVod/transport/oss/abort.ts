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
			if (keeper.renewable) await keeper.fresh();
			await sendOssRequest(http, abortMultipartUploadRequest(run.target(), { uploadId }, new Date()), { timeoutMs });
			logger?.info(`Aborted the multipart upload ${uploadId} of ${run.key}`);
			return 'aborted';
		} catch (caught) {
			error = caught as OssFailure;
		}
		if (error.code === 'NoSuchUpload') return 'gone';
		const kind = classifyOssFailure(error);
		if (kind === 'credentials' && keeper.renewable) {
			await keeper.rejected(keeper.generation).catch(() => undefined);
		} else if (kind === 'fatal') {
			logger?.warn(`Aborting the multipart upload ${uploadId} failed: ${describeOssFailure(error, run.secrets())}`);
			return 'failed';
		}
		await waitUnlessAborted(backoffMs * attempt);
	}
	return 'failed';
}
