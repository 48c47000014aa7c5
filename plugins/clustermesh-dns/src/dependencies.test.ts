import fs from 'node:fs';
import path from 'node:path';

// The page runs in the browser: what it depends on, through the packages of
// this monorepo, holds neither the engine nor a YAML parser.
const plugins = path.resolve(__dirname, '../..');

function manifests(): Map<string, { dir: string; manifest: any }> {
  const byName = new Map<string, { dir: string; manifest: any }>();
  for (const dir of fs.readdirSync(plugins)) {
    const file = path.join(plugins, dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    byName.set(manifest.name, { dir, manifest });
  }
  return byName;
}

/** Every runtime dependency reachable from a package through workspace packages. */
function closure(name: string) {
  const byName = manifests();
  const workspace = new Set<string>();
  const external = new Set<string>();
  const visit = (current: string) => {
    if (workspace.has(current)) return;
    workspace.add(current);
    const { manifest } = byName.get(current)!;
    for (const dep of Object.keys({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
    })) {
      if (byName.has(dep)) visit(dep);
      else external.add(dep);
    }
  };
  visit(name);
  return { workspace, external };
}

describe('the frontend plugin', () => {
  const { workspace, external } = closure(
    '@clustermesh-dns/backstage-plugin-clustermesh-dns',
  );

  it('depends on the common package, not on the engine or the Node side', () => {
    expect(workspace).toContain(
      '@clustermesh-dns/backstage-plugin-clustermesh-dns-common',
    );
    for (const name of workspace)
      expect(name).not.toMatch(/clustermesh-dns-(engine|node|backend|cli)$/);
  });

  it('pulls no YAML parser in', () => {
    for (const parser of ['yaml', 'js-yaml'])
      expect(external).not.toContain(parser);
  });

  it('imports nothing from the engine in its sources', () => {
    const walk = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap(e =>
          e.isDirectory()
            ? walk(path.join(dir, e.name))
            : [path.join(dir, e.name)],
        );
    for (const file of walk(__dirname).filter(f => f !== __filename))
      expect(fs.readFileSync(file, 'utf8')).not.toMatch(
        /clustermesh-dns-engine|from 'yaml'|from 'js-yaml'/,
      );
  });
});
