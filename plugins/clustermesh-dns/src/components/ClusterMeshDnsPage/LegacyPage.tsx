import { Content, Header, Page } from '@backstage/core-components';
import {
  ClusterMeshDnsPage,
  ClusterMeshDnsPageProps,
} from './ClusterMeshDnsPage';

/** The page with the header legacy apps expect a plugin page to bring. */
export function LegacyClusterMeshDnsPage(props: ClusterMeshDnsPageProps) {
  return (
    <Page themeId="tool">
      <Header
        title="ClusterMesh DNS"
        subtitle="Every cluster's ClusterMesh FQDN → IP mapping, checked"
      />
      <Content>
        <ClusterMeshDnsPage {...props} />
      </Content>
    </Page>
  );
}
