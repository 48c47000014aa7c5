import { YamlEditError, YamlTextEditor } from './edit';

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
