// Follows one MonitoringTopology through the Kubernetes API, as `kubectl get mtopo -w` and
// `kubectl get events` would, and prints one line per change: its table row, findings that appear or
// go away, and the changes the controller reports making.
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import type { CoreV1Event, KubeConfig } from '@kubernetes/client-node';
import { FINDING_CODES, GROUP, PLURAL, VERSION } from '../api/types.ts';
import type { Finding, FindingCode, MonitoringTopology } from '../api/types.ts';
import type { Output, Tone } from './output.ts';
import { nameOf } from './output.ts';

/** Findings that mean the controller still has work to do (or cannot do it); anything else stays by design. */
const WORK_LEFT: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'ResourceNotScoped',
  'AccessModeMismatch',
  'EndpointAssociationMissing',
  'RuleAssociationMissing',
  'ReferencedResourceNotFound',
  'AuthorizationFailed',
  'ArmRequestFailed',
]);

const FINDING_REASONS: ReadonlySet<string> = new Set(FINDING_CODES);

function condition(t: MonitoringTopology, type: string): { status: string; reason: string; message: string } | undefined {
  return t.status?.conditions?.find((c) => c.type === type);
}

/**
 * Converged: the current generation was observed, nothing is in flight, no machine is pending and every
 * finding left is one the controller reports without fixing (a decision for a person, by design).
 */
export function converged(t: MonitoringTopology | undefined, expectedInstances?: number): boolean {
  if (!t?.status?.instances) return false;
  const s = t.status;
  const instances = t.status.instances;
  if (s.observedGeneration !== t.metadata.generation) return false;
  if (condition(t, 'Reconciling')?.status !== 'False' || condition(t, 'Stalled')?.status === 'True') return false;
  if (instances.total === 0 || instances.pending > 0) return false;
  if (expectedInstances !== undefined && instances.total !== expectedInstances) return false;
  return remainingWork(t).length === 0;
}

/** Configured: converged and every machine compliant (INSTANCES = COMPLIANT), whatever the evidence says. */
export function configured(t: MonitoringTopology | undefined, expectedInstances?: number): boolean {
  if (!t || !converged(t, expectedInstances)) return false;
  const n = t.status?.instances;
  return n !== undefined && n.compliant === n.total && n.failing === 0;
}

/** Findings that are not settled by design (see WORK_LEFT); a repairable extension counts when repairs are on. */
export function remainingWork(t: MonitoringTopology): Finding[] {
  const repairs = t.spec.agent?.manageExtension === true;
  return (t.status?.findings ?? []).filter((f) => WORK_LEFT.has(f.code) || (repairs && f.code === 'ExtensionIdentityMismatch'));
}

const COLUMNS = ['READY', 'MODE', 'INSTANCES', 'COMPLIANT', 'DELIVERING', 'FINDINGS'] as const;
const WIDTHS = [7, 9, 11, 11, 11, 10];

function age(t: MonitoringTopology): string {
  const created = Date.parse(t.metadata.creationTimestamp ?? '');
  if (Number.isNaN(created)) return '<unknown>';
  const s = Math.max(0, Math.round((Date.now() - created) / 1000));
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** The printer columns of the CRD with -o wide: READY, MODE, INSTANCES, COMPLIANT, DELIVERING, FINDINGS (AGE is printed, not compared). */
export function row(t: MonitoringTopology): string[] {
  const s = t.status;
  return [
    condition(t, 'Ready')?.status ?? '',
    t.spec.mode ?? 'Enforce',
    s?.instances ? String(s.instances.total) : '',
    s?.instances ? String(s.instances.compliant) : '',
    s?.instances?.delivering !== undefined ? String(s.instances.delivering) : '',
    s?.findingCount !== undefined ? String(s.findingCount) : '',
  ];
}

function formatRow(name: string, nameWidth: number, cells: string[], last: string): string {
  return [name.padEnd(nameWidth), ...cells.map((c, i) => c.padEnd(WIDTHS[i] ?? 0)), last].join(' ');
}

function findingKey(f: Finding): string {
  return `${f.code}|${f.resourceId.toLowerCase()}`;
}

export interface TopologyWatchOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  out: Output;
}

const SYMBOL: Record<Finding['severity'], string> = { Error: '✗', Warning: '!', Info: 'i' };
const TONE: Record<Finding['severity'], Tone> = { Error: 'bad', Warning: 'warn', Info: 'dim' };

export class TopologyWatch {
  readonly #opts: TopologyWatchOptions;
  readonly #core: CoreV1Api;
  readonly #watch: Watch;
  #latest: MonitoringTopology | undefined;
  #lastRow = '';
  #lastReady = '';
  #findings = new Map<string, Finding>();
  readonly #explained = new Set<string>();
  readonly #events = new Set<string>();
  #running = false;
  readonly #requests = new Set<AbortController>();
  readonly #wakers = new Set<() => void>();
  #loops: Promise<void>[] = [];
  readonly #listeners = new Set<() => void>();
  #held: (() => void)[] | undefined;

  constructor(opts: TopologyWatchOptions) {
    this.#opts = opts;
    this.#core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.#watch = new Watch(opts.kubeConfig);
  }

  get latest(): MonitoringTopology | undefined {
    return this.#latest;
  }

