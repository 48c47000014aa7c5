import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  goJson,
  HashMemo,
  isHashSuffixed,
  nameSuffixHash,
  sha256Hex,
} from './hash';
import { createRepoTree } from '../../tree/RepoTree';
import { TreeIndex } from '../../tree/TreeIndex';
import { YamlFiles } from '../../yaml/files';
import { KustomizeEngine } from '../kustomize';
import { byId, bothBuilds, haveKubectl } from './__testUtils__/crossCheck';

const kubectl = haveKubectl(
  'the literal-generator hash cross-check with kubectl kustomize',
);
const describeKubectl = kubectl ? describe : describe.skip;

describe('the name-suffix hash', () => {
  it('computes SHA-256 as node:crypto does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), text => {
        expect(sha256Hex(text)).toBe(
          createHash('sha256').update(text).digest('hex'),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("encodes JSON as Go's encoding/json: sorted keys, HTML-safe escapes, U+2028/2029", () => {
    expect(
      goJson({
        b: '<a&b>',
        a: ['\u2028\u2029', '\n\t\r\b\f\u0001', 'é😀'],
        c: null,
        d: 1.5,
        e: true,
      }),
    ).toBe(
      '{"a":["\\u2028\\u2029","\\n\\t\\r\\b\\f\\u0001","é😀"],"b":"\\u003ca\\u0026b\\u003e","c":null,"d":1.5,"e":true}',
    );
    // byte-wise key order: an astral character sorts after U+FFFF
    expect(goJson({ '\uffff': 1, '😀': 2, Z: 3, a: 4 })).toBe(
      '{"Z":3,"a":4,"\uffff":1,"😀":2}',
    );
  });

  it("gives kustomize's known hashes (content only: the name does not count)", () => {
    expect(
      nameSuffixHash({
        kind: 'ConfigMap',
        metadata: { name: 'a' },
        data: { x: '1' },
      }),
    ).toBe('hmg6f82fh6');
    expect(
      nameSuffixHash({
        kind: 'ConfigMap',
        metadata: { name: 'b' },
        data: { x: '1' },
      }),
    ).toBe('hmg6f82fh6');
    expect(
      nameSuffixHash({ kind: 'Secret', type: 'Opaque', data: { x: 'MQ==' } }),
    ).toBe('bf2648c599');
    expect(nameSuffixHash({ kind: 'Secret', type: 'Opaque', data: {} })).toBe(
      '46f8b28mk5',
    );
  });
});

describe('the hash memo', () => {
  it('keeps hashes between engines, bounded by the characters it holds', () => {
    const tree = createRepoTree({
      'app/kustomization.yaml':
        'configMapGenerator:\n  - name: settings\n    literals: [A=1]\n',
    });
    const hashes = new HashMemo();
    const build = () =>
      new KustomizeEngine(new TreeIndex(tree), new YamlFiles(tree), {
        hashes,
      }).build('app').objects[0].name;
    // what kubectl names it (data {A: "1"}; the name does not count)
    expect(build()).toBe('settings-89g4tffbfk');
    expect(hashes.size).toBe(1);
    expect(build()).toBe('settings-89g4tffbfk');
    const small = new HashMemo(60);
    nameSuffixHash({ kind: 'ConfigMap', data: { a: '1' } }, small);
    nameSuffixHash({ kind: 'ConfigMap', data: { b: '2' } }, small);
    expect(small.size).toBe(1);
  });
});

describeKubectl('the name-suffix hash of generated objects', () => {
  it('matches kubectl for literals with quotes, equal signs and special characters', () => {
    const value = fc.string({
      unit: fc.constantFrom(
        'a',
        '"',
        "'",
        '=',
        ' ',
        '<',
        '&',
        'é',
        '😀',
        '\\',
        ':',
        '#',
        '{',
        '[',
      ),
      maxLength: 8,
    });
    const literals = fc.sample(
      fc.array(value, { minLength: 1, maxLength: 4 }),
      { numRuns: 50, seed: 5 },
    );
    const entries = literals.map(
      (vs, i) =>
        `  - name: l${i}\n    literals: [${vs
          .map((v, j) => JSON.stringify(`K${j}=${v}`))
          .join(', ')}]\n`,
    );
    const files = {
      'app/kustomization.yaml': `configMapGenerator:\n${entries.join(
        '',
      )}secretGenerator:\n${entries.join('')}`,
    };
    const { engine, real } = bothBuilds(files, 'app');
    if ('error' in real) throw new Error(real.error);
    expect(engine.messages).toEqual([]);
    expect(byId(engine.bodies)).toEqual(byId(real.objects));
  });
});

describe('isHashSuffixed', () => {
  it("reads a name kustomize suffixed with its hash, in the hash's alphabet only", () => {
    expect(isHashSuffixed('cilium-values-kb5h2g27m5', 'cilium-values')).toBe(
      true,
    );
    // a 0, 1, 3, a or e never stands in the suffix; the base must match
    expect(isHashSuffixed('cilium-values-0b5h2g27m5', 'cilium-values')).toBe(
      false,
    );
    expect(isHashSuffixed('cilium-values-v2', 'cilium-values')).toBe(false);
    expect(isHashSuffixed('cilium-valuez-kb5h2g27m5', 'cilium-values')).toBe(
      false,
    );
  });
});
