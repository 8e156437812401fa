import { isoSeconds } from './encoding';
import { errors } from './errors';
import type { Media } from './model';

/**
 * SearchMedia's Match language: `Field = 'v'`, `Field in ('a','b')`, ranges `Field = ('a','b')`
 * (exclusive) / `['a','b']` (inclusive, sides may mix and be empty), combined with `and` / `or` and
 * parentheses. Values are single-quoted (`''` or `\'` inside a value is a quote, `\\` a backslash);
 * numbers may be bare.
 */

type Token = { kind: 'word' | 'string' | 'sym'; text: string };

export type Condition =
	| { type: 'eq'; field: string; value: string }
	| { type: 'in'; field: string; values: string[] }
	| { type: 'range'; field: string; lo?: string; hi?: string; loInclusive: boolean; hiInclusive: boolean };

export type MatchNode = { type: 'and' | 'or'; items: MatchNode[] } | Condition;

function bad(why: string) {
	return errors.invalidParameter('Match', why);
}

function tokenize(input: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < input.length) {
		const c = input[i];
		if (/\s/.test(c)) {
			i++;
		} else if ('()[],='.includes(c)) {
			tokens.push({ kind: 'sym', text: c });
			i++;
		} else if (c === "'") {
			let value = '';
			i++;
			for (;;) {
				if (i >= input.length) throw bad('Unterminated quoted value.');
				if (input[i] === '\\' && i + 1 < input.length) {
					// not documented by VOD, but clients escape quotes this way (the n8n node does)
					value += input[i + 1];
					i += 2;
					continue;
				}
				if (input[i] === "'") {
					if (input[i + 1] === "'") {
						value += "'";
						i += 2;
						continue;
					}
					i++;
					break;
				}
				value += input[i++];
			}
			tokens.push({ kind: 'string', text: value });
		} else {
			const m = /^[^\s()[\],=']+/.exec(input.slice(i))!;
			tokens.push({ kind: 'word', text: m[0] });
			i += m[0].length;
		}
	}
	return tokens;
}

export function parseMatch(input: string): MatchNode {
	const tokens = tokenize(input);
	let pos = 0;
	const peek = () => tokens[pos];
	const isSym = (t: Token | undefined, s: string) => t?.kind === 'sym' && t.text === s;
	const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.text.toLowerCase() === w;
	const expectSym = (s: string) => {
		if (!isSym(peek(), s)) throw bad(`Expected "${s}" near token ${pos + 1}.`);
		pos++;
	};
	const value = (): string => {
		const t = peek();
		if (t && (t.kind === 'string' || t.kind === 'word')) {
			pos++;
			return t.text;
		}
		throw bad(`Expected a value near token ${pos + 1}.`);
	};

	const condition = (): MatchNode => {
		if (isSym(peek(), '(')) {
			pos++;
			const inner = orExpr();
			expectSym(')');
			return inner;
		}
		const field = peek();
		if (field?.kind !== 'word') throw bad(`Expected a field name near token ${pos + 1}.`);
		pos++;
		if (isWord(peek(), 'in')) {
			pos++;
			expectSym('(');
			const values = [value()];
			while (isSym(peek(), ',')) {
				pos++;
				values.push(value());
			}
			expectSym(')');
			return { type: 'in', field: field.text, values };
		}
		expectSym('=');
		if (isSym(peek(), '(') || isSym(peek(), '[')) {
			const loInclusive = peek().text === '[';
			pos++;
			const lo = isSym(peek(), ',') ? undefined : value();
			expectSym(',');
			const hi = isSym(peek(), ')') || isSym(peek(), ']') ? undefined : value();
			const close = peek();
			if (!isSym(close, ')') && !isSym(close, ']')) throw bad('Unterminated range.');
			pos++;
			return { type: 'range', field: field.text, lo, hi, loInclusive, hiInclusive: close.text === ']' };
		}
		return { type: 'eq', field: field.text, value: value() };
	};
	const andExpr = (): MatchNode => {
		const items = [condition()];
		while (isWord(peek(), 'and')) {
			pos++;
			items.push(condition());
		}
		return items.length === 1 ? items[0] : { type: 'and', items };
	};
	const orExpr = (): MatchNode => {
		const items = [andExpr()];
		while (isWord(peek(), 'or')) {
			pos++;
			items.push(andExpr());
		}
		return items.length === 1 ? items[0] : { type: 'or', items };
	};

	const tree = orExpr();
	if (pos !== tokens.length) throw bad(`Unexpected "${tokens[pos].text}".`);
	return tree;
}

