/**
 * The little XML an upload exchanges with OSS: the CompleteMultipartUpload body, and reading the
 * answers of InitiateMultipartUpload, ListParts and errors. OSS writes flat elements without
 * attributes or CDATA here, so a strict reader of `<Tag>text</Tag>` is enough; anything else is
 * refused rather than guessed at.
 */

export interface CompletedPart {
	number: number;
	etag: string;
}

function escapeXml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
	return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (entity, name: string) => {
		if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
		if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
		const value = ENTITIES[name];
		if (value === undefined) throw new Error(`OSS answered XML with an unknown entity ${entity}`);
		return value;
	});
}

/**
 * Byte for byte what ali-oss sends: parts sorted by number, a repeated number sent once. ETags are
 * quoted hex, written as they came (quotes are legal in element text).
 */
export function completeMultipartUploadXml(parts: CompletedPart[]): string {
	const sorted = [...parts]
		.sort((a, b) => a.number - b.number)
		.filter((part, index, all) => index === 0 || part.number !== all[index - 1].number);
	const body = sorted
		.map((part) => `<Part>\n<PartNumber>${part.number}</PartNumber>\n<ETag>${escapeXml(part.etag)}</ETag>\n</Part>\n`)
		.join('');
	return `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>\n${body}</CompleteMultipartUpload>`;
}

/**
 * Where the content of the next `<tag>` element at or after `from` starts, and whether it is empty (`<tag/>`).
 * OSS documents its answers with attributes on the root (`<ListPartsResult xmlns="…">`), so an opening tag
 * may carry them; `<PartNumber>` is not a `<Part>`.
 */
function nextOpenTag(xml: string, tag: string, from: number): { contentStart: number; empty: boolean } | undefined {
	for (let at = xml.indexOf(`<${tag}`, from); at >= 0; at = xml.indexOf(`<${tag}`, at + 1)) {
		const after = at + tag.length + 1;
		if (xml[after] === '>') return { contentStart: after + 1, empty: false };
		if (!/[\s/]/.test(xml[after] ?? '')) continue;
		const end = xml.indexOf('>', after);
		if (end < 0) break;
		return { contentStart: end + 1, empty: xml[end - 1] === '/' };
	}
	return undefined;
}

/** The text of every `<tag>…</tag>` in `xml`, in order; element content that is not text is refused. */
function elementsText(xml: string, tag: string): string[] {
	const texts: string[] = [];
	const close = `</${tag}>`;
	let from = 0;
	for (;;) {
		const open = nextOpenTag(xml, tag, from);
		if (!open) return texts;
		if (open.empty) {
			texts.push('');
			from = open.contentStart;
			continue;
		}
		const end = xml.indexOf(close, open.contentStart);
		if (end < 0) throw new Error(`OSS answered XML with an unclosed <${tag}>`);
		texts.push(xml.slice(open.contentStart, end));
		from = end + close.length;
	}
}

function textOf(xml: string, tag: string): string | undefined {
	const [first] = elementsText(xml, tag);
	if (first === undefined) return undefined;
	if (first.includes('<')) throw new Error(`OSS answered XML where <${tag}> is not text`);
	return unescapeXml(first);
}

function requireRoot(xml: string, root: string): string {
	const [body] = elementsText(xml, root);
	if (body === undefined) throw new Error(`OSS answered without <${root}>`);
	return body;
}

/** UploadId of an InitiateMultipartUpload answer. */
export function parseInitiateMultipartUpload(xml: string): { uploadId: string } {
	const uploadId = textOf(requireRoot(xml, 'InitiateMultipartUploadResult'), 'UploadId');
	if (!uploadId) throw new Error('OSS answered InitiateMultipartUpload without an UploadId');
	return { uploadId };
}

export interface ListedPart {
	partNumber: number;
	size: number;
	etag: string;
}

export interface ListPartsPage {
	parts: ListedPart[];
	isTruncated: boolean;
	nextPartNumberMarker?: string;
}

/** One ListParts page. */
export function parseListParts(xml: string): ListPartsPage {
	const result = requireRoot(xml, 'ListPartsResult');
	const parts = elementsText(result, 'Part').map((part) => {
		const partNumber = Number(textOf(part, 'PartNumber'));
		const size = Number(textOf(part, 'Size'));
		if (!Number.isInteger(partNumber) || !Number.isFinite(size)) {
			throw new Error('OSS answered ListParts with a part without PartNumber or Size');
		}
		return { partNumber, size, etag: textOf(part, 'ETag') ?? '' };
	});
	const marker = textOf(result, 'NextPartNumberMarker');
	return {
		parts,
		isTruncated: textOf(result, 'IsTruncated') === 'true',
		nextPartNumberMarker: marker || undefined,
	};
}

export interface OssErrorDocument {
	code: string;
	message: string;
	requestId?: string;
	hostId?: string;
	/** OSS's error code for its troubleshooting pages (`EC`) */
	ec?: string;
}

/** The `<Error>` answer of a failed request, or undefined when the body is not one (HEAD has none). */
export function parseOssError(xml: string): OssErrorDocument | undefined {
	let error: string | undefined;
	try {
		[error] = elementsText(xml, 'Error');
	} catch {
		return undefined;
	}
	if (error === undefined) return undefined;
	const text = (tag: string) => {
		try {
			return textOf(error as string, tag);
		} catch {
			return undefined;
		}
	};
	const code = text('Code');
	if (!code) return undefined;
	return {
		code,
		message: text('Message') ?? '',
		requestId: text('RequestId'),
		hostId: text('HostId'),
		ec: text('EC'),
	};
}
