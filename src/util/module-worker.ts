// A worker thread running one of tandem's own modules, whether tandem runs from TypeScript (tsx, as `npm start`
// does) or from compiled JavaScript. Workers do not inherit tsx's loader on Node 20: in TypeScript mode the worker
// registers it first, then imports the module.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `file` beside `importMetaUrl`, spelled .ts or .js as the importing module itself is. */
export function siblingModule(importMetaUrl: string, file: string): string {
  return new URL(importMetaUrl.endsWith('.ts') ? `./${file}.ts` : `./${file}.js`, importMetaUrl).href;
}

export function startModuleWorker(moduleUrl: string, opts: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const boot = moduleUrl.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl)}); })`
    : `import(${JSON.stringify(moduleUrl)})`;
  return new Worker(boot, { ...opts, eval: true });
}