type Kind = 'exact' | 'fuzzy' | 'time' | 'number';
const FIELDS: Record<string, { kind: Kind; get: (m: Media) => string | number | undefined }> = {
	videoid: { kind: 'exact', get: (m) => m.mediaId },
	mediaid: { kind: 'exact', get: (m) => m.mediaId },
	audioid: { kind: 'exact', get: (m) => m.mediaId },
	imageid: { kind: 'exact', get: (m) => m.mediaId },
	title: { kind: 'fuzzy', get: (m) => m.title },
	tags: { kind: 'fuzzy', get: (m) => m.tags },
	description: { kind: 'fuzzy', get: (m) => m.description },
	status: { kind: 'exact', get: (m) => m.status },
	appid: { kind: 'exact', get: (m) => m.appId },
	cateid: { kind: 'exact', get: (m) => (m.cateId === undefined ? undefined : String(m.cateId)) },
	storagelocation: { kind: 'exact', get: (m) => m.storageLocation },
	mediasource: { kind: 'exact', get: () => 'general' },
	creationtime: { kind: 'time', get: (m) => m.creationTime },
	modificationtime: { kind: 'time', get: (m) => m.modificationTime },
	size: { kind: 'number', get: (m) => m.size },
	duration: { kind: 'number', get: (m) => m.duration },
};

function field(name: string) {
	const spec = FIELDS[name.toLowerCase()];
	if (!spec) throw bad(`Unknown field ${name}.`);
	return spec;
}

function toNumber(kind: Kind, text: string) {
	const n = kind === 'time' ? Date.parse(text) : Number(text);
	if (Number.isNaN(n)) throw bad(`"${text}" is not a valid ${kind === 'time' ? 'UTC time' : 'number'}.`);
	return n;
}

/** Throws InvalidParameter.Match for unknown fields and malformed values before any media is read. */
export function validateMatch(node: MatchNode): void {
	if (!isCondition(node)) {
		node.items.forEach(validateMatch);
		return;
	}
	const spec = field(node.field);
	if (node.type === 'range') {
		if (spec.kind !== 'time' && spec.kind !== 'number') throw bad(`${node.field} does not take a range.`);
		if (node.lo !== undefined) toNumber(spec.kind, node.lo);
		if (node.hi !== undefined) toNumber(spec.kind, node.hi);
	}
}

function isCondition(node: MatchNode): node is Condition {
	return node.type !== 'and' && node.type !== 'or';
}

function valueMatches(kind: Kind, actual: string | number | undefined, wanted: string) {
	if (actual === undefined) return false;
	if (kind === 'fuzzy') return String(actual).toLowerCase().includes(wanted.toLowerCase());
	if (kind === 'time') return isoSeconds(actual as number) === isoSeconds(toNumber(kind, wanted));
	if (kind === 'number') return Number(actual) === toNumber(kind, wanted);
	return String(actual) === wanted;
}

export function matches(node: MatchNode, media: Media): boolean {
	switch (node.type) {
		case 'and':
			return node.items.every((n) => matches(n, media));
		case 'or':
			return node.items.some((n) => matches(n, media));
		case 'eq': {
			const spec = field(node.field);
			return valueMatches(spec.kind, spec.get(media), node.value);
		}
		case 'in': {
			const spec = field(node.field);
			return node.values.some((v) => valueMatches(spec.kind, spec.get(media), v));
		}
		case 'range': {
			const spec = field(node.field);
			const actual = spec.get(media);
			if (actual === undefined) return false;
			const n = Number(actual);
			if (node.lo !== undefined) {
				const lo = toNumber(spec.kind, node.lo);
				if (node.loInclusive ? n < lo : n <= lo) return false;
			}
			if (node.hi !== undefined) {
				const hi = toNumber(spec.kind, node.hi);
				if (node.hiInclusive ? n > hi : n >= hi) return false;
			}
			return true;
		}
	}
}
