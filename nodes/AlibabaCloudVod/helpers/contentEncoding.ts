/**
 * What the node can know of a download's Content-Encoding. It asks for the file as stored
 * (Accept-Encoding: identity); a server may compress anyway. n8n's HTTP client (axios) unpacks the codings
 * it knows (gzip, x-gzip, compress, deflate, br, zstd where Node has it) and removes the header; any other
 * value it leaves in the headers it reports, with the body as received.
 */

/** The codings of a Content-Encoding value other than identity ("identity, gzip" → "gzip"), in any case. */
export function codingsOtherThanIdentity(value: string | undefined): string | undefined {
	const codings = (value ?? '')
		.split(',')
		.map((coding) => coding.trim())
		.filter((coding) => coding !== '' && coding.toLowerCase() !== 'identity');
	return codings.length > 0 ? codings.join(', ').slice(0, 40) : undefined;
}

/**
 * A download's Content-Encoding other than identity, as far as it can be seen. When n8n hands over the
 * HTTP message itself as the body (n8n 1.x, nothing unpacked), its rawHeaders are what the server sent.
 * Otherwise the body is a stream n8n made (n8n 2.x always wraps it; 1.x when it unpacked), and only the
 * headers n8n reports are left: a coding still named there was not unpacked. A coding n8n unpacked and
 * removed cannot be seen; its body then is the file the server holds, decoded, and the size check
 * against Content-Length (which n8n keeps: the packed size) is what still tells the two apart.
 */
export function contentEncodingOf(body: unknown, reported: unknown): string | undefined {
	const raw = (body as { rawHeaders?: unknown } | undefined)?.rawHeaders;
	if (!Array.isArray(raw)) return codingsOtherThanIdentity([reported].flat().filter(Boolean).join(','));
	const sent: string[] = [];
	for (let n = 0; n + 1 < raw.length; n += 2) {
		if (String(raw[n]).toLowerCase() === 'content-encoding') sent.push(String(raw[n + 1]));
	}
	return codingsOtherThanIdentity(sent.join(','));
}
