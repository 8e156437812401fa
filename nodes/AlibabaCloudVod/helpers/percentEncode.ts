/**
 * RFC 3986 percent-encoding, the form both Alibaba signatures (VOD ACS3, OSS V4) canonicalise to:
 * encodeURIComponent plus the `!'()*` it leaves alone. Throws URIError on a lone surrogate.
 */
export function percentEncode(value: string): string {
	return encodeURIComponent(value).replace(
		/[!'()*]/g,
		(c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
	);
}
