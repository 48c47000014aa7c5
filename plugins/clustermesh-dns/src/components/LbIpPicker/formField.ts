import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import { ClusterMeshLbIpPicker } from './ClusterMeshLbIpPicker';
import {
  lbIpPickerFieldName,
  lbIpPickerSchema,
  lbIpPickerValidation,
} from './field';

/** `ClusterMeshLbIpPicker` for the new frontend system's scaffolder. */
export const clusterMeshLbIpPickerFormField = createFormField({
  name: lbIpPickerFieldName,
  component: ClusterMeshLbIpPicker,
  validation: lbIpPickerValidation,
  schema: lbIpPickerSchema,
});
