import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/resolved-config.js';
import { trainedRouterVersion } from '../learning/trained-router.js';

/** Quiet time after the last change before the files are read: an editor or a copy writes in several steps. */
export const ROUTER_FILE_DEBOUNCE_MS = 200;

export type RouterFileWatcher = {
  /** Watches the trained router files of the config now serving (after a reload). */
  update(config: ResolvedConfig): void;
  close(): void;
};

/** Each trained router file of the config with the version it was loaded at. */
function routerFiles(config: ResolvedConfig): Map<string, string | undefined> {
  const files = new Map<string, string | undefined>();
  for (const router of config.routers.values()) {
    if (router.classifier?.type === 'trained') files.set(router.classifier.path, router.classifier.model.version);
  }
  return files;
}

function versionOf(file: string): string | undefined {
  try {
    return trainedRouterVersion(readFileSync(file));
  } catch {
    // Gone for now (replaced by a rename, or deleted): nothing to load until it is back.
    return undefined;
  }
}

/**
 * `serve`: calls `reload` when a trained router file of the config gets other bytes than those
 * loaded (`switchyard retrain`, a copy, an editor). The directories are watched, not the files,
 * so a file replaced by a rename (as `retrain` writes it) stays watched. Events are debounced and
 * the bytes compared, so touching a file or rewriting the same bytes reloads nothing.
 */
export function watchRouterFiles(config: ResolvedConfig, logger: Logger, reload: (changed: string[]) => void): RouterFileWatcher {
  let known = routerFiles(config);
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;

  const check = (): void => {
    timer = undefined;
    const changed: string[] = [];
    for (const [file, loaded] of known) {
      const now = versionOf(file);
      if (now === undefined || now === loaded) continue;
      known.set(file, now);
      changed.push(file);
    }
    if (changed.length > 0) reload(changed);
  };

  const sync = (): void => {
    const directories = new Set([...known.keys()].map((file) => dirname(file)));
    for (const [directory, watcher] of watchers) {
      if (directories.has(directory)) continue;
      watcher.close();
      watchers.delete(directory);
    }
    for (const directory of directories) {
      if (watchers.has(directory)) continue;
      try {
        const names = (): Set<string> => new Set([...known.keys()].filter((file) => dirname(file) === directory).map((file) => basename(file)));
        const watcher = watch(directory, { persistent: false }, (_event, name) => {
          if (name !== null && !names().has(name)) return;
          clearTimeout(timer);
          timer = setTimeout(check, ROUTER_FILE_DEBOUNCE_MS);
        });
        watcher.on('error', (error) => logger.warn({ directory, err: error }, 'watching trained router files failed; SIGHUP still reloads them'));
        watchers.set(directory, watcher);
      } catch (error) {
        logger.warn({ directory, err: error }, 'cannot watch trained router files for changes; SIGHUP still reloads them');
      }
    }
  };
  sync();

  return {
    update(next) {
      known = routerFiles(next);
      sync();
    },
    close() {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
