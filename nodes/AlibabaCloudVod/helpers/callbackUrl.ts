/**
 * The URL the VOD Trigger registers as the region's HTTP callback (Register in VOD on Activation) carries
 * a query parameter naming the registering workflow. VOD keeps one callback URL per region, so a second
 * workflow that registered over the first would later "restore" the first one's URL after it had been
 * deactivated, sending every event to a dead webhook. The mark lets a trigger see that VOD's callback
 * belongs to another registering trigger, on this n8n or another one, and refuse to take it over.
 *
 * VOD signs the URL string it calls, query included; n8n ignores the query when routing, and the trigger
 * verifies against the URL the request reached, so the mark costs nothing in verification.
 */
export const REGISTRATION_MARK = 'n8nVodTrigger';

const MARK_PATTERN = new RegExp(`[?&]${REGISTRATION_MARK}=([^&#]*)`);

/** The workflow ID a registered callback URL names, or undefined when the URL carries no mark. */
export function registeringWorkflowOf(url: string | undefined): string | undefined {
	const match = MARK_PATTERN.exec(url ?? '');
	if (!match) return undefined;
	try {
		return decodeURIComponent(match[1]);
	} catch {
		return match[1];
	}
}

/** `url` with the mark naming `workflowId`; a URL already marked (pasted from VOD's console) stays as it is. */
export function markedCallbackUrl(url: string, workflowId: string): string {
	if (registeringWorkflowOf(url) !== undefined) return url;
	const separator = url.includes('?') ? '&' : '?';
	return `${url}${separator}${REGISTRATION_MARK}=${encodeURIComponent(workflowId)}`;
}

/** `url` without the mark: what a deactivated trigger leaves when the API cannot clear the URL. */
export function unmarkedCallbackUrl(url: string): string {
	return url.replace(new RegExp(`([?&])${REGISTRATION_MARK}=[^&#]*(&?)`), (_mark, separator: string, next: string) =>
		next ? separator : '',
	);
}