  /** Prints the column header, then whatever arrived while the output was held. */
  printHeader(): void {
    const width = Math.max(4, this.#opts.name.length);
    this.#opts.out.event(this.#opts.out.paint('dim', formatRow('NAME', width, [...COLUMNS], 'AGE')));
    const held = this.#held;
    this.#held = undefined;
    for (const print of held ?? []) print();
  }

  /** Watches from now; with `hold`, prints nothing until printHeader (so no revision is missed meanwhile). */
  start(options: { hold?: boolean } = {}): void {
    if (this.#running) return;
    this.#running = true;
    if (options.hold) this.#held = [];
    const { namespace, name } = this.#opts;
    const later = (print: () => void): void => (this.#held ? void this.#held.push(print) : print());
    this.#loops = [
      this.#watchLoop(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`, `metadata.name=${name}`, (obj) => {
        const t = obj as MonitoringTopology;
        this.#latest = t;
        later(() => this.#report(t));
      }),
      this.#watchLoop(`/api/v1/namespaces/${namespace}/events`, `involvedObject.name=${name}`, (obj) => later(() => this.#reportEvent(obj as CoreV1Event))),
    ];
  }

  async stop(): Promise<void> {
    this.#running = false;
    for (const r of this.#requests) r.abort();
    for (const w of this.#wakers) w();
    await Promise.all(this.#loops);
  }

  /** Prints events the watch has not delivered yet (they trail the status by a moment). */
  async flushEvents(): Promise<void> {
    const { namespace, name } = this.#opts;
    try {
      const list = await this.#core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
      for (const e of [...list.items].sort((a, b) => stamp(a) - stamp(b))) this.#reportEvent(e);
    } catch {
      // The control plane is stopping: nothing more to show.
    }
  }

  /** Resolves true once `check` holds for the latest revision, false when the signal aborts. */
  until(check: (t: MonitoringTopology | undefined) => boolean, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        this.#listeners.delete(listener);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const listener = (): void => {
        if (check(this.#latest)) done(true);
      };
      const onAbort = (): void => done(false);
      if (signal.aborted) return done(false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#listeners.add(listener);
      listener();
    });
  }

  /** Every revision, as `kubectl get -w` sees them; a watch the server closes is opened again. */
  async #watchLoop(path: string, fieldSelector: string, onObject: (obj: unknown) => void): Promise<void> {
    while (this.#running) {
      let request: AbortController | undefined;
      let wake: () => void = () => undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.#wakers.add(wake);
        this.#watch
          .watch(
            path,
            { fieldSelector },
            (phase: string, obj: unknown) => {
              if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
              onObject(obj);
              for (const l of [...this.#listeners]) l();
            },
            () => resolve(),
          )
          .then(
            (r) => {
              request = r;
              this.#requests.add(r);
              if (!this.#running) r.abort();
            },
            () => resolve(),
          );
      });
      this.#wakers.delete(wake);
      if (request) {
        request.abort();
        this.#requests.delete(request);
      }
      if (this.#running) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  #report(t: MonitoringTopology): void {
    const out = this.#opts.out;
    const cells = row(t);
    const key = cells.join('|');
    if (key !== this.#lastRow) {
      this.#lastRow = key;
      out.event(formatRow(t.metadata.name, Math.max(4, t.metadata.name.length), cells, age(t)), 'bold');
    }
    const ready = condition(t, 'Ready');
    const readyKey = ready ? `${ready.status}|${ready.reason}|${ready.message}` : '';
    if (ready && readyKey !== this.#lastReady) {
      this.#lastReady = readyKey;
      const tone = ready.status === 'True' ? 'good' : ready.status === 'False' ? 'warn' : 'dim';
      out.event(`  Ready=${ready.status} ${ready.reason}: ${ready.message}`, tone);
    }
    if (t.status?.findings === undefined || t.status.observedGeneration !== t.metadata.generation) return;
    const next = new Map(t.status.findings.map((f) => [findingKey(f), f]));
    const truncated = (t.status.findingCount ?? 0) > t.status.findings.length;
    for (const [k, f] of next) {
      if (this.#findings.has(k)) continue;
      out.event(`  ${SYMBOL[f.severity]} ${f.code.padEnd(32)} ${nameOf(f.resourceId).padEnd(24)} ${f.severity}, stage ${f.stage}`, TONE[f.severity]);
      // Explain each code once; the message says what is wrong and what fixes it.
      if (!this.#explained.has(f.code)) {
        this.#explained.add(f.code);
        out.event(`      ${f.message}`, 'dim');
      }
    }
    for (const [k, f] of this.#findings) {
      if (next.has(k) || truncated) continue;
      out.event(`  ✔ ${f.code.padEnd(32)} ${nameOf(f.resourceId).padEnd(24)} resolved`, 'good');
    }
    this.#findings = next;
  }

  #reportEvent(e: CoreV1Event): void {
    const id = e.metadata.uid ?? e.metadata.name ?? '';
    if (this.#events.has(id)) return;
    this.#events.add(id);
    // Finding events repeat what the findings lines show; the action events say what was changed in Azure.
    if (FINDING_REASONS.has(e.reason ?? '')) return;
    this.#opts.out.event(`  → ${e.reason ?? ''}: ${e.message ?? ''}`, e.type === 'Warning' ? 'bad' : 'good');
  }
}

function stamp(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}
