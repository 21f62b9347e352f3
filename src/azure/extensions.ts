// The agent extension of each VM, remembered across passes. ARM's VM list names extensions by id only, so
// their settings cost one read per VM: a VM is read again only when its extension ids change, when its entry
// is older than `maxAgeMs` (edits made outside the controller are noticed within that bound), or after the
// controller changed the extension itself.
import type { ObservedAgentExtension, ObservedMachine } from '../model/index.ts';
import { IdMap, idKey } from '../model/index.ts';

interface Entry {
  ids: string;
  extension: ObservedAgentExtension | null;
  readAt: number;
}

export const DEFAULT_EXTENSION_MAX_AGE_MS = 60 * 60 * 1000;

export class ExtensionCache {
  readonly #entries = new IdMap<Entry>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(maxAgeMs = DEFAULT_EXTENSION_MAX_AGE_MS, now: () => number = Date.now) {
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  /** The remembered extension (null = none), or undefined when the VM must be read. */
  lookup(machine: ObservedMachine): ObservedAgentExtension | null | undefined {
    const e = this.#entries.get(machine.id);
    if (!e || e.ids !== idsKey(machine) || this.#now() - e.readAt > this.#maxAgeMs) return undefined;
    return e.extension;
  }

  store(machine: ObservedMachine, extension: ObservedAgentExtension | null): void {
    this.#entries.set(machine.id, { ids: idsKey(machine), extension, readAt: this.#now() });
  }

  invalidate(vmId: string): void {
    this.#entries.delete(vmId);
  }
}

/** `?` when the list said nothing about extensions, else the sorted ids. */
function idsKey(machine: ObservedMachine): string {
  return machine.extensionIds === undefined ? '?' : machine.extensionIds.map(idKey).sort().join('\n');
}
