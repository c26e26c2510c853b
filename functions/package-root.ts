/**
 * Where this package lives on disk, the same whether the code runs from its TypeScript sources
 * (a checkout) or from dist/ (the installed package): the folder of the nearest package.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findPackageRoot(fromDir: string): string {
  let dir = fromDir;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    // A bundle (the deployed Lambda) has no package.json above it, and needs no root: its own folder.
    if (parent === dir) return fromDir;
    dir = parent;
  }
  return dir;
}

/** The package's root folder: bin/, config/ and dist/ (the built status page among it) are under it. */
export const PACKAGE_ROOT = findPackageRoot(import.meta.dirname);

/**
 * A module of this package by its path without extension (`functions/tick-handler`): the
 * compiled dist/ file when the package runs compiled, the TypeScript source in a checkout.
 */
export function ownModule(pathWithoutExtension: string): string {
  const compiled = import.meta.filename.endsWith('.js');
  return compiled ? join(PACKAGE_ROOT, 'dist', `${pathWithoutExtension}.js`) : join(PACKAGE_ROOT, `${pathWithoutExtension}.ts`);
}
