import { createRepoTree } from '../tree/RepoTree';
import { parseYamlDocuments } from '../yaml/documents';
import { setScalarsOnLines } from '../yaml/edit';
import { reading } from '../__testUtils__/yaml';
import { EngineCache } from '../cache/EngineCache';
import { rememberLineEdits } from './lineEdits';

const file = 'kubernetes/clusters/a/cluster-settings.yaml';
const before = [
  '---',
  '# settings of a',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: cluster-settings',
  'data:',
  '  CLUSTER_NAME: "a"',
  '  CILIUM_CLUSTERMESH_LB_IP: "10.0.0.1" # from the pool',
  "  PEER: 'clustermesh-b.${SECRET_DOMAIN}'",
  '---',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: other',
  'data:',
  '  X: "1"',
  '',
].join('\n');
const edits = [{ line: 9, path: ['data', 'CILIUM_CLUSTERMESH_LB_IP'] }];

let cache = new EngineCache();
const read = (text: string) =>
  cache.yamlFiles(createRepoTree({ [file]: text })).read(file);

describe('rememberLineEdits', () => {
  beforeEach(() => {
    cache = new EngineCache();
  });

  it.each([
    ['LF', before],
    ['CRLF', before.replace(/\n/g, '\r\n')],
  ])(
    'reads the edited file (%s) as a fresh parse would, sharing what did not change',
    (_, text) => {
      const first = read(text);
      const after = setScalarsOnLines(file, text, [
        {
          line: 9,
          key: 'CILIUM_CLUSTERMESH_LB_IP',
          current: '10.0.0.1',
          value: '10.0.0.7',
        },
      ])!;
      rememberLineEdits(cache, file, text, after, edits);
      const second = read(after);
      expect(reading(second)).toEqual(reading(parseYamlDocuments(file, after)));
      expect(
        (second.documents[0].value as any).data.CILIUM_CLUSTERMESH_LB_IP,
      ).toBe('10.0.0.7');
      expect(second.documents[1]).toBe(first.documents[1]); // not parsed again
    },
  );

  it.each([
    ['another line changed too', (t: string) => t.replace('"a"', '"z"')],
    [
      'a line was added',
      (t: string) => t.replace('# settings of a', '# settings\n# of a'),
    ],
    [
      'the edited line no longer holds the key',
      (t: string) =>
        t.replace(
          '  CILIUM_CLUSTERMESH_LB_IP: "10.0.0.7" # from the pool',
          '  OTHER: x',
        ),
    ],
  ])('parses the file again when %s', (_, change) => {
    const first = read(before);
    const after = change(before.replace('"10.0.0.1"', '"10.0.0.7"'));
    rememberLineEdits(cache, file, before, after, edits);
    const second = read(after);
    expect(reading(second)).toEqual(reading(parseYamlDocuments(file, after)));
    expect(second.documents[1]).not.toBe(first.documents[1]);
  });
});
