import { describeRule, exampleFile, replace } from '../__testUtils__/rules';
import { tlsSan } from './tls-san';

describe('tls-san', () => {
  describeRule(tlsSan, {
    edit: replace(
      exampleFile.helmRelease,
      '              - ${CILIUM_CLUSTERMESH_FQDN}\n',
      '              - clustermesh.example.org\n',
    ),
    fails: {
      cluster: 'apps',
      at: `${exampleFile.helmRelease}:36`,
      message:
        /extraDnsNames \["clustermesh.example.org"\]; it must contain "clustermesh-apps.example.net"/,
    },
  });
});
