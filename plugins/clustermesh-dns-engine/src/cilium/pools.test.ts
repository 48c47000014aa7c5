import { parse } from 'yaml';
import { readPool } from './pools';

/** A pool as Flux would apply it, from its text. */
const pool = (text: string) => {
  const body = parse(text);
  return readPool({
    apiVersion: body.apiVersion,
    kind: body.kind,
    name: body.metadata.name,
    body,
    source: { file: 'pool.yaml', index: 0, line: 1, root: body },
  });
};

describe('readPool', () => {
  it("says a block whose cidr Flux substituted with nothing is empty, not its JSON (sklab-dev's copy)", () => {
    const read = pool(
      'apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata: {name: l2-pool}\nspec:\n  blocks:\n    - cidr:\n    - cidr: 10.10.0.0/24\n',
    );
    expect(read.blocks.map(b => [b.text, b.problem])).toEqual([
      ['cidr (empty)', 'has an empty cidr'],
      ['10.10.0.0/24', undefined],
    ]);
  });
});
