// The agent extension of each VM, remembered across passes. ARM's VM list names extensions by id only, so
// their settings cost one read per VM: a VM is read again when its extension ids change, after the controller
// changed the extension itself, or when its entry expires. Expiry is spread over [maxAge/2, maxAge] so a fleet
// read at once is not re-read at once, and each pass re-reads at most `refreshPerPass` expired entries (the
// others keep their settings until a later pass); entries of machines no pass has seen for 2 × maxAge are dropped.
import type { ObservedAgentExtension, ObservedMachine } from '../model/index.ts';
import { IdMap, idKey, sharedInterner } from '../model/index.ts';

interface Entry {
  ids: string;
  extension: ObservedAgentExtension | null;
  expiresAt: number;
  seenAt: number;
}

export const DEFAULT_EXTENSION_MAX_AGE_MS = 60 * 60 * 1000;
export const DEFAULT_EXTENSION_REFRESH_PER_PASS = 1000;

export interface ExtensionCacheOptions {
  maxAgeMs?: number;
  refreshPerPass?: number;
  now?: () => number;
  /** A number in [0, 1) per stored entry (tests pass a fixed one). */
  random?: () => number;
}

/** One observe's allowance of re-reads for expired entries. */
export interface RefreshAllowance {
  left: number;
}

export class ExtensionCache {
  readonly #entries = new IdMap<Entry>();
  readonly #maxAgeMs: number;
  readonly #refreshPerPass: number;
  readonly #now: () => number;
  readonly #random: () => number;
  #sweptAt: number;

  constructor(options: ExtensionCacheOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_EXTENSION_MAX_AGE_MS;
    this.#refreshPerPass = options.refreshPerPass ?? DEFAULT_EXTENSION_REFRESH_PER_PASS;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#sweptAt = this.#now();
  }

  /** Starts a pass: drops entries no pass has seen for 2 × maxAge and returns the pass's re-read allowance. */
  beginPass(): RefreshAllowance {
    const now = this.#now();
    if (now - this.#sweptAt >= this.#maxAgeMs) {
      this.#sweptAt = now;
      for (const [id, e] of this.#entries.entries()) if (now - e.seenAt >= 2 * this.#maxAgeMs) this.#entries.delete(id);
    }
    return { left: this.#refreshPerPass };
  }

  /**
   * The remembered extension (null = none), or undefined when the VM must be read: unknown, extension ids
   * changed, or expired while the allowance (if given) still has room.
   */
  lookup(machine: ObservedMachine, allowance?: RefreshAllowance): ObservedAgentExtension | null | undefined {
    const e = this.#entries.get(machine.id);
    if (!e || e.ids !== idsKey(machine)) return undefined;
    const now = this.#now();
    e.seenAt = now;
    if (now < e.expiresAt) return e.extension;
    if (allowance === undefined) return undefined;
    if (allowance.left > 0) {
      allowance.left--;
      return undefined;
    }
    return e.extension;
  }

  /** The cache holds an entry for this machine with the same extension ids (a read would be a refresh). */
  knows(machine: ObservedMachine): boolean {
    return this.#entries.get(machine.id)?.ids === idsKey(machine);
  }

  store(machine: ObservedMachine, extension: ObservedAgentExtension | null): void {
    const now = this.#now();
    const ttl = this.#maxAgeMs * (0.5 + 0.5 * this.#random());
    this.#entries.set(machine.id, { ids: idsKey(machine), extension, expiresAt: now + ttl, seenAt: now });
  }

  invalidate(vmId: string): void {
    this.#entries.delete(vmId);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * `?` when the list said nothing about extensions, else the sorted ids, each written relative to the machine when it
 * is one of its own (`azuremonitorlinuxagent`): the same short text for a whole fleet, held once.
 */
export function idsKey(machine: ObservedMachine): string {
  if (machine.extensionIds === undefined) return '?';
  const own = `${idKey(machine.id)}/extensions/`;
  const ids = machine.extensionIds.map((id) => {
    const k = idKey(id);
    return k.startsWith(own) && k.indexOf('/', own.length) < 0 ? k.slice(own.length) : k;
  });
  return sharedInterner.string(ids.sort().join('\n'));
}
