import type { IDataObject } from 'n8n-workflow';

import { inputProblem } from './items';

/** GetURLUploadInfos takes at most 10 JobIds or 10 URLs per call. */
export const STATUS_BATCH_SIZE = 10;

/** The fields of one GetURLUploadInfos record that the nodes read (VOD's wire names). */
export interface UrlUploadRecord {
	JobId: string;
	UploadURL?: string;
	Status?: string;
	MediaId?: string;
	FileSize?: string;
	CreationTime?: string;
	CompleteTime?: string;
	ErrorCode?: string;
	ErrorMessage?: string;
	UserData?: string;
}

export type JobOutcome = 'succeeded' | 'failed' | 'running';

/**
 * SUCCESS is the only final success ("job succeeded and callback done"); UPLOAD_SUCCESS is a step on the
 * way. *_FAIL are final failures; so is a cancelled job. Anything else (PENDING, PROCESSING, DOWNLOADING,
 * DOWNLOAD_SUCCESS, UPLOADING, UPLOAD_SUCCESS, or a status VOD adds later) is still running.
 */
export function classifyStatus(status: string | undefined): JobOutcome {
	const value = (status ?? '').toUpperCase();
	if (value === 'SUCCESS') return 'succeeded';
	if (/(^|_)FAIL(ED|URE)?$/.test(value) || value === 'CANCELED' || value === 'CANCELLED')
		return 'failed';
	return 'running';
}

function parseUserData(raw: string | undefined): IDataObject | string | undefined {
	if (!raw) return undefined;
	try {
		const parsed = JSON.parse(raw) as unknown;
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
			const data = parsed as IDataObject;
			// VOD documents the nested values both as objects and as JSON strings.
			for (const key of ['Extend', 'MessageCallback'] as const) {
				if (typeof data[key] === 'string') {
					try {
						data[key] = JSON.parse(data[key] as string) as IDataObject;
					} catch {
						// keep the string
					}
				}
			}
			return data;
		}
		return raw;
	} catch {
		return raw;
	}
}

/** The job as the nodes output it: VOD's fields in camelCase, FileSize as a number. */
export function jobFields(info: UrlUploadRecord): IDataObject {
	const size =
		info.FileSize !== undefined && info.FileSize !== '' ? Number(info.FileSize) : undefined;
	const fields: IDataObject = {
		jobId: info.JobId,
		sourceUrl: info.UploadURL,
		status: info.Status,
		mediaId: info.MediaId || null,
		fileSize: size !== undefined && Number.isFinite(size) ? size : null,
		creationTime: info.CreationTime || null,
		completeTime: info.CompleteTime || null,
		errorCode: info.ErrorCode || null,
		errorMessage: info.ErrorMessage || null,
	};
	const userData = parseUserData(info.UserData);
	if (userData !== undefined) fields.userData = userData;
	return fields;
}

const JOB_ID = /^[A-Za-z0-9_-]+$/;
const JOB_ID_SEPARATORS = /[\s,;]+/;
const MAP_JOB_ID = 'Map the JobId from the Submit output into Job ID, e.g. {{ $json.jobId }}';
const ONE_JOB_PER_ITEM =
	"One item is one job: split the list into items first (n8n's Split Out node), then map {{ $json.jobId }}";

/**
 * The Job ID of one item, for every operation that takes one (Job Status, Cancel). A list of IDs (an
 * array, or text with commas, semicolons or spaces) is refused: VOD would read it as one unknown ID, or
 * act on every job of it while the item reports one.
 */
export function checkJobId(raw: unknown): string {
	if (Array.isArray(raw)) {
		throw inputProblem(`The Job ID is a list of ${raw.length} values, not one job ID`, ONE_JOB_PER_ITEM);
	}
	if (raw !== null && raw !== undefined && typeof raw === 'object') {
		throw inputProblem('The Job ID is an object, not a job ID', `${MAP_JOB_ID} (the field inside it)`);
	}
	const text = raw === null || raw === undefined ? '' : String(raw).trim();
	if (!text) throw inputProblem('The Job ID is empty', MAP_JOB_ID);
	const ids = text.split(JOB_ID_SEPARATORS);
	if (ids.length > 1 && ids.every((id) => JOB_ID.test(id))) {
		throw inputProblem(
			`The Job ID holds ${ids.length} job IDs (${ids[0].slice(0, 40)}, …); one item takes one job ID`,
			ONE_JOB_PER_ITEM,
		);
	}
	if (!JOB_ID.test(text)) {
		throw inputProblem(
			`"${text.slice(0, 80)}" is not a VOD job ID`,
			`A job ID is a string of letters and digits. ${MAP_JOB_ID}`,
		);
	}
	return text;
}
