import fc from 'fast-check';
import {
  engineBuild,
  haveKubectl,
  kubectlBuild,
} from './__testUtils__/crossCheck';

const kubectl = haveKubectl(
  'the JSON 6902 cross-checks with kubectl kustomize',
);
const describeKubectl = kubectl ? describe : describe.skip;

describeKubectl(
  'JSON 6902 patches as kustomize applies them (evanphx json-patch v4)',
  () => {
    it('agree with kubectl on random operations, failures included', () => {
      const path = fc.constantFrom(
        '/data/a',
        '/data/b',
        '/data/missing',
        '/spec/list/0',
        '/spec/list/1',
        '/spec/list/-',
        '/spec/list/5',
        '/spec/list/-1',
        '/spec/map/x',
        '/spec/map',
        '/nothere/x',
        '/metadata/labels/app',
        '/spec/list/01',
      );
      const value = fc.oneof(
        fc.constantFrom('v1', 'v2', ''),
        fc.integer({ min: 0, max: 3 }),
        fc.constant(null),
        fc.constant({ k: 'x' }),
      );
      const op = fc.oneof(
        fc.record({
          op: fc.constantFrom('add', 'replace', 'test'),
          path,
          value,
        }),
        fc.record({ op: fc.constant('remove'), path }),
        fc.record({ op: fc.constantFrom('move', 'copy'), from: path, path }),
      );
      const cases = fc.sample(fc.array(op, { minLength: 1, maxLength: 3 }), {
        numRuns: 30,
        seed: 3,
      });
      const resource =
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels: {app: web}\ndata: {a: "1", b: "2"}\nspec:\n  list: [p, q, r]\n  map: {x: 1}\n';
      let agreed = 0;
      for (const ops of cases) {
        const files = {
          'app/kustomization.yaml': `resources: [cm.yaml]\npatches:\n  - target: {kind: ConfigMap}\n    patch: '${JSON.stringify(
            ops,
          )}'\n`,
          'app/cm.yaml': resource,
        };
        const engine = engineBuild(files, 'app');
        const real = kubectlBuild(files, 'app');
        const theirs = 'objects' in real ? real.objects : 'fails';
        const mine = engine.ok ? engine.bodies : 'fails';
        expect({ ops, result: mine }).toEqual({ ops, result: theirs });
        // a failure names the operation and its path
        const failure =
          /^kustomize-error app\/kustomization.yaml:3 the patch cannot be applied to ConfigMap cm: operation \d \(/;
        expect(engine.messages.every(m => failure.test(m))).toBe(true);
        expect(engine.messages.length).toBe(engine.ok ? 0 : 1);
        agreed++;
      }
      expect(agreed).toBe(30);
    });
  },
);
