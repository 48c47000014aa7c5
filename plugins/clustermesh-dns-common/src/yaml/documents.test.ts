import { lineAtPath, parseYamlFile, parseYamlText } from './documents';
import { goYamlStyle, reparseScalar } from './scalars';

describe('reading YAML manifests', () => {
  it('keeps the line of every key and item', () => {
    const { documents } = parseYamlText(
      'f.yaml',
      '---\na: 1\nb:\n  c: [x, y]\n  d:\n    - p\n    - q\n---\ne: 2\n',
    );
    expect(documents.map(d => [d.index, d.line])).toEqual([
      [0, 2],
      [1, 9],
    ]);
    const root = documents[0].value;
    expect(lineAtPath(root, ['b', 'd', 1])).toBe(7);
    expect(lineAtPath(root, ['b', 'c'])).toBe(4);
    expect(lineAtPath(root, ['b', 'missing'])).toBe(3); // the nearest parent
  });

  it('reads scalars as YAML 1.1, like Go yaml.v2', () => {
    const { documents } = parseYamlText(
      'f.yaml',
      'a: yes\nb: 0777\nc: "10"\nd: ~\ne: 2001-12-14\n',
    );
    expect(documents[0].value).toEqual({
      a: true,
      b: 511,
      c: '10',
      d: null,
      e: '2001-12-14',
    });
  });

  it('names the file and line of invalid YAML, duplicate keys and non-text files', () => {
    expect(parseYamlText('f.yaml', 'a: 1\nb: [\n').problems[0]).toMatchObject({
      file: 'f.yaml',
      line: 3,
    });
    expect(parseYamlText('f.yaml', 'a: 1\nb: 2\na: 3\n').problems[0]).toEqual({
      file: 'f.yaml',
      line: 3,
      message: 'has the map key "a" twice (first on line 1)',
    });
    expect(
      parseYamlFile('bin.yaml', new Uint8Array([0xff, 0xfe, 0x00, 0x41]))
        .problems[0].message,
    ).toBe('is not UTF-8 text');
    expect(
      parseYamlFile('nul.yaml', new TextEncoder().encode('a: 1\u0000'))
        .problems[0].message,
    ).toMatch(/binary/);
  });

  it('refuses alias bombs and oversized files instead of expanding them', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(
          97 + i,
        )} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const result = parseYamlText('bomb.yaml', `${bomb.join('\n')}\n`);
    expect(result.documents).toEqual([]);
    expect(result.problems[0].message).toBe(
      'expands to more than 100000 nodes (YAML aliases); not read',
    );
    const big = parseYamlFile('big.yaml', new Uint8Array(5 * 1024 * 1024));
    expect(big.problems[0].message).toBe(
      'is 5242880 bytes, over the 4194304-byte limit for YAML files',
    );
  });

  it('keeps __proto__ as data, never as the prototype', () => {
    const value: any = parseYamlText('p.yaml', '__proto__:\n  polluted: true\n')
      .documents[0].value;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('applies YAML 1.1 merge keys', () => {
    const value: any = parseYamlText(
      'm.yaml',
      'base: &b {p: 1, q: 2}\nchild:\n  <<: *b\n  q: 3\n',
    ).documents[0].value;
    expect(value.child).toEqual({ q: 3, p: 1 });
  });
});

describe('scalar styles (what Flux substitutes)', () => {
  it("writes strings as Go's yaml.v2 does", () => {
    expect(
      ['${X}', 'a: b', 'true', '10', 'x #y', 'multi\nline', ''].map(
        goYamlStyle,
      ),
    ).toEqual([
      'plain',
      'single',
      'double',
      'double',
      'single',
      'literal',
      'single',
    ]);
  });
  it('reads substituted text back with YAML 1.1 types, refusing collections', () => {
    expect(reparseScalar('2379')).toEqual({ ok: true, value: 2379 });
    expect(reparseScalar('on')).toEqual({ ok: true, value: true });
    expect(reparseScalar("'a: b'")).toEqual({ ok: true, value: 'a: b' });
    expect(reparseScalar('[a')).toMatchObject({ ok: false });
    expect(reparseScalar('a: b')).toMatchObject({ ok: false });
  });
});
