import { templatesOf } from './fqdnTemplate';

describe('templatesOf', () => {
  it('makes each whole-part occurrence of the cluster {cluster}', () => {
    expect(templatesOf('clustermesh-infra.${SECRET_DOMAIN}', 'infra')).toEqual([
      'clustermesh-{cluster}.${SECRET_DOMAIN}',
    ]);
    expect(templatesOf('mesh.mesh.example.net', 'mesh')).toEqual([
      '{cluster}.mesh.example.net',
      'mesh.{cluster}.example.net',
    ]);
    expect(templatesOf('a', 'a')).toEqual(['{cluster}']);
  });

  it('does not take the name inside another word', () => {
    expect(templatesOf('cluster-vars.example.net', 'a')).toEqual([]);
    expect(templatesOf('prodx.example.net', 'prod')).toEqual([]);
    expect(templatesOf('xprod.example.net', 'prod')).toEqual([]);
    expect(templatesOf('anything', '')).toEqual([]);
  });
});

describe('templatesOf with a folder name in capitals', () => {
  it('finds the name lower-case, as the FQDN holds it', () => {
    expect(templatesOf('clustermesh-data.${SECRET_DOMAIN}', 'Data')).toEqual([
      'clustermesh-{cluster}.${SECRET_DOMAIN}',
    ]);
    expect(templatesOf('clustermesh-Data.example.net', 'Data')).toEqual([]);
  });
});
