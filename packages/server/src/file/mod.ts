/** The file handler: static documents with conditional and range requests. */
export { serveFile, type ServeFileOptions } from "./serve-file.js";
export {
  TRAVERSAL_CASES,
  TRAVERSAL_SECRET,
  writeTraversalFixture,
  type TraversalCase,
  type TraversalFixture,
} from "./traversal-cases.js";
