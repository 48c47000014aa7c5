import fc from 'fast-check';
import { parseYamlText } from './documents';
import { lineAtPath } from './lines';
import { setScalarsOnLines, YamlEditError, YamlTextEditor } from './edit';

const edit = (text: string, change: (e: YamlTextEditor) => void) => {
  const editor = new YamlTextEditor('f.yaml', text);
  change(editor);
  return editor.result();
};

describe('YamlTextEditor', () => {
  it('changes a scalar in place, keeping its quoting and the comment after it', () => {
    const text = 'a:\n  b: "1.2.3.4" # the IP\n  c: \'x\'\n  d: plain\n';
    expect(
      edit(text, e => {
        e.setScalar(0, ['a', 'b'], '5.6.7.8');
        e.setScalar(0, ['a', 'c'], "it's");
        e.setScalar(0, ['a', 'd'], 'a: b');
      }),
    ).toBe('a:\n  b: "5.6.7.8" # the IP\n  c: \'it\'\'s\'\n  d: "a: b"\n');
  });

  it('adds missing keys after the last entry of their map, at its indentation', () => {
    const text =
      '# head\nspec:\n    values:\n        x: 1\n\n# tail\nother: true\n';
    expect(
      edit(text, e => e.setEntries(0, ['spec', 'values', 'y'], { z: 'v' })),
    ).toBe(
      '# head\nspec:\n    values:\n        x: 1\n        y:\n          z: v\n\n# tail\nother: true\n',
    );
  });

  it('fills an empty value with a map on the lines below its key', () => {
    expect(
      edit('data:\nkind: X\n', e => e.setScalar(0, ['data', 'K'], 'v')),
    ).toBe('data:\n  K: v\nkind: X\n');
  });

  it('appends to block and flow sequences', () => {
    expect(
      edit('l:\n  - a\n  - b\nn: 1\n', e => e.appendItem(0, ['l'], 'c')),
    ).toBe('l:\n  - a\n  - b\n  - c\nn: 1\n');
    expect(edit('l: ["a"]\n', e => e.appendItem(0, ['l'], 'b'))).toBe(
      'l: ["a", "b"]\n',
    );
  });

  it('deletes a key with its nested value, whole lines only', () => {
    const text = 'm:\n  - name: a\n    ips:\n      - 10.0.0.1\n    port: 1\n';
    expect(edit(text, e => e.deleteKey(0, ['m', 0, 'ips']))).toBe(
      'm:\n  - name: a\n    port: 1\n',
    );
  });

  it('keeps CRLF line endings and the other documents of the file', () => {
    const text = 'a: 1\r\n---\r\nb:\r\n  c: 2\r\n';
    expect(edit(text, e => e.setEntries(1, ['b'], { d: 3 }))).toBe(
      'a: 1\r\n---\r\nb:\r\n  c: 2\r\n  d: 3\r\n',
    );
  });

  it('plans nothing when the value is already there', () => {
    const editor = new YamlTextEditor('f.yaml', 'a: "x"\n');
    editor.setScalar(0, ['a'], 'x');
    expect(editor.changed).toBe(false);
    expect(editor.result()).toBe('a: "x"\n');
  });

  it('refuses what it cannot edit without rewriting, naming file and path', () => {
    expect(() => new YamlTextEditor('bad.yaml', 'a: [1\n')).toThrow(
      'bad.yaml: is not valid YAML; fix it first',
    );
    expect(() =>
      edit('m: {a: 1}\n', e => e.setScalar(0, ['m', 'b'], 2)),
    ).toThrow(
      new YamlEditError('f.yaml', ['m'], 'is a flow map; edit it by hand'),
    );
    expect(() => edit('l: [a]\n', e => e.setScalar(0, ['l'], 'x'))).toThrow(
      'f.yaml: l is a collection where a scalar is expected',
    );
  });
});

