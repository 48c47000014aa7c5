import { strictnessOf } from './fluxVersion';

describe('strictnessOf', () => {
  it('names the oldest Flux by its patch too, whatever order the clusters come in', () => {
    const at = (file: string) => ({ file, line: 1 });
    // one written with its `v`, one without (a FluxInstance's version)
    const production = {
      version: [2, 6] as [number, number],
      text: '2.6.4',
      location: at('clusters/production/flux-system/gotk-components.yaml'),
    };
    const staging = {
      version: [2, 6] as [number, number],
      text: 'v2.6.2',
      location: at('clusters/staging/flux-system/gotk-components.yaml'),
    };
    for (const versions of [
      [production, staging],
      [staging, production],
    ])
      expect(strictnessOf(versions)).toMatchObject({
        strict: false,
        reason: expect.stringMatching(
          /^Flux v2\.6\.2 \(clusters\/staging\/.*\), the oldest of 2 found,/,
        ),
        location: staging.location,
      });
  });
});
