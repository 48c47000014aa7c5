import fc from 'fast-check';
import type { ManifestObject } from '../core/manifest';
import { ScalarResolver } from '../yaml/scalars';
import { substituteObject } from './substitute';
import { SubstitutionMemo } from './substitutionMemo';
import type { Variables } from './variables';

const names = ['A', 'B', 'FQDN', 'IP', 'PORT'];

/** Variables from a plain record (undefined: not defined). */
const variablesOf = (
  values: Record<string, string | undefined>,
): Variables => ({
  value: name => values[name],
  get: name =>
    values[name] === undefined
      ? undefined
      : { value: values[name]!, secret: false, origin: 'test' },
  names: () => Object.keys(values).filter(n => values[n] !== undefined),
  inline: () => false,
  definedAfter: () => false,
  namesAfter: () => new Set(),
});

const objectOf = (body: Record<string, any>): ManifestObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name: 'values',
  body,
  source: { file: 'values.yaml', index: 0, line: 1, root: body },
});

/** A string that refers to the variables, with and without defaults. */
const template = fc.oneof(
  fc.constantFrom(...names).map(n => `\${${n}}`),
  fc
    .tuple(fc.constantFrom(...names), fc.constantFrom(...names))
    .map(([a, b]) => `\${${a}:=\${${b}}}`),
  fc
    .tuple(fc.constantFrom(...names), fc.constantFrom('x', '2379', 'on'))
    .map(([a, d]) => `clustermesh-\${${a}:-${d}}.example`),
  fc.constant('plain'),
);

const body = fc.record({
  metadata: fc.constant({ name: 'values' }),
  data: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), template, {
    maxKeys: 6,
  }),
  clusters: fc.array(
    fc.record({ name: fc.constantFrom('a', 'b'), address: template }),
    { maxLength: 5 },
  ),
});

const valueSets = fc.array(
  fc.record(
    Object.fromEntries(
      names.map(n => [
        n,
        fc.constantFrom(undefined, '', 'one', 'two', '2379', 'yes'),
      ]),
    ) as Record<string, fc.Arbitrary<string | undefined>>,
  ),
  { minLength: 2, maxLength: 6 },
);

describe('substituting one body for many sets of variables', () => {
  it('gives through the memo, one set after another, what substituting afresh gives', () => {
    fc.assert(
      fc.property(body, valueSets, fc.boolean(), (shared, sets, strict) => {
        const object = objectOf(shared);
        const memo = new SubstitutionMemo(new ScalarResolver());
        for (const values of sets) {
          const again = memo.substituteObject(object, variablesOf(values), {
            strict,
          });
          const fresh = substituteObject(
            objectOf(structuredClone(shared)),
            variablesOf(values),
            { strict },
          );
          expect(again.object.body).toEqual(fresh.object.body);
          expect(again.problems).toEqual(fresh.problems);
          for (const key of Object.keys(shared.data))
            expect(again.object.substitutedField?.(['data', key])).toEqual(
              fresh.object.substitutedField?.(['data', key]),
            );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('substitutes again only what a changed variable reaches, sharing the rest', () => {
    const data = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`k${i}`, `v${i}.\${A}`]),
    );
    const object = objectOf({
      metadata: { name: 'values' },
      data,
      clusters: [{ name: 'a', address: '${B:=${A}}', port: '${PORT}' }],
    });
    const memo = new SubstitutionMemo(new ScalarResolver());
    const first = memo.substituteObject(
      object,
      variablesOf({ A: 'x', B: 'b1', PORT: '2379' }),
      { strict: true },
    ).object.body;
    const second = memo.substituteObject(
      object,
      variablesOf({ A: 'x', B: 'b2', PORT: '2379' }),
      { strict: true },
    ).object.body;
    expect(second.clusters).toEqual([{ name: 'a', address: 'b2', port: 2379 }]);
    expect(second.data).toBe(first.data); // not substituted again
    expect(second.data.k3).toBe('v3.x');
  });
});

describe('substituteObject', () => {
  it("says a reference that cannot be a variable (a regex group's ${1}) is kept by escaping it, in strict mode; empties it otherwise", () => {
    const object = objectOf({
      spec: { values: { relabel: { replacement: '${1}' } } },
    });
    expect(
      substituteObject(object, variablesOf({}), { strict: true }).problems,
    ).toEqual([
      expect.objectContaining({
        reason: 'undefined',
        variable: '1',
        message:
          "${1} is not defined and cannot be (not a variable name: escape it as $${1} to keep it as written); Flux's strict substitution fails the Kustomization",
      }),
    ]);
    const lax = substituteObject(object, variablesOf({}), { strict: false });
    expect(lax.problems).toEqual([]);
    // `replacement: ` read again as YAML: null
    expect(lax.object.body.spec.values.relabel.replacement).toBeNull();
    // escaped, it is kept as written
    const escaped = substituteObject(
      objectOf({ spec: { values: { relabel: { replacement: '$${1}' } } } }),
      variablesOf({}),
      { strict: true },
    );
    expect(escaped.problems).toEqual([]);
    expect(escaped.object.body.spec.values.relabel.replacement).toBe('${1}');
  });
});
