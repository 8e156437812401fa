import { renewalMargin, type StsCredentials } from './uploadCredentials';

/**
 * The one place that renews an upload's STS credentials. Parts run in parallel; when several see the
 * token run out at once they all wait on the same renewal instead of each calling RefreshUploadVideo
 * (ali-oss's own refreshSTSToken races here: ali-oss #1363, #1391). Each request remembers the
 * generation it was signed with, so a rejection of an already replaced token does not renew again.
 */
export class CredentialKeeper {
	private current: StsCredentials;

	private issuedAt: number;

	private renewing: Promise<void> | undefined;

	/**
	 * The failure of a renewal. It is not asked for again: VOD's transport already retried what may
	 * pass, and a refusal (the node's own Security Token expired) stays one.
	 */
	private refusal: { error: unknown } | undefined;

	generation = 0;

	renewals = 0;

	constructor(
		credentials: StsCredentials,
		private readonly renew: (() => Promise<StsCredentials>) | undefined,
		private readonly onChange: (credentials: StsCredentials) => void,
		private readonly now: () => number = Date.now,
	) {
		this.current = credentials;
		this.issuedAt = now();
	}

	get credentials() {
		return this.current;
	}

	get renewable() {
		return this.renew !== undefined;
	}

	private dueForRenewal() {
		return this.now() >= this.current.expiresAt - renewalMargin(this.current, this.issuedAt);
	}

	/** Renews ahead of expiry; returns the generation to sign the next request with. */
	async fresh(): Promise<number> {
		if (this.renew && this.dueForRenewal()) await this.renewFrom(this.generation);
		return this.generation;
	}

	/** OSS rejected credentials of `usedGeneration` (expired or unknown): renew unless already done. */
	async rejected(usedGeneration: number): Promise<void> {
		if (!this.renew) throw new Error('these upload credentials cannot be renewed');
		await this.renewFrom(usedGeneration);
	}

	private async renewFrom(generation: number): Promise<void> {
		if (this.refusal) throw this.refusal.error;
		if (generation !== this.generation) return;
		if (!this.renewing) {
			const renew = this.renew as () => Promise<StsCredentials>;
			this.renewing = (async () => {
				const next = await renew();
				this.current = next;
				this.issuedAt = this.now();
				this.generation++;
				this.renewals++;
				this.onChange(next);
			})()
				.catch((error: unknown) => {
					this.refusal = { error };
					throw error;
				})
				.finally(() => {
					this.renewing = undefined;
				});
		}
		await this.renewing;
	}
}
