import {
  base64,
  base64Lines,
  parseEnvFile,
  parseFileSource,
  parseLiteral,
} from './kvSources';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('key/value sources as kustomize reads them', () => {
  it('reads env files: first "=" splits, leading blanks go, quotes and trailing blanks stay, comments and empty keys skipped', () => {
    const parsed = parseEnvFile(
      bytes(
        '\ufeffA=1\n# comment\n\n  B = 2 \r\nC\n=skipped\nD="q"=x\n\u00a0E=5',
      ),
    );
    expect(parsed).toEqual({
      pairs: [
        expect.objectContaining({ key: 'A', text: '1', line: 1 }),
        expect.objectContaining({ key: 'B ', text: ' 2 ', line: 4 }),
        expect.objectContaining({ key: 'C', text: '', line: 5 }),
        expect.objectContaining({ key: 'D', text: '"q"=x', line: 7 }),
        expect.objectContaining({ key: 'E', text: '5', line: 8 }),
      ],
    });
    expect(parseEnvFile(new Uint8Array([0x41, 0x3d, 0xff]))).toEqual({
      error: 'has a line that is not valid UTF-8',
      line: 1,
    });
    // the line that is not UTF-8 is named, wherever it is
    expect(
      parseEnvFile(
        new Uint8Array([...bytes('A=1\r\nB=2\n'), 0x43, 0x3d, 0xc3, 0x0a]),
      ),
    ).toEqual({ error: 'has a line that is not valid UTF-8', line: 3 });
    // a final line break ends the last line; an empty file has no pairs
    expect(parseEnvFile(bytes('A=1\n\n'))).toEqual({
      pairs: [expect.objectContaining({ key: 'A', text: '1', line: 1 })],
    });
    expect(parseEnvFile(bytes(''))).toEqual({ pairs: [] });
  });

  it('reads literals and file sources', () => {
    expect(parseLiteral("K='v'")).toEqual({ key: 'K', value: 'v' });
    expect(parseLiteral('K="v\'')).toEqual({ key: 'K', value: '"v\'' });
    expect(parseLiteral('K==')).toEqual({ key: 'K', value: '=' });
    expect(parseLiteral('=v')).toHaveProperty('error');
    expect(parseFileSource('dir/values.yaml')).toEqual({
      key: 'values.yaml',
      path: 'dir/values.yaml',
    });
    expect(parseFileSource('key=dir/values.yaml')).toEqual({
      key: 'key',
      path: 'dir/values.yaml',
    });
    expect(parseFileSource('a=b=c')).toHaveProperty('error');
  });

  it('encodes base64 as kyaml does: lines of 70 characters once it reaches 70', () => {
    expect(base64(bytes('hello'))).toBe('aGVsbG8=');
    expect(base64Lines(bytes('x'.repeat(51)))).toBe(
      `${base64(bytes('x'.repeat(51)))}`,
    );
    const long = base64Lines(bytes('x'.repeat(60)));
    expect(long.split('\n').map(l => l.length)).toEqual([70, 10, 0]);
  });
});
