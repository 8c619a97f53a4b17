export { changedRanges, type Ranges } from './changed-bytes.js';
export {
  type ChangedFile,
  type ChangedFiles,
  type ChangedFilesOptions,
  type ChangedName,
  changedFilesSince,
  DEFAULT_SKIPPED_DIRS,
  type PathsAtStart,
} from './changed-files.js';
export { StartListing } from './start-listing.js';
export {
  type ChangedFilesScan,
  type FileFinding,
  type FindingSource,
  RunBaseline,
  renderFindings,
  scanChangedFiles,
  scanChangedNames,
  scanWrittenFiles,
} from './written-files.js';
