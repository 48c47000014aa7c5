import { envsubst, isValidVariableName, referencedVariables } from './envsubst';

const vars: Record<string, string> = {
  CLUSTER: 'infra',
  DOMAIN: 'example.com',
  EMPTY: '',
  FILE: 'bash.string.txt',
  PATH_NAME: '/home/bozo/ideas/thoughts.for.today',
  MIXED: 'abcABC123ABCabc',
};
const lookup = (name: string) => vars[name];
const strict = (text: string) => envsubst(text, lookup, { strict: true });
const loose = (text: string) => envsubst(text, lookup, { strict: false });
const out = (text: string) => {
  const r = strict(text);
  if (!r.ok) throw new Error(r.error);
  return r.output;
};

describe('envsubst (Flux post-build substitution)', () => {
  it('replaces ${VAR}', () =>
    expect(out('clustermesh-${CLUSTER}.${DOMAIN}')).toBe(
      'clustermesh-infra.example.com',
    ));
  it('uses the default of ${VAR:=default} when VAR is not defined', () =>
    expect(out('${TTL:=300}')).toBe('300'));
  it('uses the default of ${VAR:-default} when VAR is not defined', () =>
    expect(out('${TTL:-300}')).toBe('300'));
  it('uses the default of ${VAR=default} when VAR is not defined', () =>
    expect(out('${TTL=300}')).toBe('300'));
  it('keeps the value when VAR is defined', () =>
    expect(out('${CLUSTER:=apps}')).toBe('infra'));
  it('uses the default when VAR is defined but empty (Flux, unlike bash)', () =>
    expect(out('${EMPTY:=x}${EMPTY=y}')).toBe('xy'));
  it('accepts nested defaults', () =>
    expect(out('${PEER_FQDN:=clustermesh-${CLUSTER}.${DOMAIN}}')).toBe(
      'clustermesh-infra.example.com',
    ));
  it('writes $${VAR} as the literal ${VAR}', () =>
    expect(out('$${CLUSTER}')).toBe('${CLUSTER}'));
  it('writes $$ as one $', () => expect(out('cost: $$5')).toBe('cost: $5'));
  it('leaves $VAR without braces alone', () =>
    expect(out('$CLUSTER and ${CLUSTER}')).toBe('$CLUSTER and infra'));
  it('does not substitute a value a second time', () => {
    const r = envsubst(
      '${FQDN}',
      name =>
        name === 'FQDN' ? 'clustermesh-infra.${SECRET_DOMAIN}' : undefined,
      { strict: true },
    );
    expect(r).toEqual({
      ok: true,
      output: 'clustermesh-infra.${SECRET_DOMAIN}',
      variables: ['FQDN'],
    });
  });
  it('fails in strict mode on an undefined variable without default', () => {
    expect(strict('x-${MISSING}')).toEqual({
      ok: false,
      error: 'variable not set (strict mode): "MISSING"',
      variable: 'MISSING',
    });
  });
  it('fails in strict mode when a transformation reads an undefined variable', () => {
    for (const text of [
      '${#MISSING}',
      '${MISSING^^}',
      '${MISSING:0:2}',
      '${MISSING/a/b}',
      '${MISSING%%.*}',
    ]) {
      expect(strict(text)).toMatchObject({ ok: false, variable: 'MISSING' });
    }
  });
  it('accepts a defined but empty variable in strict mode', () =>
    expect(out('[${EMPTY}]')).toBe('[]'));
  it('writes an empty string for an undefined variable when not strict', () =>
    expect(loose('[${MISSING}]')).toMatchObject({ ok: true, output: '[]' }));
  it('upper- and lower-cases', () =>
    expect(out('${CLUSTER^}-${CLUSTER^^}-${MIXED,}-${MIXED,,}')).toBe(
      'Infra-INFRA-abcABC123ABCabc-abcabc123abcabc',
    ));
  it('measures length in bytes', () => expect(out('${#CLUSTER}')).toBe('5'));
  it('takes substrings', () =>
    expect(out('${PATH_NAME:11}|${PATH_NAME:11:5}|${CLUSTER:1:-1}')).toBe(
      'ideas/thoughts.for.today|ideas|nfr',
    ));
  it('replaces the first, all, a prefix or a suffix', () => {
    expect(
      out(
        '${MIXED/abc/xyz}|${MIXED//abc/xyz}|${MIXED/#abc/XYZ}|${MIXED/%abc/XYZ}',
      ),
    ).toBe('xyzABC123ABCabc|xyzABC123ABCxyz|XYZABC123ABCabc|abcABC123ABCXYZ');
  });
  it('trims shortest and longest prefixes and suffixes by glob', () => {
    expect(out('${FILE#*.}|${FILE##*.}|${FILE%.*}|${FILE%%.*}')).toBe(
      'string.txt|txt|bash.string|bash',
    );
  });
  it('reports a missing closing brace', () =>
    expect(strict('${CLUSTER')).toMatchObject({
      ok: false,
      error: 'missing closing brace',
    }));
  it('reports ${} and bash-only forms Flux does not parse', () => {
    expect(strict('${}')).toMatchObject({
      ok: false,
      error: 'unable to parse variable name',
    });
    expect(strict('${CLUSTER-x}')).toMatchObject({
      ok: false,
      error: 'missing closing brace',
    });
  });
  it('lists the variables a text refers to', () => {
    expect(referencedVariables('${A:=${B}}-${C,,}-$${D}-$E')).toEqual([
      'A',
      'B',
      'C',
    ]);
  });
  it("checks variable names with Flux's pattern", () => {
    expect(['SECRET_DOMAIN', '_x', 'a1'].map(isValidVariableName)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['my-var', '1st', 'a.b', ''].map(isValidVariableName)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('what a substituted text depends on', () => {
  const dependencies = (text: string, values: Record<string, string>) => {
    const deps = new Map<string, boolean>();
    envsubst(text, name => values[name], { strict: true, dependencies: deps });
    return Object.fromEntries(deps);
  };
  it("counts a default only when it is taken, and then its variables' values", () => {
    expect(dependencies('${A:=${B}}', { A: 'a', B: 'b' })).toEqual({
      A: true,
      B: false, // only whether B is defined: strict mode reads it anyway
    });
    expect(dependencies('${A:=${B}}', { B: 'b' })).toEqual({
      A: true,
      B: true,
    });
    expect(dependencies('${A:=${B}}', { A: '', B: 'b' })).toEqual({
      A: true,
      B: true,
    });
  });
  it('counts the arguments of a transformation and every plain reference', () => {
    expect(
      dependencies('${X/${P}/${R}}-${Y}', { X: 'xx', P: 'x', R: 'y', Y: 'y' }),
    ).toEqual({ X: true, P: true, R: true, Y: true });
  });
  it('gives the same output whenever the dependencies agree', () => {
    const text = 'https://${A:=${B:-fallback}}:${PORT}';
    const runs: Record<string, string | undefined>[] = [
      { A: 'one', B: 'b1', PORT: '1' },
      { A: 'one', B: 'b2', PORT: '1' },
      { B: 'b1', PORT: '1' },
      { B: '', PORT: '2' },
      { A: '', PORT: '2' },
    ];
    const pairs = runs.flatMap(first => runs.map(second => [first, second]));
    const agreeing = pairs.filter(([first, second]) => {
      const deps = new Map<string, boolean>();
      envsubst(text, n => first[n], { strict: false, dependencies: deps });
      return [...deps].every(([name, valueUsed]) =>
        valueUsed
          ? first[name] === second[name]
          : (first[name] === undefined) === (second[name] === undefined),
      );
    });
    expect(agreeing.length).toBeGreaterThan(runs.length); // not only equal pairs
    const outputs = (which: 0 | 1) =>
      agreeing.map(pair =>
        envsubst(text, n => pair[which][n], { strict: false }),
      );
    expect(outputs(1)).toEqual(outputs(0));
  });
});