describe('setScalarsOnLines', () => {
  /** The line edits for `changes`, with lines and current values as the reader has them. */
  const lineEdits = (text: string, changes: Record<string, string>) => {
    const root = parseYamlText('f.yaml', text).documents[0].value as any;
    return Object.entries(changes).map(([key, value]) => ({
      line: lineAtPath(root, ['data', key])!,
      key,
      current: root.data[key],
      value,
    }));
  };
  const wholeFile = (text: string, changes: Record<string, string>) =>
    edit(text, e => {
      for (const [key, value] of Object.entries(changes))
        e.setScalar(0, ['data', key], value);
    });

  it('changes the same bytes as an edit of the whole file', () => {
    const compared: { onLines: string; wholeFile: string }[] = [];
    const entry = fc.record({
      // a prefix keeps keys clear of YAML 1.1 booleans such as Y and ON
      key: fc.stringMatching(/^K[A-Z0-9_]{0,10}$/),
      value: fc.oneof(
        fc.stringMatching(/^[a-z0-9.-]{1,12}$/),
        fc.constantFrom('10.0.0.1', 'x.${SECRET_DOMAIN}', "it's", 'a: b'),
      ),
      style: fc.constantFrom('plain', 'single', 'double'),
      comment: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, {
          minLength: 1,
          maxLength: 8,
          selector: e => e.key,
        }),
        fc.boolean(),
        fc.array(fc.stringMatching(/^[a-z0-9.:-]{1,12}$/), {
          minLength: 8,
          maxLength: 8,
        }),
        fc.nat(),
        (entries, crlf, newValues, pick) => {
          const eol = crlf ? '\r\n' : '\n';
          const quote = (v: string, style: string) => {
            if (style === 'double') return JSON.stringify(v);
            const needsQuotes =
              /[:#'{}[\],&*!|>%@`"]|^[-?]|^[0-9.]+$|^(y|n|yes|no|on|off|true|false|null|~)$/i.test(
                v,
              );
            return style === 'single' || needsQuotes
              ? `'${v.replace(/'/g, "''")}'`
              : v;
          };
          const text = [
            '# settings',
            'apiVersion: v1',
            'kind: ConfigMap',
            'metadata:',
            '  name: cluster-settings',
            'data:',
            ...entries.map(
              e =>
                `  ${e.key}: ${quote(e.value, e.style)}${
                  e.comment ? ' # why' : ''
                }`,
            ),
            '',
          ].join(eol);
          const changes: Record<string, string> = {};
          entries.forEach((e, i) => {
            if ((pick >> i) % 2 === 0) changes[e.key] = newValues[i];
          });
          const onLines = setScalarsOnLines(
            'f.yaml',
            text,
            lineEdits(text, changes),
          );
          // values the editor writes over several lines are left to it
          if (onLines !== undefined)
            compared.push({ onLines, wholeFile: wholeFile(text, changes) });
        },
      ),
      { numRuns: 200 },
    );
    expect(compared.length).toBeGreaterThan(150);
    expect(compared.map(c => c.onLines)).toEqual(
      compared.map(c => c.wholeFile),
    );
  });

  it.each([
    [
      'a value that goes on over the next line',
      'data:\n  A: first\n    second\n',
    ],
    ['a value on the line after its key', 'data:\n  A:\n    "first"\n'],
    ['a flow map', 'data: {A: first}\n'],
  ])('leaves %s to a whole-file edit', (_, text) => {
    expect(
      setScalarsOnLines('f.yaml', text, lineEdits(text, { A: 'new' })),
    ).toBeUndefined();
    expect(wholeFile(text, { A: 'new' })).toContain('new');
  });

  it('refuses a line that does not hold the value the reader saw', () => {
    const text = 'data:\n  A: first\n  B: second\n';
    expect(
      setScalarsOnLines('f.yaml', text, [
        { line: 3, key: 'A', current: 'first', value: 'x' },
      ]),
    ).toBeUndefined();
    expect(
      setScalarsOnLines('f.yaml', text, [
        { line: 2, key: 'A', current: 'other', value: 'x' },
      ]),
    ).toBeUndefined();
    expect(
      setScalarsOnLines('f.yaml', text, [
        { line: 2, key: 'A', current: 'first', value: 'x' },
      ]),
    ).toBe('data:\n  A: x\n  B: second\n');
  });
});
