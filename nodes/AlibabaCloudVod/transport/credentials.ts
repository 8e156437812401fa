import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

interface CredentialReader {
	getCredentials<T extends object = ICredentialDataDecryptedObject>(
		type: string,
		itemIndex?: number,
	): Promise<T>;
}

/**
 * The node's context for one execution (one execute, poll, hook or webhook call) that reads each
 * credential once and hands every later request of that execution the same data: in n8n every
 * getCredentials is a database read and a decryption, and every VOD call asks for its credential.
 *
 * Create it where the execution starts and let it end there, never keep it: n8n hands a polling node
 * the same context for every poll of an activation, and a credential edited between two polls must
 * reach the next one. The first read's data serve the whole execution, so a credential expression is
 * not evaluated again per item.
 */
export function readingCredentialsOnce<C extends CredentialReader>(context: C): C {
	const reads = new Map<string, Promise<object>>();
	// Everything else is the context's own: its methods run with this object as `this` and find the
	// context's fields through the prototype.
	const once = Object.create(context) as C;
	const getCredentials = async (type: string, itemIndex?: number): Promise<object> => {
		let read = reads.get(type);
		if (!read) {
			read = context.getCredentials(type, itemIndex);
			reads.set(type, read);
			// a failed read is not the execution's answer: the next request asks again
			read.catch(() => reads.delete(type));
		}
		return await read;
	};
	once.getCredentials = getCredentials as C['getCredentials'];
	return once;
}
