export { ClusterMeshLbIpPicker } from './ClusterMeshLbIpPicker';
export {
  lbIpPickerFieldName,
  lbIpPickerSchema,
  lbIpPickerValidation,
} from './field';
export type { LbIpPickerOptions } from './fieldSource';
