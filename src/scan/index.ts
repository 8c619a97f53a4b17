export { changedRanges, type Ranges } from './changed-bytes.js';
export {
  type FileFinding,
  type FindingSource,
  RunBaseline,
  renderFindings,
  scanWrittenFiles,
} from './written-files.js';
