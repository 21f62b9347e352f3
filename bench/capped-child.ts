// The capped child of `capped.ts`: bundled with the controller (`bundleBench`), forked with the chart's memory flags,
// it runs one measurement and sends its figures back.
import type { CappedRequest, CappedResult } from './capped.ts';

process.once('message', (request: CappedRequest) => {
  void (async () => {
    // Every module the container's entry loads (the Kubernetes client among them), so the baseline is the container's;
    // importing it starts nothing (it is not the main module here).
    await import('../src/runtime/main.ts');
    const { coldFigures, resyncFigures, scaleOutFigures, watched } = await import('./scale.ts');
    if (request.kind === 'loop') {
      const { benchControllerLoop } = await import('./controller-loop.ts');
      const loop = await benchControllerLoop(request.machines);
      const maxRssMiB = process.resourceUsage().maxRSS / 1024;
      process.send?.({ rows: [], loop, maxDelayMs: 0, p99DelayMs: 0, maxCpuBlockMs: 0, maxRssMiB } satisfies CappedResult, () => process.exit(0));
      return;
    }
    const run = await watched(async () => {
      switch (request.kind) {
        case 'resync':
          return resyncFigures(request.machines, request.speed, request.goal, request.path);
        case 'cold':
          return coldFigures(request.machines, request.speed, request.path);
        case 'scaleOut':
          return [await scaleOutFigures(request.capacity, request.by, request.speed)];
      }
    });
    process.send?.({ rows: run.value, maxDelayMs: run.maxDelayMs, p99DelayMs: run.p99DelayMs, maxCpuBlockMs: run.maxCpuBlockMs, maxRssMiB: run.maxRssMiB, gaps: run.gaps } satisfies CappedResult, () => process.exit(0));
  })();
});
