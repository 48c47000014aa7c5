import fc from 'fast-check';
import { parseYamlText } from './documents';
import {
  lineAtPath,
  lineInLiteralBlock,
  lineOfReference,
  parsedKeys,
  ScalarAt,
  withScalarsAt,
} from './lines';

/** A settings ConfigMap with `width` entries, parsed (line tables attached). */
function settings(width: number) {
  const lines = Array.from(
    { length: width },
    (_, i) => `  KEY_${String(i).padStart(3, '0')}: "value ${i}"`,
  );
  const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-settings\ndata:\n${lines.join(
    '\n',
  )}\n`;
  const { documents, problems } = parseYamlText('settings.yaml', text);
  expect(problems).toEqual([]);
  return documents[0].value as {
    data: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
}

const key = (i: number) => `KEY_${String(i).padStart(3, '0')}`;

describe('withScalarsAt', () => {
  it.each([
    ['a narrow map', 5],
    ['a wide map', 40],
  ])(
    'in %s: sets the scalars, keeps key order and lines, shares the rest, leaves the original',
    (_what, width) => {
      const root = settings(width);
      const copy = withScalarsAt(root, [
        [['data'], key(1), 'one'],
        [['data'], key(3), 3],
      ]) as typeof root;
      expect(Object.keys(copy.data)).toEqual(Object.keys(root.data));
      expect(copy.data[key(1)]).toBe('one');
      expect(copy.data[key(3)]).toBe(3);
      expect(copy.data[key(2)]).toBe('value 2');
      expect(root.data[key(1)]).toBe('value 1');
      expect(copy.metadata).toBe(root.metadata);
      expect(lineAtPath(copy, ['data', key(3)])).toBe(9);
      expect(lineAtPath(copy, ['data', key(3)])).toBe(
        lineAtPath(root, ['data', key(3)]),
      );
    },
  );

  it('gives the same copy whatever the order of the changes (a wide map)', () => {
    const root = settings(40);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 39 }), {
          minLength: 1,
          maxLength: 40,
        }),
        indexes => {
          const changes: ScalarAt[] = indexes.map(i => [
            ['data'],
            key(i),
            `new ${i}`,
          ]);
          const inOrder = [...changes].sort((a, b) =>
            String(a[1]).localeCompare(String(b[1])),
          );
          const expected = { ...root.data };
          for (const i of indexes) expected[key(i)] = `new ${i}`;
          for (const order of [changes, inOrder]) {
            const copy = withScalarsAt(root, order) as typeof root;
            expect(copy.data).toEqual(expected);
            expect(Object.keys(copy.data)).toEqual(Object.keys(root.data));
          }
        },
      ),
    );
  });

  it('keeps the last of two changes of one key (a wide map)', () => {
    const root = settings(40);
    const copy = withScalarsAt(root, [
      [['data'], key(7), 'first'],
      [['data'], key(7), 'second'],
    ]) as typeof root;
    expect(copy.data[key(7)]).toBe('second');
  });

  it('refuses a path that does not lead to a scalar', () => {
    const root = settings(40);
    expect(withScalarsAt(root, [[['data'], 'MISSING', 'x']])).toBeUndefined();
    expect(withScalarsAt(root, [[[], 'data', 'x']])).toBeUndefined();
  });
});

describe('parsedKeys', () => {
  it('gives the keys of a parsed map and of a copy that kept its lines, not of other maps', () => {
    const root = settings(40);
    const keys = parsedKeys(root.data);
    expect(keys).toEqual(Object.keys(root.data));
    const copy = withScalarsAt(root, [[['data'], key(0), 'x']]) as typeof root;
    expect(parsedKeys(copy.data)).toBe(keys);
    expect(parsedKeys({ a: 1 })).toBeUndefined();
  });
});

describe('lineInLiteralBlock', () => {
  const file = [
    'command:', // 1
    '  - |', // 2
    '    set -eu', // 3
    '    echo "${a}"', // 4
    'script: |-  # kept as written', // 5
    '  one', // 6
    '', // 7
    '  three ${b}', // 8
    'folded: >', // 9
    '  a', // 10
    '  ${c}', // 11
    'plain: "x\\n${d}"', // 12
  ].join('\n');

  it('finds a place in a literal block on its own line, past blank lines, after the indicators and a comment', () => {
    expect(lineInLiteralBlock(file, 2, 'set -eu\necho "${a}"\n', 12)).toBe(4);
    expect(lineInLiteralBlock(file, 5, 'one\n\nthree ${b}', 11)).toBe(8);
    expect(lineInLiteralBlock(file, 2, 'set -eu\n', 0)).toBe(3);
  });

  it('leaves folded blocks and quoted scalars to their key line', () => {
    expect(lineInLiteralBlock(file, 9, 'a ${c}\n', 2)).toBeUndefined();
    expect(lineInLiteralBlock(file, 12, 'x\n${d}', 2)).toBeUndefined();
    expect(lineInLiteralBlock(file, 40, 'x\n${d}', 2)).toBeUndefined();
  });
});

describe('lineOfReference', () => {
  const file = [
    'folded: >', // 1
    '  run ${a} and', // 2
    '  then ${b} and ${a}', // 3
    'quoted: "one ${c}', // 4
    '  two ${c}"', // 5
  ].join('\n');

  it('finds a reference in a folded block or a quoted scalar over lines by its count from the key line', () => {
    expect(lineOfReference(file, 1, '${a', 0)).toBe(2);
    expect(lineOfReference(file, 1, '${b', 0)).toBe(3);
    expect(lineOfReference(file, 1, '${a', 1)).toBe(3);
    expect(lineOfReference(file, 4, '${c', 0)).toBe(4);
    expect(lineOfReference(file, 4, '${c', 1)).toBe(5);
  });

  it('is undefined when the file holds fewer from the key line on', () => {
    expect(lineOfReference(file, 3, '${a', 1)).toBeUndefined();
    expect(lineOfReference(file, 9, '${a', 0)).toBeUndefined();
  });
});
